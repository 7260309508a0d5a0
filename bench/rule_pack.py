"""Rules benchmark: every rule of the pack on the synthetic city (targets: all rules ≤ 5 min in
total on 3.4 million entities, ``one_person_many_entities`` alone ≤ 10 s).

    .venv/bin/python bench/rule_pack.py [--entities 3400000] [--seed 2026] [--today YYYY-MM-DD]
        [--database-url URL] [--keep] [--reuse URL --ground-truth PATH] [--rules a,b]
        [--no-analyze] [--same-process] [--commit]

Builds a city of ``--entities`` with ``zhijian.demo.city.generate_city`` on a fresh database
(an SQLite file in a temporary directory; with ``--database-url postgres://…`` a new database
``zhijian_bench_<pid>`` on that server; removed afterwards unless ``--keep``), runs ``ANALYZE``
(PostgreSQL: ``VACUUM ANALYZE``) as a maintained database would have its statistics (skip
with ``--no-analyze``), then, in a fresh process (a scheduled job's cold start; ``--same-process``
to stay), runs every rule as of the ground truth's ``as_of`` with ``zhijian.rules.engine.run_rule``
— the rule's query, grouping, deduplication, warnings, tasks or 阅知 reminders and audit
record — and prints per rule the seconds, the rows examined (rows of the tables it reads),
candidates, warnings raised and the precision and recall of the warnings against the ground
truth, then the totals against the targets and, for a smaller city, a linear projection to
3.4 million (optimistic for the sorts and groupings, which grow as n log n).

Each rule's run is rolled back once measured (the database is left as it was built, so a kept
database measured again with ``--reuse`` gives comparable figures); ``--commit`` keeps the
warnings (to browse them in the demo). ``--reuse URL`` measures an already built database:
pass the ground truth written when it was built (``--ground-truth``, printed by a ``--keep``
run) for ``as_of`` and the precision and recall.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _without_bench(path: list[str]) -> list[str]:
    return [p for p in path if Path(p or ".").resolve() != BENCH]


SHANGHAI = 3_400_000
TARGET_TOTAL_S = 300.0
TARGET_PERSON_S = 10.0
PERSON_RULE = "one_person_many_entities"


class _Rollback(Exception):
    pass


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=SHANGHAI)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the city's day (default: today)")  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="PostgreSQL server URL (default: SQLite)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", default="", help="an already built database URL")
    parser.add_argument("--ground-truth", default="", help="the ground truth of that city")
    parser.add_argument("--rules", default="", help="comma-separated rule ids (default: all)")
    parser.add_argument("--no-analyze", action="store_true", help="no ANALYZE after the build")
    parser.add_argument("--same-process", action="store_true",
                        help="run the rules in the building process")  # fmt: skip
    parser.add_argument("--commit", action="store_true", help="keep the warnings")
    return parser.parse_args()


def build(args, url: str) -> Path:
    """Generate the city and write its ground truth next to the database; returns its path."""
    import tempfile

    from django.db import connection

    from zhijian.demo.city import generate_city, print_progress

    if connection.vendor == "sqlite":  # beside the database (removed with it unless --keep)
        folder = Path(connection.settings_dict["NAME"]).parent
    else:
        folder = Path(tempfile.gettempdir())
    truth_path = folder / f"rules_ground_truth_{os.getpid()}.json"
    print(f"database {connection.vendor} ({url.split('@')[-1]}); city of {args.entities:,} "
          f"entities, seed {args.seed}", flush=True)  # fmt: skip
    result = generate_city(
        args.entities, args.seed, today=args.today, ground_truth=truth_path,
        progress=print_progress,
    )  # fmt: skip
    related = sum(result.rows.values()) - result.rows["entity"]
    print(f"built in {result.seconds:.1f} s (+ {related:,} related rows); ground truth "
          f"{truth_path}", flush=True)  # fmt: skip
    if not args.no_analyze:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("ANALYZE")
            else:  # outside a transaction block (Django's autocommit)
                cursor.execute("VACUUM ANALYZE")
        print(f"ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)
    return truth_path


def measure(args, truth_path: str) -> list[dict]:
    """Run the rules; one dict of figures per rule."""
    from django.db import connection, transaction

    from zhijian.core import context
    from zhijian.registry.models import Entity
    from zhijian.rules.definitions import all_rules
    from zhijian.rules.engine import run_rule
    from zhijian.rules.models import Warning

    truth = json.loads(Path(truth_path).read_text("utf-8")) if truth_path else {}
    sections = truth.get("rules", {})
    as_of = dt.date.fromisoformat(truth.get("as_of") or dt.date.today().isoformat())
    rules = all_rules()
    chosen = [r for r in args.rules.split(",") if r] or list(rules)
    entities = Entity.objects.count()
    print(f"vendor {connection.vendor}; {entities:,} entities; rules as of {as_of}", flush=True)
    print(f"{'rule':36s} {'seconds':>8s} {'rows examined':>14s} {'candidates':>10s} "
          f"{'raised':>7s} {'dup':>5s} {'precision':>9s} {'recall':>7s}")  # fmt: skip
    figures = []
    with context.acting_as(context.cli_context()):
        for rule_id in chosen:
            rule = rules[rule_id]
            section = sections.get(rule_id)
            day = dt.date.fromisoformat(section["as_of"]) if section else as_of
            row = {"rule": rule_id}
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    run = run_rule(rule, day)
                    row["seconds"] = time.perf_counter() - started
                    row.update(rows=run.rows_examined, candidates=run.candidates,
                               raised=run.raised, duplicates=run.duplicates)  # fmt: skip
                    if section is not None:
                        row.update(_accuracy(Warning.objects.filter(run=run), section))
                    if not args.commit:
                        raise _Rollback
            except _Rollback:
                pass
            figures.append(row)
            precision = f"{row['precision']:.3f}" if "precision" in row else "-"
            recall = f"{row['recall']:.3f}" if "recall" in row else "-"
            print(f"{rule_id:36s} {row['seconds']:8.2f} {row['rows']:14,} "
                  f"{row['candidates']:10,} {row['raised']:7,} {row['duplicates']:5,} "
                  f"{precision:>9s} {recall:>7s}", flush=True)  # fmt: skip
    _totals(figures, entities)
    return figures


def _accuracy(warnings, section: dict) -> dict:
    from zhijian.registry.models import Entity

    ids = list(warnings.values_list("entity_id", "key", "level"))
    usccs = dict(Entity.objects.filter(pk__in={i for i, _, _ in ids}).values_list("pk", "uscc"))
    expected = {(i["uscc"], i.get("key"), i["level"]) for i in section["expected"]}
    keyless = {(u, level) for u, key, level in expected if key is None}
    found = set()
    for entity, key, level in ids:
        uscc = usccs[entity]
        found.add((uscc, None, level) if (uscc, level) in keyless else (uscc, key, level))
    hits = len(found & expected)
    return {
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(expected) if expected else 1.0,
        "expected": len(expected),
    }


def _totals(figures: list[dict], entities: int) -> None:
    total = sum(f["seconds"] for f in figures)
    person = next((f["seconds"] for f in figures if f["rule"] == PERSON_RULE), None)
    exact = all(f.get("precision", 1) == 1 and f.get("recall", 1) == 1 for f in figures)
    print(f"total {total:.1f} s (target ≤ {TARGET_TOTAL_S:.0f} s on {SHANGHAI:,} entities) "
          f"{'OK' if total <= TARGET_TOTAL_S else 'SLOW'}")  # fmt: skip
    if person is not None:
        print(f"{PERSON_RULE} {person:.2f} s (target ≤ {TARGET_PERSON_S:.0f} s) "
              f"{'OK' if person <= TARGET_PERSON_S else 'SLOW'}")  # fmt: skip
    print(f"precision and recall 1.0 for every rule: {'yes' if exact else 'NO'}")
    if entities and entities < SHANGHAI:
        scale = SHANGHAI / entities
        print(f"linear projection to {SHANGHAI:,} entities (×{scale:.1f}): total "
              f"{total * scale:.0f} s" + (f", {PERSON_RULE} {person * scale:.1f} s"
                                           if person is not None else ""))  # fmt: skip
        slowest = sorted(figures, key=lambda f: -f["seconds"])[:3]
        print("  slowest: " + ", ".join(f"{f['rule']} {f['seconds'] * scale:.0f} s"
                                          for f in slowest))  # fmt: skip


def main() -> int:
    sys.path.insert(0, str(BENCH))
    from common import django_on_fresh_database

    # the project first, this folder off the path (its modules are imported above)
    sys.path[:] = [str(BENCH.parent), *_without_bench(sys.path)]
    args = parse_args()
    if args.reuse and not args.ground_truth:
        print("--reuse without --ground-truth: no precision and recall, rules as of today")
    url, cleanup, new = django_on_fresh_database(
        args.database_url, args.reuse, args.keep, "zhijian-bench-rules-"
    )
    from django.db import connection

    from zhijian.core import context

    truth_path = args.ground_truth
    try:
        if new:
            with context.acting_as(context.cli_context()):
                truth_path = str(build(args, url))
            if not args.same_process:
                connection.close()
                command = [sys.executable, __file__, "--reuse", url, "--ground-truth",
                           truth_path, "--rules", args.rules]  # fmt: skip
                command += ["--commit"] if args.commit else []
                subprocess.run(command, check=True)
                return 0
        else:  # a reused database gets the migrations added since it was built
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        measure(args, truth_path)
        return 0
    finally:
        connection.close()
        cleanup()
        if new and not args.keep and truth_path and Path(truth_path).exists():
            Path(truth_path).unlink()


if __name__ == "__main__":
    raise SystemExit(main())
