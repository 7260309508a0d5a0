"""``zhijian import TABLE FILE [--source DEPARTMENT]``: import one exchange file.

TABLE is the English table name of the exchange format (entities, entity_persons, licences,
annual_reports, inspections, penalties, complaints, samplings, credit_listings). A progress
line on stderr is rewritten in place (``\\r``); the summary goes to stdout. The exit status is 0
when the file was read, even with rejected rows; 1 when the file was refused as a whole.
The batch belongs to the root unit (the command line acts for the whole installation).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context
from zhijian.exchange import services, specs
from zhijian.exchange.models import ImportBatch


class ProgressLine:
    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, batch: ImportBatch, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        total = max(batch.total_estimate, batch.rows_read, 1)
        share = 1.0 if final else min(batch.rows_read / total, 0.99)
        filled = int(share * self.width)
        rate = batch.rows_read / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} "
            f"{batch.rows_read:,}/{total:,} 行  接受 {batch.accepted:,}  拒绝 {batch.rejected:,}"
            f"  {rate:,.0f} 行/秒 "
        )
        if final:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import an exchange file (CSV or XLSX) into one table of the register."

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(specs.SPECS), help="exchange table name")
        parser.add_argument("file", help="CSV (UTF-8 or GBK/GB18030) or XLSX file")
        parser.add_argument("--source", default="", help="providing department (数据来源)")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args, table, file, source, quiet, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        progress = None if quiet else ProgressLine(sys.stderr)
        with context.acting_as(context.cli_context()):
            try:
                batch = services.import_file(table, path, source=source, progress=progress)
            except services.ExchangeError as exc:
                raise CommandError(str(exc)) from exc
        if progress and batch.status == ImportBatch.Status.DONE:
            progress(batch, final=True)
        out = self.stdout
        out.write(
            f"批次 {batch.pk}  {batch.table}  {batch.get_status_display()}  "
            f"读取 {batch.rows_read}  接受 {batch.accepted}  拒绝 {batch.rejected}"
        )
        if batch.message:
            out.write(f"说明：{batch.message}")
        for item in services.reason_summary(batch, limit=10):
            out.write(f"  {item['column']}：{item['reason']}  × {item['count']}")
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.message or "导入失败")
