"""``zhijian audit verify`` and ``zhijian audit checkpoint``.

verify      recompute the SM3 hash chain of the audit log and name the first broken record.
            Exit status 0 and ``OK: N records, head seq S hash H``, or exit status 1 and
            ``BROKEN at record #S (time, action, object): 中文原因 / English reason``.
            ``--expect-head HASH`` (or ``SEQ:HASH``) and ``--checkpoints FILE`` check hashes kept
            outside the database: each must still be in the chain at its place.
checkpoint  print the current chain head (``SEQ HASH TIME``) and, with ``--out FILE``, append
            it to FILE. Keep that file outside the database (another machine, paper, e-mail):
            someone who can write to the database can rewrite the chain and its head together,
            and only an outside checkpoint reveals it (``verify --checkpoints FILE``).

Neither command writes to the database, so both run on a read-only replica or a restored
backup as well.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijian.audit import services
from zhijian.audit.canonical import format_time


class Command(BaseCommand):
    help = "审计日志哈希链：校验（verify）与检查点（checkpoint）。 Audit log hash chain tools."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify",
            help="校验审计记录哈希链，指出第一条被破坏的记录 / verify the hash chain",
        )
        verify.add_argument(
            "--from-seq", type=int, default=None, help="从该序号开始校验 / start at this seq"
        )
        verify.add_argument(
            "--expect-head",
            default=None,
            help="库外保存的链头哈希 HASH（须仍在记录链中）或 SEQ:HASH / "
            "head hash kept outside the database: HASH (must still be in the chain) or SEQ:HASH",
        )
        verify.add_argument(
            "--checkpoints",
            default=None,
            help="audit checkpoint --out 写出的检查点文件 / checkpoint file to check against",
        )
        verify.add_argument(
            "--quiet", action="store_true", help="不显示进度 / no progress on stderr"
        )
        point = sub.add_parser(
            "checkpoint",
            help="输出当前链头（序号 哈希 时间）/ print the current chain head",
        )
        point.add_argument("--out", default=None, help="追加写入该文件 / append to this file")

    def handle(self, *args, **options):
        if options["subcommand"] == "verify":
            return self.verify(options)
        return self.checkpoint(options)

    def verify(self, options):
        checkpoints = None
        if options["checkpoints"]:
            path = Path(options["checkpoints"])
            try:
                checkpoints = services.parse_checkpoints(
                    path.read_text(encoding="utf-8").splitlines()
                )
            except OSError as exc:
                raise CommandError(f"无法读取检查点文件 {path}: {exc}") from exc
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if options["expect_head"] and ":" in options["expect_head"]:
            try:
                services.parse_checkpoints([options["expect_head"]])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc

        progress = None
        if not options["quiet"]:

            def progress(count, seq, seconds):
                self.stderr.write(f"… {count} records verified (seq {seq}), {seconds:.1f} s")

        result = services.verify_chain(
            from_seq=options["from_seq"],
            expect_head=options["expect_head"],
            checkpoints=checkpoints,
            progress=progress,
        )
        if result.ok:
            self.stdout.write(result.describe())
            return None
        self.stdout.write(result.describe())
        sys.exit(1)

    def checkpoint(self, options):
        seq, digest, when = services.checkpoint()
        line = f"{seq} {digest} {format_time(when) if when else '-'}"
        self.stdout.write(line)
        if options["out"]:
            path = Path(options["out"])
            try:
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError as exc:
                raise CommandError(f"无法写入 {path}: {exc}") from exc
        return None
