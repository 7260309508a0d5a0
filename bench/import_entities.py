"""Import benchmark: validated entity rows per second into a fresh database (target ≥ 20,000/s).

Generates N valid entity rows (USCCs with computed check characters, citizen ID numbers with
check digits, real Shanghai district and street names so that ``locate()`` resolves every
address to a station) into a UTF-8 CSV, imports it with the real importer (read, validate,
locate, upsert in chunks of ``services.CHUNK_SIZE`` rows, one transaction each, the search
index kept current chunk by chunk; validation in a forked second process) and prints the
rate. The database is migrated and the shipped organisation tree loaded before the clock
starts; the time covers the whole ``import_file`` call (hashing, encoding check, reading,
validation, writing, search index, audit). After each run one imported entity is looked up
through the search (``search_entities``).

The CPU line (time spent by this process and by the validation process, per row) is the
figure to compare on a shared machine: wall time depends on what else runs.

    .venv/bin/python bench/import_entities.py [--rows 200000] [--database-url URL] [--keep]
                                              [--again]   # also time re-sending the same file
                                              [--one-process]  # no validation process
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZHIJIAN = str(Path(sys.executable).with_name("zhijian"))
TARGET = 20_000


def generate(path: Path, rows: int, streets: list[tuple[str, str]]) -> None:
    from zhijian.core.identifiers import id_number_check_char, uscc_check_char
    from zhijian.exchange.specs import SPECS

    rng = random.Random(42)
    headers = [c.header for c in SPECS["entities"].columns]
    roads = ["人民路", "建设路", "中山路", "解放路", "新华路", "长江路", "和平路", "学府路"]
    industries = ["I6513", "5191", "F5211", "H6210", "7291", "C1391", "E4790", "M7320"]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for i in range(rows):
            district_name, street_name = streets[i % len(streets)]
            body = f"91310000MA{i:07d}"[:17]
            person = f"31011519{70 + i % 30:02d}0101{i % 1000:03d}"
            status = "注销" if i % 20 == 0 else "存续"
            writer.writerow([
                body + uscc_check_char(body),
                f"上海测试{i}有限公司",
                "个体工商户" if i % 3 == 0 else "私营企业",
                "有限责任公司",
                status,
                f"20{i % 24:02d}-0{1 + i % 9}-1{i % 9}",
                "2024-06-30" if status == "注销" else "",
                f"{rng.randint(1, 100000)}.{rng.randint(0, 9999):04d}",
                "CNY",
                f"法人{i % 5000}",
                person + id_number_check_char(person),
                f"上海市{district_name}{street_name}{roads[i % len(roads)]}{i % 999 + 1}号",
                "",
                "上海市市场监督管理局",
                industries[i % len(industries)],
                "一般项目：技术服务、技术开发",
                f"138{i % 100000000:08d}",
            ])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default=os.environ.get("ZHIJIAN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--again", action="store_true", help="also time a re-run (updates)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--one-process", action="store_true", help="validate in the writing process (diagnosis)"
    )
    parser.add_argument(
        "--without-search-triggers",
        action="store_true",
        help="diagnosis: drop the SQLite full-text search triggers of registry_entity first "
        "(shows the importer's own cost; the real figure is the one with the triggers)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="zhijian-bench-import-"))
    url, remove = fresh_database(args.database_url, workdir, keep=args.keep)
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": url, "ZHIJIAN_VAR_DIR": str(workdir)}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    try:
        subprocess.run([ZHIJIAN, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        import django

        django.setup()
        from zhijian.core import context, services
        from zhijian.dictionaries.models import Division
        from zhijian.exchange.services import import_file
        from zhijian.registry.models import Entity
        from zhijian.registry.search import search_entities

        with context.acting_as(context.cli_context()):
            services.load_default_org_tree()
            districts = dict(
                Division.objects.filter(code__startswith="3101", level="district").values_list(
                    "code", "name"
                )
            )
            streets = [
                (districts[code[:6]], name)
                for code, name in Division.objects.filter(
                    code__startswith="3101", level="street", is_current=True
                ).values_list("code", "name")
                if code[:6] in districts
            ]
            if args.without_search_triggers:
                from django.db import connection

                with connection.cursor() as cursor:
                    for name in ("registry_entity_search_ai", "registry_entity_search_au"):
                        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                print("  (search triggers dropped: diagnostic figure)")
            path = workdir / "entities.csv"
            generate(path, args.rows, sorted(streets))
            runs = [("import", None)] + ([("re-send", None)] if args.again else [])
            status = 0
            for label, _ in runs:
                if args.profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.enable()
                parallel = False if args.one_process else None
                start, before = time.perf_counter(), os.times()
                batch = import_file("entities", path, source="bench", parallel=parallel)
                elapsed, after = time.perf_counter() - start, os.times()
                if args.profile:
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                        int(os.environ.get("PROFILE_LINES", "35"))
                    )
                rate = batch.accepted / elapsed
                verdict = "OK" if rate >= TARGET else "BELOW TARGET"
                print(
                    f"{label} entities: {batch.accepted:,} rows in {elapsed:.1f} s = "
                    f"{rate:,.0f} rows/s (target ≥ {TARGET:,} rows/s) {verdict}"
                )
                own = (after.user - before.user + after.system - before.system) / batch.accepted
                child = after.children_user - before.children_user
                child = (child + after.children_system - before.children_system) / batch.accepted
                print(
                    f"  cpu {own * 1e6:.0f} µs/row in this process + {child * 1e6:.0f} µs/row "
                    "in the validation process"
                )
                last = f"上海测试{args.rows - 1}有限公司"
                hits = search_entities(Entity.objects.all(), last).filter(name=last).count()
                print(f"  search finds the last imported entity: {'yes' if hits else 'NO'}")
                if batch.rejected or batch.accepted != args.rows or not hits:
                    print(f"  unexpected: {batch.rejected} rejected; {batch.message}")
                    status = 1
                status = status or (0 if rate >= TARGET else 1)
            located = Entity.objects.exclude(street_code="").count()
            print(f"  {Entity.objects.count():,} entities, {located:,} located to a street")
        return status
    finally:
        remove()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
