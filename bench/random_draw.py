"""Random-draw benchmark: 10,000 targets from a pool of 3.4 million with 500 inspectors ≤ 5 s.

Fills a fresh database with minimal entity rows (raw ``executemany``, search triggers off
while filling), plants credit listings and penalties so that every credit risk class has
members, puts 500 inspectors in the inspector directory, then times ``services.draw_plan``
as the draw button runs it: reading and classifying the whole pool, the snapshot and its hash,
the seed, target selection, recusal ties, inspector assignment, the draw record, the 10,000
supervision tasks (``bulk_create_tasks``) and the audit record. ``verify_draw`` is timed too.

    .venv/bin/python bench/random_draw.py [--entities 3400000] [--targets 10000]
        [--inspectors 500] [--database-url URL] [--keep] [--reuse PATH_OR_URL] [--draws 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import django_on_fresh_database  # noqa: E402

TARGET_S = 5.0
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DISTRICTS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
             "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151"]  # fmt: skip
SERIOUS, ABNORMAL, PENALISED = 1_000, 4_000, 20_000  # class D, C, B members (planted)
COLUMNS = (
    "id, source, created_at, updated_at, unit_id, uscc, name, kind, legal_form, status, "
    "established_on, currency, legal_rep_name, address, district_code, street_code, "
    "location_source, registration_authority, industry, business_scope, phone"
)


def org_code(i: int) -> str:
    out = []
    for _ in range(9):
        i, r = divmod(i, 31)
        out.append(USCC_CHARS[r])
    return "".join(reversed(out))


def fill(count: int) -> None:
    from django.db import connection, transaction

    from zhijian.core.models import OrgUnit
    from zhijian.registry.search import bulk_loading

    units: dict[str, list[int]] = {}
    for unit in OrgUnit.objects.filter(kind="station"):
        units.setdefault(unit.code[:6], []).append(unit.pk)
    fallback = [OrgUnit.objects.get(kind="city").pk]
    n_columns = len(COLUMNS.split(","))
    sql = f"INSERT INTO registry_entity ({COLUMNS}) VALUES ({', '.join(['%s'] * n_columns)})"  # noqa: S608
    now = "2026-11-22 00:00:00"
    started = time.perf_counter()
    with bulk_loading():
        for start in range(1, count + 1, 50_000):
            rows = []
            for i in range(start, min(count + 1, start + 50_000)):
                district = DISTRICTS[i % len(DISTRICTS)]
                station = units.get(district) or fallback
                body = f"91{district}{org_code(i)}"
                rows.append((
                    i, "bench", now, now, station[i % len(station)], body + USCC_CHARS[i % 31],
                    f"抽查基准{i}号有限公司", "私营企业", "", "存续", "2020-01-01", "CNY",
                    "某某", f"上海市测试路{i}号", district, "", "address", "", "5211", "", "",
                ))  # fmt: skip
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            if (start // 50_000) % 10 == 0:
                print(f"  {start + len(rows) - 1:,} entities", flush=True)
        print(f"  inserted in {time.perf_counter() - started:.0f} s; rebuilding the index")
    plant_classes(count)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('registry_entity', 'id'), "
                "(SELECT max(id) FROM registry_entity))"
            )
            # as autovacuum leaves a table some minutes after a bulk load
            cursor.execute("VACUUM (ANALYZE) registry_entity")
            cursor.execute("ANALYZE")
    print(f"filled {count:,} entities in {time.perf_counter() - started:.0f} s", flush=True)


def plant_classes(count: int) -> None:
    """Listings (classes D and C) and penalties (class B) on evenly spread entities."""
    from django.db import connection, transaction

    step = count // (SERIOUS + ABNORMAL + PENALISED)
    ids = list(range(1, count + 1, step))[: SERIOUS + ABNORMAL + PENALISED]
    units = dict(_entity_units(ids))  # entity id → unit id
    now = "2026-11-22 00:00:00"
    listing = (
        "INSERT INTO registry_creditlisting (source, batch_id, created_at, updated_at, unit_id, "
        "entity_id, list_type, reason, listed_on, authority, removed_on, removal_reason) "
        "VALUES ('bench', NULL, %s, %s, %s, %s, %s, '测试', '2025-07-01', '区局', NULL, '')"
    )
    penalty = (
        "INSERT INTO registry_penaltyrecord (source, batch_id, created_at, updated_at, unit_id, "
        "number, entity_id, party, violation, facts, legal_basis, measures, amount, intensity, "
        "decided_on, authority, brand_model) VALUES ('bench', NULL, %s, %s, %s, %s, %s, '某', "
        "'虚假宣传', '', '', '罚款', NULL, '', '2025-06-01', '区局', '')"
    )
    serious, abnormal, penalised = (
        ids[:SERIOUS],
        ids[SERIOUS : SERIOUS + ABNORMAL],
        ids[SERIOUS + ABNORMAL :],
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(listing, [(now, now, units[i], i, "严重违法失信名单") for i in serious])
        cursor.executemany(listing, [(now, now, units[i], i, "经营异常名录") for i in abnormal])
        cursor.executemany(penalty, [(now, now, units[i], f"BENCH-{i}", i) for i in penalised])


def _entity_units(ids):
    from zhijian.registry.models import Entity

    out = []
    for start in range(0, len(ids), 5000):
        out += Entity.objects.filter(pk__in=ids[start : start + 5000]).values_list("pk", "unit_id")
    return out


def make_inspectors(n: int) -> None:
    from django.contrib.auth.hashers import make_password

    from zhijian.core.models import OrgUnit, User
    from zhijian.random_inspections.models import InspectorProfile

    if InspectorProfile.objects.count() >= n:
        return
    stations = list(OrgUnit.objects.filter(kind="station").order_by("code"))
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench_insp{i}",
                full_name=f"检查员{i}",
                password=unusable,
                unit=stations[i % len(stations)],
                badge_number=f"BENCH{i:05d}",
            )  # fmt: skip
            for i in range(n)
        ]
    )
    if users[0].pk is None:
        users = list(User.objects.filter(username__startswith="bench_insp"))
    InspectorProfile.objects.bulk_create(
        [InspectorProfile(user=u, unit_id=u.unit_id, expertise=["食品"]) for u in users]
    )


def plan_for(targets: int, entities: int, officer, item):
    from zhijian.random_inspections import services

    a_count = entities - SERIOUS - ABNORMAL - PENALISED
    rest = targets - SERIOUS - ABNORMAL // 2 - PENALISED // 10
    ratios = {"A": round(rest / a_count, 8), "B": 0.1, "C": 0.5, "D": 1.0}
    return services.create_plan(
        user=officer, name=f"基准抽查 {time.time():.0f}", item=item, unit=officer.unit,
        ratios=ratios, inspectors_per_check=2,
    )  # fmt: skip


def _profiler(enabled: bool):
    if not enabled:
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    return profile


def _report(profile) -> None:
    if profile is None:
        return
    import pstats

    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats("random_inspections|supervision", 25)


def timed_in_a_fresh_process(url: str, args) -> None:
    """Time the draws in a new process, as a web worker runs them: the process that filled
    the database carries its heap and its connection's state (draws timed there took 5.2 s
    on PostgreSQL where a fresh process took 2.9 s, on the same database minutes apart)."""
    import subprocess

    command = [sys.executable, __file__, "--reuse", url, "--draws", str(args.draws),
               "--targets", str(args.targets), "--entities", str(args.entities),
               "--inspectors", str(args.inspectors)]  # fmt: skip
    if args.profile:
        command.append("--profile")
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=3_400_000)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--inspectors", type=int, default=500)
    parser.add_argument("--draws", type=int, default=2, help="timed draws (fresh plans)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", default="", help="an already filled database URL")
    parser.add_argument("--profile", action="store_true", help="print a profile of each draw")
    parser.add_argument(
        "--same-process", action="store_true", help="time the draws in the filling process"
    )
    args = parser.parse_args()

    url, cleanup, new = django_on_fresh_database(
        args.database_url, args.reuse, args.keep, "zhijian-bench-random-"
    )
    from django.db import connection

    from zhijian.core import context, roles, services
    from zhijian.core.models import OrgUnit, User
    from zhijian.random_inspections import services as random_services
    from zhijian.supervision.models import SupervisionItem

    try:
        with context.acting_as(context.cli_context()):
            if new:
                print(f"database {url}; filling {args.entities:,} entities", flush=True)
                fill(args.entities)
            else:  # a reused database gets the migrations added since it was filled
                from django.core.management import call_command

                call_command("migrate", verbosity=0)
            make_inspectors(args.inspectors)
            officer = User.objects.filter(username="bench_officer").first()
            if officer is None:
                officer, _ = services.create_user(
                    username="bench_officer", unit=OrgUnit.objects.get(kind="city"),
                    roles=[roles.CITY_OFFICER], password="Bench-Passw0rd!",
                )  # fmt: skip
            item, _ = SupervisionItem.objects.get_or_create(
                code="BENCH-1", defaults={"name": "基准抽查事项", "legal_basis": "基准",
                                          "department": "市场监督管理局"},
            )  # fmt: skip
        if new and not args.same_process:
            connection.close()
            timed_in_a_fresh_process(url, args)
            return
        print(f"vendor {connection.vendor}; {args.entities:,} entities, "
              f"{args.inspectors} inspectors, {args.targets:,} targets")  # fmt: skip
        with context.acting_as(context.context_for_user(officer, channel="cli")):
            for n in range(args.draws):
                plan = plan_for(args.targets, args.entities, officer, item)
                profile = _profiler(args.profile)
                started = time.perf_counter()
                record = random_services.draw_plan(
                    plan, user=officer, public_random=f"bench-{n}", public_random_source="基准"
                )
                elapsed = time.perf_counter() - started
                _report(profile)
                ok = "OK" if elapsed <= TARGET_S else "SLOW"
                print(
                    f"draw {n + 1}: {elapsed:.2f} s (target ≤ {TARGET_S:.0f} s) {ok}; pool "
                    f"{record.pool_size:,}, drawn {record.target_count:,}, classes "
                    f"{record.pool_counts}", flush=True,
                )  # fmt: skip
                started = time.perf_counter()
                verdict = random_services.verify_draw(record)
                print(f"verify {n + 1}: {time.perf_counter() - started:.2f} s, ok={verdict.ok}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
