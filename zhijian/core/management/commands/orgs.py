"""zhijian orgs load|generate|show: the organisation tree is data."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context, services
from zhijian.core.models import OrgUnit


class Command(BaseCommand):
    help = "Load, generate or show the organisation tree (city → district → station)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "load", help="load a tree from a JSON file (default: the shipped one)"
        )
        load.add_argument(
            "file", nargs="?", help="JSON file; default zhijian/core/data/org_<jurisdiction>.json"
        )
        gen = sub.add_parser(
            "generate", help="write a default tree for a jurisdiction from the division dictionary"
        )
        gen.add_argument(
            "jurisdiction", help="division code of the city or province-level city, e.g. 310000"
        )
        gen.add_argument("--out", required=True)
        sub.add_parser("show", help="print the tree")

    def handle(self, *args, action, **options):
        with context.acting_as(context.cli_context()):
            getattr(self, f"do_{action}")(**options)

    def do_load(self, file=None, **_):
        try:
            if file:
                count = services.load_org_tree(json.loads(Path(file).read_text(encoding="utf-8")))
            else:
                count = services.load_default_org_tree()
        except (OSError, ValueError, KeyError, services.ServiceError) as exc:
            raise CommandError(f"机构数据加载失败：{exc}") from exc
        self.stdout.write(f"loaded {count} units")

    def do_generate(self, jurisdiction, out, **_):
        tree = services.generate_org_tree(jurisdiction)
        Path(out).write_text(
            json.dumps(tree, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        stations = sum(len(d["children"]) for d in tree["children"])
        self.stdout.write(f"wrote {out}: {len(tree['children'])} districts, {stations} stations")

    def do_show(self, **_):
        for unit in OrgUnit.objects.order_by("path"):
            self.stdout.write(f"{'  ' * (unit.depth)}{unit.code}  {unit.name}")
