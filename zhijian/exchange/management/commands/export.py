"""``zhijian export TABLE --out FILE [--format csv|xlsx] [--unmasked]``.

Writes one table in the exchange format. The command line has no user, so it exports the whole
installation (all units); personal data columns (ID numbers, phone numbers, claimant names) are
masked unless ``--unmasked`` is given. Every export writes an audit record that says whether it
was masked; a masked export is for reading, an unmasked one can be imported again unchanged.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from zhijian.core import context
from zhijian.exchange import services, specs


class Command(BaseCommand):
    help = "Export one register table in the exchange format (CSV UTF-8 with BOM, or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(specs.SPECS))
        parser.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="")
        parser.add_argument(
            "--unmasked", action="store_true", help="write personal data in clear (audited)"
        )

    def handle(self, *args, table, out, format, unmasked, **options):
        with context.acting_as(context.cli_context()):
            count = services.export_table(table, out, fmt=format, masked=not unmasked)
        self.stdout.write(f"已导出 {count} 行到 {out}{'（未脱敏）' if unmasked else ''}")
