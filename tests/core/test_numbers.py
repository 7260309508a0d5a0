"""Document numbers: one core sequence per prefix (zhijian/core/numbers.py).

Reservation, bulk reservation, independent keys, rollback, the unchanged formats of task,
inspection and plan numbers, the data migrations from the old counters, and concurrent
reservations (threads; the first-use race on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
import uuid

import pytest
from django.apps import apps as global_apps
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.scope_world import _entity
from zhijian.audit.models import AuditRecord
from zhijian.core import numbers, roles
from zhijian.core.models import NumberSequence

SEQUENCE_TABLE = NumberSequence._meta.db_table


def sequence_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if SEQUENCE_TABLE in q["sql"]]


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reservations_under_one_key_follow_each_other():
    assert numbers.reserve("RW20261204") == range(1, 2)
    assert numbers.reserve("RW20261204") == range(2, 3)
    assert numbers.issue("RW20261204", 6) == ["RW20261204000003"]
    assert NumberSequence.objects.get(key="RW20261204").last == 3


@pytest.mark.django_db
def test_a_bulk_reservation_is_contiguous_and_one_locked_read_and_one_write():
    assert numbers.reserve("B2026", 3) == range(1, 4)
    with CaptureQueriesContext(connection) as captured:
        block = numbers.reserve("B2026", 10_000)
    assert block == range(4, 10_004)
    queries = sequence_queries(captured)
    assert len(queries) == 2, queries
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[0]
    assert queries[1].startswith("UPDATE")
    assert numbers.reserve("B2026") == range(10_004, 10_005)
    issued = numbers.issue("B2026", 4, 3)
    assert issued == ["B202610005", "B202610006", "B202610007"]  # the width is a minimum


@pytest.mark.django_db
def test_keys_are_independent():
    assert numbers.reserve("RW20261204", 5) == range(1, 6)
    assert numbers.reserve("RW20261205") == range(1, 2)
    assert numbers.reserve("JC20261204") == range(1, 2)
    assert numbers.reserve("RW20261204") == range(6, 7)
    assert dict(NumberSequence.objects.values_list("key", "last")) == {
        "RW20261204": 6,
        "RW20261205": 1,
        "JC20261204": 1,
    }


@pytest.mark.django_db
def test_a_rolled_back_reservation_is_given_out_again():
    numbers.reserve("R2026")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbers.reserve("R2026", 2) == range(2, 4)
        raise RuntimeError("the save failed")
    assert numbers.reserve("R2026") == range(2, 3)
    with pytest.raises(RuntimeError), transaction.atomic():
        numbers.reserve("FRESH")  # the row itself is rolled back too
        raise RuntimeError("the save failed")
    assert numbers.reserve("FRESH") == range(1, 2)


@pytest.mark.django_db
def test_bad_arguments_are_refused_and_sequences_are_not_audited():
    for key, count in (("", 1), ("X" * 33, 1), ("K", 0), ("K", -1)):
        with pytest.raises(ValueError):
            numbers.reserve(key, count)
    assert not NumberSequence.objects.exists()
    before = AuditRecord.objects.count()
    numbers.reserve("K", 5)
    numbers.reserve("K")
    assert AuditRecord.objects.count() == before


# --- the formats of the three callers ---------------------------------------------------------


@pytest.fixture
def item(db):
    from zhijian.supervision.models import SupervisionItem

    return SupervisionItem.objects.create(
        code="NUM-01",
        name="编号测试事项",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        department="食品经营安全监管处",
        checklist=[{"key": "licence", "question": "是否持有有效的食品经营许可证"}],
    )


@pytest.mark.django_db
def test_task_numbers_keep_their_format(org):
    from zhijian.supervision import services
    from zhijian.supervision.models import Task

    day = timezone.localdate().strftime("%Y%m%d")
    task = services.create_task(title="编号测试", unit=org["zhangjiang"], source=Task.Source.MANUAL)
    assert task.number == f"RW{day}000001"
    rows = [{"title": f"批量{i}", "unit": org["zhangjiang"]} for i in range(3)]
    with CaptureQueriesContext(connection) as captured:
        tasks = services.bulk_create_tasks(rows, source=Task.Source.CAMPAIGN, source_ref="t")
    assert [t.number for t in tasks] == [f"RW{day}00000{n}" for n in (2, 3, 4)]
    assert len([q for q in sequence_queries(captured) if q.startswith("UPDATE")]) == 1
    assert NumberSequence.objects.get(key=f"RW{day}").last == 4


def record_inspection(org, make_user, item, tag: str):
    """An inspection recorded through the service by two new inspectors of 张江."""
    from zhijian.inspections import services

    inspectors = [
        make_user(f"{tag}{i}", org["zhangjiang"], [roles.STATION_INSPECTOR], full_name=f"{tag}{i}")
        for i in range(2)
    ]
    entity = _entity(org["zhangjiang"], f"{tag}检查对象")
    entity.refresh_from_db()
    submission = services.Submission(
        client_uuid=uuid.uuid4(),
        entity=entity,
        item=item,
        inspected_on=services.today() - dt.timedelta(days=1),
        inspectors=inspectors,
        method="日常检查",
        outcome="未发现问题",
        answers={"licence": {"result": "conforming", "remark": ""}},
    )
    inspection, created = services.record_inspection(inspectors[0], submission)
    assert created
    return inspection


@pytest.mark.django_db
def test_inspection_numbers_keep_their_format(org, make_user, item):
    from zhijian.inspections.services import today

    inspection = record_inspection(org, make_user, item, "num")
    assert inspection.number == f"JC{today():%Y%m%d}000001"


@pytest.mark.django_db
def test_plan_numbers_keep_their_format(org, make_user, item, monkeypatch):
    from zhijian.random_inspections import services

    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 3, 2))
    officer = make_user("num_officer", org["pudong"], [roles.DISTRICT_OFFICER])
    made = [
        services.create_plan(user=officer, name=f"编号计划{i}", item=item, unit=org["pudong"])
        for i in range(2)
    ]
    assert [p.number for p in made] == ["SJ20260001", "SJ20260002"]
    monkeypatch.setattr(services, "_today", lambda: dt.date(2027, 1, 4))
    plan = services.create_plan(user=officer, name="新年计划", item=item, unit=org["pudong"])
    assert plan.number == "SJ20270001"


# --- the data migrations ----------------------------------------------------------------------


def _migration(app: str, name: str):
    return importlib.import_module(f"zhijian.{app}.migrations.{name}")


SUPERVISION_BEFORE = ("supervision", "0003_remove_task_sup_task_assignee_due_and_more")
INSPECTIONS_BEFORE = ("inspections", "0001_initial")


@pytest.mark.django_db(transaction=True)
def test_numbering_continues_after_the_old_counters(org, make_user, item):
    """Migrate supervision and inspections back to the old counters, count, and upgrade."""
    from zhijian.supervision import services as supervision
    from zhijian.supervision.models import Task

    today = timezone.localdate()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([SUPERVISION_BEFORE, INSPECTIONS_BEFORE])
        state = MigrationExecutor(connection).loader.project_state(
            [SUPERVISION_BEFORE, INSPECTIONS_BEFORE]
        )
        old = state.apps
        old.get_model("supervision", "TaskNumberCounter").objects.create(day=today, last=41)
        old.get_model("inspections", "InspectionNumberCounter").objects.create(day=today, last=7)
        old.get_model("inspections", "InspectionNumberCounter").objects.create(
            day=dt.date(2024, 5, 6), last=3
        )
        NumberSequence.objects.create(key="JC20240506", last=9)  # already higher: stays
    finally:
        MigrationExecutor(connection).migrate(leaves)  # a fresh graph of the database's state
    assert dict(NumberSequence.objects.values_list("key", "last")) == {
        f"RW{today:%Y%m%d}": 41,
        f"JC{today:%Y%m%d}": 7,
        "JC20240506": 9,
    }
    table_names = connection.introspection.table_names()
    assert "supervision_tasknumbercounter" not in table_names
    assert "inspections_inspectionnumbercounter" not in table_names

    task = supervision.create_task(
        title="升级后", unit=org["zhangjiang"], source=Task.Source.MANUAL
    )
    assert task.number == f"RW{today:%Y%m%d}000042"
    inspection = record_inspection(org, make_user, item, "upgrade")
    assert inspection.number == f"JC{today:%Y%m%d}000008"


@pytest.mark.django_db
def test_plan_sequences_are_seeded_from_the_highest_plan_number(org, item, monkeypatch):
    from zhijian.random_inspections import services
    from zhijian.random_inspections.models import Plan

    for number in ("SJ20250007", "SJ20259999", "SJ202510000", "SJ20260003", "SJ20240002"):
        Plan.objects.create(number=number, name=number, item=item, unit=org["pudong"], ratios={})
    NumberSequence.objects.create(key="SJ2024", last=50)  # already higher: stays
    seed = _migration("random_inspections", "0003_plan_numbers_to_core").seed_sequences
    seed(global_apps, None)
    assert dict(NumberSequence.objects.values_list("key", "last")) == {
        "SJ2024": 50,
        "SJ2025": 10_000,  # by value, not by text ("SJ20259999" sorts after "SJ202510000")
        "SJ2026": 3,
    }
    seed(global_apps, None)  # running it again changes nothing
    assert NumberSequence.objects.get(key="SJ2026").last == 3
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 3, 2))
    plan = services.create_plan(user=None, name="升级后", item=item, unit=org["pudong"])
    assert plan.number == "SJ20260004"


# --- concurrency ------------------------------------------------------------------------------


def in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_share_a_number():
    if in_memory_sqlite():
        pytest.skip("the shared-cache in-memory SQLite test database has table locks, not WAL")
    threads_n, rounds = 6, 15
    gate = threading.Barrier(threads_n)
    shared: list[int] = []  # list.extend is atomic under the GIL
    fresh: dict[str, list[int]] = {f"FRESH{i}": [] for i in range(rounds)}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            gate.wait()
            for i in range(rounds):
                with transaction.atomic():
                    shared.extend(numbers.reserve("SHARED", 1 if (index + i) % 3 else 5))
                    fresh[f"FRESH{i}"].extend(numbers.reserve(f"FRESH{i}"))  # first use
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    reserved = sum(1 if (n + i) % 3 else 5 for n in range(threads_n) for i in range(rounds))
    assert sorted(shared) == list(range(1, reserved + 1))  # each number once, no gaps
    assert NumberSequence.objects.get(key="SHARED").last == reserved
    for key, got in fresh.items():
        assert sorted(got) == list(range(1, threads_n + 1)), key
        assert NumberSequence.objects.get(key=key).last == threads_n


@pytest.mark.django_db(transaction=True)
def test_first_use_race_waits_for_the_other_transaction_and_continues():
    """B finds no row while A's insert is uncommitted; B's insert waits, fails when A commits,
    and B reads A's row instead: no error, and B's transaction stays usable."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks (SQLite serialises whole transactions at BEGIN)")
    a_reserved, a_may_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def a() -> None:
        try:
            with transaction.atomic():
                results["a"] = numbers.reserve("RACE")
                a_reserved.set()
                if not a_may_commit.wait(20):
                    raise TimeoutError("B never waited for A")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            a_reserved.set()
        finally:
            connections.close_all()

    def b() -> None:
        try:
            a_reserved.wait(20)
            with transaction.atomic():
                results["b"] = numbers.reserve("RACE", 2)
                results["b_after"] = NumberSequence.objects.get(key="RACE").last
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 20
        waiting = 0
        while time.monotonic() < deadline and not errors:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
                )
                waiting = cursor.fetchone()[0]
            if waiting:
                break
            time.sleep(0.02)
        assert waiting == 1, "B's insert should wait for A's transaction"
    finally:
        a_may_commit.set()
        for t in threads:
            t.join()
    assert errors == []
    assert results == {"a": range(1, 2), "b": range(2, 4), "b_after": 3}
