"""Risk warnings on the command line.

``zhijian warnings export --out FILE.csv [--rule RULE_ID]``: the risk warnings, one row per
rule and entity (the latest warning), with the columns
``rule,uscc,as_of,level,key,parameters,routed_to``.

``zhijian warnings import FEED_ID FILE [--rejected OUT.xlsx]``: 外部预警接入, the warnings of
another system (CSV or XLSX, docs/rules-feeds.md) raised, deduplicated and routed as the
feed defines; prints the counts, the rejected rows with their reasons and the duplicates, and
writes the rejected rows to ``OUT.xlsx`` if asked. A file refused as a whole exits with 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context

LISTED = 50  # rejected and duplicate rows printed


class Command(BaseCommand):
    help = "监管预警：导出；外部预警接入"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出预警（CSV，UTF-8）")
        export.add_argument("--out", required=True, help="输出文件 FILE.csv")
        export.add_argument("--rule", help="只导出该规则（或外部预警接入）的预警")
        feed = sub.add_parser("import", help="外部预警接入：导入其他系统生成的预警（CSV/XLSX）")
        feed.add_argument("feed_id", metavar="FEED_ID", help="接入标识，如 feed_network_monitoring")
        feed.add_argument("file", metavar="FILE", help="预警文件（CSV或XLSX）")
        feed.add_argument("--rejected", metavar="OUT.xlsx", help="把拒绝的行写入该XLSX文件")

    def handle(self, *args, action, **options):
        if action == "import":
            return self.import_feed(options["feed_id"], options["file"], options.get("rejected"))
        return self.export(options["out"], options.get("rule"))

    def export(self, out, rule=None):
        from zhijian.rules import definitions, feeds, services

        if rule and rule not in feeds.all_feeds():
            try:
                definitions.get(rule)
            except definitions.DefinitionError as exc:
                raise CommandError(str(exc)) from None
        path = Path(out)
        if path.parent and not path.parent.exists():
            raise CommandError(f"输出目录不存在：{path.parent}")
        with context.acting_as(context.cli_context()):
            count = services.export_csv(path, rule_id=rule)
        self.stdout.write(f"已导出 {count} 条预警到 {path}")

    def import_feed(self, feed_id, file, rejected=None):
        from zhijian.exchange.services import write_xlsx
        from zhijian.rules import feeds

        try:
            feed = feeds.get(feed_id)
        except feeds.FeedDefinitionError as exc:
            raise CommandError(str(exc)) from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        out = Path(rejected) if rejected else None
        if out is not None and not out.parent.exists():
            raise CommandError(f"输出目录不存在：{out.parent}")
        with context.acting_as(context.cli_context()):
            result = feeds.import_file(feed, path)
        if result.failed:
            raise CommandError(f"文件未导入（接入记录 {result.run_id}）：{result.message}")
        self.stdout.write(
            f"外部预警接入 {feed.id}（{feed.name}）：读取 {result.rows_read} 行，"
            f"接受 {result.accepted} 行（新增预警 {result.raised} 条，重复跳过 "
            f"{result.duplicates} 条），拒绝 {result.rejected} 行；接入记录 {result.run_id}"
        )
        for note in result.notes:
            self.stdout.write(f"说明：{note}")
        for r in result.rejections[:LISTED]:
            reasons = "；".join(f"{e['column']}：{e['reason']}" for e in r["errors"])
            self.stdout.write(f"拒绝 第{r['row']}行 {reasons}")
        for d in result.duplicate_rows[:LISTED]:
            self.stdout.write(f"重复 第{d['row']}行 {d['uscc']} {d['key']}：{d['reason']}")
        hidden = max(result.rejected - LISTED, 0) + max(result.duplicates - LISTED, 0)
        if hidden:
            self.stdout.write(f"……另有 {hidden} 行未列出")
        if out is not None:
            count = write_xlsx(feeds.report_rows(result), out, "拒绝行")
            self.stdout.write(f"已把 {count} 行拒绝的行写入 {out}")
