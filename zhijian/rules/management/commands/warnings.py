"""``zhijian warnings export --out FILE.csv [--rule RULE_ID]``: the risk warnings, one row per
rule and entity (the latest warning), with the columns
``rule,uscc,as_of,level,key,parameters,routed_to``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context


class Command(BaseCommand):
    help = "监管预警：导出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出预警（CSV，UTF-8）")
        export.add_argument("--out", required=True, help="输出文件 FILE.csv")
        export.add_argument("--rule", help="只导出该规则的预警")

    def handle(self, *args, action, out, rule=None, **options):
        from zhijian.rules import definitions, services

        if rule:
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
