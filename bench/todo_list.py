"""To-do list benchmark: p95 of the to-do pages and API with 1,000,000 tasks (target ≤ 200 ms).

Fills a fresh database (the shipped Shanghai organisation tree) with inspectors at every
station, officers at every district bureau and ``--tasks`` tasks spread over the stations and
districts (states, assignees, due dates and urging as in real work: about 40 % open, a part of
them overdue), inserted with plain multi-row INSERTs. Then requests, through the full Django
stack (middleware, session, data scope, template) and as different users of each kind:

* an inspector: their to-dos (page ``/supervision/`` and ``GET /api/v1/supervision/tasks/?mine=1``);
* a station: the station's open tasks (page ``/supervision/tasks/?state=open`` and the API with
  ``unit=<station>&state=open``), as an inspector of that station;
* a district officer: their to-dos, which include the overdue tasks of every station below
  (page and API ``mine=1``), and the district's overdue list (``?overdue=true``).

    .venv/bin/python bench/todo_list.py [--tasks 1000000] [--requests 40]
        [--database-url URL] [--reuse URL] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import django_on_fresh_database  # noqa: E402

TARGET_MS = 200.0
INSPECTORS_PER_STATION = 8
CHUNK = 20_000


def make_users():
    """Inspectors at every station and two officers at every district (bulk, no password)."""
    from django.db import transaction

    from zhijian.core import roles
    from zhijian.core.models import OrgUnit, Role, User

    if User.objects.filter(username__startswith="bench_insp_").exists():
        return
    stations = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.STATION).order_by("path"))
    districts = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("path"))
    users = [
        User(username=f"bench_insp_{s.code}_{i}", full_name=f"检查员{s.code[-3:]}{i}",
             unit=s, password="!")
        for s in stations for i in range(INSPECTORS_PER_STATION)
    ] + [
        User(username=f"bench_off_{d.code}_{i}", full_name=f"区局{d.code[-2:]}{i}",
             unit=d, password="!")
        for d in districts for i in range(2)
    ]  # fmt: skip
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
        inspector = Role.objects.get(code=roles.STATION_INSPECTOR)
        officer = Role.objects.get(code=roles.DISTRICT_OFFICER)
        through = User.groups.through
        rows = []
        for user in User.objects.filter(username__startswith="bench_").only("pk", "username"):
            group = inspector if user.username.startswith("bench_insp_") else officer
            rows.append(through(user_id=user.pk, group_id=group.group_ptr_id))
        through.objects.bulk_create(rows, batch_size=5000)
    print(f"users: {len(users)} ({len(stations)} stations, {len(districts)} districts)", flush=True)


def fill(total: int, seed: int = 4) -> None:
    """``total`` tasks over the stations (85 %) and district bureaus (15 %)."""
    from django.db import connection, transaction

    from zhijian.core.models import OrgUnit, User
    from zhijian.supervision.models import Task
    from zhijian.supervision.services import _TASK_COLUMNS, _insert

    rng = random.Random(seed)
    stations = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.STATION).values_list("pk", flat=True))
    districts = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).values_list("pk", flat=True)
    )
    inspectors: dict[int, list[int]] = {}
    for pk, unit_id in User.objects.filter(username__startswith="bench_insp_").values_list(
        "pk", "unit_id"
    ):
        inspectors.setdefault(unit_id, []).append(pk)
    ops = connection.ops
    today = dt.date.today()
    now = ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    days = {d: ops.adapt_datefield_value(today + dt.timedelta(days=d)) for d in range(-200, 61)}
    # 25 % open (the rest is history); open tasks due from 20 days ago to 60 days ahead
    states = ["done"] * 70 + ["cancelled"] * 5 + ["new"] * 5 + ["assigned"] * 8 + [
        "in_progress"] * 10 + ["returned"] * 2  # fmt: skip
    started = time.perf_counter()
    made = 0
    while made < total:
        values = []
        for n in range(made, min(total, made + CHUNK)):
            at_station = rng.random() < 0.85
            unit = rng.choice(stations) if at_station else rng.choice(districts)
            state = rng.choice(states)
            assignee = None
            if at_station and state in ("assigned", "in_progress", "done") and rng.random() < 0.9:
                assignee = rng.choice(inspectors[unit])
            due = days[rng.randint(-20, 60)] if state not in ("done", "cancelled") else days[
                rng.randint(-200, 0)]  # fmt: skip
            values.append((
                f"RW20260101{n:06d}"[:16] if n < 10**6 else f"RW2026{n:010d}", f"基准任务{n}",
                "", "manual", "bench", None, None, unit, assignee, state, due, 10, True, "", None,
                now, now, "",
            ))  # fmt: skip
        with transaction.atomic():
            _insert(Task, _TASK_COLUMNS, values)
        made += len(values)
        print(f"  {made:>9,} tasks  {made / (time.perf_counter() - started):,.0f}/s", flush=True)
    # Urge a few overdue tasks, closing times for the done ones
    Task.objects.filter(state__in=Task.OPEN_STATES, due_on__lt=today, pk__lt=total // 50).update(
        urged_at=dt.datetime.now(dt.UTC)
    )
    with connection.cursor() as cursor:  # what autovacuum does after a large load
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"filled {total:,} tasks in {time.perf_counter() - started:.0f} s", flush=True)


def run(requests: int) -> None:
    from django.test import Client

    from zhijian.core.models import User

    rng = random.Random(9)
    inspectors = list(
        User.objects.filter(username__startswith="bench_insp_").select_related("unit")
    )
    officers = list(User.objects.filter(username__startswith="bench_off_").select_related("unit"))
    picked_inspectors = rng.sample(inspectors, requests)
    picked_officers = [officers[i % len(officers)] for i in range(requests)]
    client = Client()

    cases = [
        ("inspector: my to-dos page", picked_inspectors, lambda u: "/supervision/"),
        ("inspector: API mine=1", picked_inspectors,
         lambda u: "/api/v1/supervision/tasks/?mine=1"),
        ("station: open tasks page", picked_inspectors, lambda u: "/supervision/tasks/?state=open"),
        ("station: API unit=&state=open", picked_inspectors,
         lambda u: f"/api/v1/supervision/tasks/?unit={u.unit_id}&state=open"),
        ("district officer: my to-dos page", picked_officers, lambda u: "/supervision/"),
        ("district officer: API mine=1", picked_officers,
         lambda u: "/api/v1/supervision/tasks/?mine=1"),
        ("district officer: overdue page", picked_officers,
         lambda u: "/supervision/tasks/?overdue=true&state=open"),
        ("district officer: API overdue=true", picked_officers,
         lambda u: "/api/v1/supervision/tasks/?overdue=true"),
    ]  # fmt: skip
    results = {}
    client.force_login(picked_officers[0])
    for url in ("/supervision/", "/supervision/tasks/", "/api/v1/supervision/tasks/?mine=1"):
        client.get(url)  # warm-up: templates, translations, the calendar cache
    for label, users, url_for in cases:
        times = []
        for user in users:
            client.force_login(user)
            url = url_for(user)
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (label, url, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95 + 0.5) - 1)]
        results[label] = p95
        print(
            f"{label:<36} n={len(times):<3} p50 {statistics.median(times):6.1f} ms  "
            f"p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms  target {TARGET_MS:.0f} ms  "
            f"{'OK' if p95 <= TARGET_MS else 'SLOW'}",
            flush=True,
        )
    worst = max(results.values())
    print(f"worst p95 {worst:.1f} ms (target {TARGET_MS:.0f} ms): "
          f"{'OK' if worst <= TARGET_MS else 'SLOW'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--reuse", default="", help="a database filled by an earlier --keep run")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url, cleanup, new = django_on_fresh_database(
        args.database_url, args.reuse, args.keep, "zhijian-bench-todo-"
    )
    from zhijian.core import context
    from zhijian.supervision.models import Task

    try:
        with context.acting_as(context.cli_context()):
            make_users()
            if new or not Task.objects.exists():
                fill(args.tasks)
        print(f"{Task.objects.count():,} tasks in the database ({url.split(':')[0]})", flush=True)
        run(args.requests)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
