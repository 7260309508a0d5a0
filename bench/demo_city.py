"""Benchmark: the synthetic city generator (target: Shanghai's 3,400,000 entities ≤ 15 min).

    .venv/bin/python bench/demo_city.py [--entities 200000] [--seed 2026] [--database-url URL]
                                        [--keep] [--rebuild-search] [--sequential]

Creates a fresh database (an SQLite file in a temporary directory by default; with
``--database-url postgres://user@host:port/db`` a new database ``zhijian_bench_<pid>``, dropped
afterwards unless ``--keep``), migrates it, loads the Shanghai organisation tree, runs
``zhijian.demo.city.generate_city`` and prints where the time went and e.g.
``demo city: 200000 entities (+ 1504310 related rows) in 26.7 s = 7483 entities/s;
projected 3,400,000 in 7.6 min (target ≤ 15 min)``. The time is the whole call: rows, writes,
index builds and search index. The projection is linear, the index builds at the end are
not (n log n): run the full size (``--entities 3400000``) for the real figure.

``phases`` (see ``zhijian.demo.load``): ``generate`` = the worker's time making rows
(``generate_cpu`` its processor time: on a shared machine the processor times say more than
the wall-clock ones), ``receive`` = the writer's time waiting for and decoding chunks,
``write`` (``write_cpu``), ``indexes``, ``search_index``.

``--rebuild-search``: the search index rebuilt at the end as before (``bulk_loading``)
instead of filled during the load; ``--sequential``: no worker process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = 3_400_000
TARGET_MINUTES = 15.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--rebuild-search",
        action="store_true",
        help="rebuild the search index at the end instead of filling it during the load",
    )
    parser.add_argument(
        "--sequential", action="store_true", help="make the rows in this process (no worker)"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="zhijian-bench-"))
    url, drop_database = fresh_database(args.database_url, workdir, keep=args.keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    os.environ.update(ZHIJIAN_DATABASE_URL=url, ZHIJIAN_VAR_DIR=str(workdir), ZHIJIAN_DEMO="1")
    sys.path.insert(0, str(ROOT))
    try:
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        from zhijian.core import services
        from zhijian.demo.city import generate_city, print_progress

        call_command("migrate", verbosity=0, interactive=False)
        services.load_default_org_tree()
        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        result = generate_city(
            args.entities,
            args.seed,
            ground_truth=workdir / "ground_truth.json",
            progress=print_progress,
            parallel=False if args.sequential else None,
            fill_search=not args.rebuild_search,
        )
        related = sum(result.rows.values()) - result.rows.get("entity", 0)
        rate = args.entities / result.seconds
        projected = SHANGHAI / rate / 60
        verdict = "OK" if projected <= TARGET_MINUTES else "TOO SLOW"
        print(f"rows: {result.rows}")
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.phases.items())
        print(f"phases: {phases}")
        print(
            f"demo city: {args.entities} entities (+ {related} related rows) in "
            f"{result.seconds:.1f} s = {rate:.0f} entities/s; projected {SHANGHAI:,} in "
            f"{projected:.1f} min (target ≤ {TARGET_MINUTES:.0f} min) {verdict}"
        )
        connection.close()
        return 0
    finally:
        drop_database()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
