"""Due dates in working or calendar days with the 2026 holiday arrangement (chinese-calendar
data loaded into the working-day calendar):

* Spring Festival: holiday 2026-02-15 (Sun) … 02-23 (Mon); adjusted working Saturdays 02-14, 02-28;
* Mid-autumn: 2026-09-25 (Fri); National Day: 10-01 … 10-07; adjusted working Sun 09-20, Sat 10-10;
* New Year: 01-01 … 01-03; adjusted working Sunday 01-04.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from zhijian.audit.models import AuditRecord
from zhijian.dictionaries import workdays
from zhijian.dictionaries.models import CalendarDay
from zhijian.supervision import services
from zhijian.supervision.models import Task

D = dt.date


@pytest.fixture
def calendar_2026(db):
    from zhijian.dictionaries.services import _load_calendar

    _load_calendar(False, "default")
    workdays.clear_cache()
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    yield
    workdays.clear_cache()


CASES = [
    # (start, days, working days?, due, why)
    (D(2026, 2, 13), 1, True, D(2026, 2, 14), "Fri before Spring Festival → adjusted working Sat"),
    (D(2026, 2, 14), 1, True, D(2026, 2, 24), "adjusted working Sat, the day before the holiday"),
    (D(2026, 2, 14), 5, True, D(2026, 2, 28), "…five working days end on the adjusted Sat 02-28"),
    (
        D(2026, 2, 14),
        5,
        False,
        D(2026, 2, 24),
        "calendar days end in the holiday → next working day",
    ),
    (D(2026, 2, 14), 10, False, D(2026, 2, 24), "calendar days end on the holiday's last day"),
    (D(2026, 2, 14), 14, False, D(2026, 2, 28), "calendar days end on the adjusted Sat: no roll"),
    (D(2026, 9, 30), 1, True, D(2026, 10, 8), "the day before National Day"),
    (D(2026, 9, 30), 3, True, D(2026, 10, 10), "…3 working days end on the adjusted Sat 10-10"),
    (D(2026, 9, 30), 3, False, D(2026, 10, 8), "calendar days end in National Day → 10-08"),
    (D(2026, 9, 19), 1, True, D(2026, 9, 20), "Sat before the adjusted working Sun 09-20"),
    (D(2026, 9, 20), 1, True, D(2026, 9, 21), "created on the adjusted working Sunday"),
    (D(2026, 9, 24), 1, True, D(2026, 9, 28), "before Mid-autumn (Fri 09-25) and the weekend"),
    (D(2026, 1, 4), 1, True, D(2026, 1, 5), "created on the adjusted working Sunday 01-04"),
    (D(2025, 12, 31), 1, True, D(2026, 1, 4), "before New Year → the adjusted Sunday"),
    (D(2026, 3, 6), 15, True, D(2026, 3, 27), "ordinary weeks: 15 working days"),
    (D(2026, 3, 6), 15, False, D(2026, 3, 23), "15 calendar days end on Sat 03-21 → Mon 03-23"),
]


@pytest.mark.parametrize(("start", "days", "working", "due", "why"), CASES)
def test_due_dates(calendar_2026, org, start, days, working, due, why):
    task = services.create_task(
        title="期限测试", unit=org["zhangjiang"], source=Task.Source.MANUAL,
        due_days=days, working_days=working, start=start, due_basis="测试",
    )  # fmt: skip
    assert task.due_on == due, why


@pytest.mark.django_db
def test_no_deadline_without_days(org):
    task = services.create_task(title="无期限", unit=org["pudong"], source=Task.Source.WARNING)
    assert task.due_on is None and not services.is_overdue(task)


@pytest.mark.parametrize("days", [0, -3])
@pytest.mark.django_db
def test_bad_days_are_refused(org, days):
    with pytest.raises(services.TaskError, match="办理时限必须是正整数"):
        services.create_task(title="x", unit=org["pudong"], source="manual", due_days=days)


@pytest.mark.django_db
def test_create_refuses_bad_input(org, people):
    with pytest.raises(services.TaskError, match="任务名称不能为空"):
        services.create_task(title=" ", unit=org["pudong"], source="manual")
    with pytest.raises(services.TaskError, match="未知的任务来源"):
        services.create_task(title="x", unit=org["pudong"], source="email")
    with pytest.raises(services.TaskError, match="不属于承办机构"):
        services.create_task(
            title="x", unit=org["pudong"], source="manual", assignee=people["zhang"]
        )


def test_overdue_is_after_the_last_day(calendar_2026):
    task = Task(state=Task.State.ASSIGNED, due_on=D(2026, 2, 24))
    assert not services.is_overdue(task, today=D(2026, 2, 24))  # the last day is in time
    assert services.is_overdue(task, today=D(2026, 2, 25))
    task.state = Task.State.DONE
    assert not services.is_overdue(task, today=D(2026, 3, 1))


# --- bulk creation ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_create_10000_tasks(calendar_2026, org):
    rows = [
        {"title": f"双随机抽查 {i}", "unit": org["zhangjiang" if i % 2 else "huamu"],
         "due_days": 20, "start": D(2026, 9, 30)}
        for i in range(10_000)
    ]  # fmt: skip
    audit_before = AuditRecord.objects.count()
    began = time.perf_counter()
    tasks = services.bulk_create_tasks(
        rows, source=Task.Source.RANDOM, source_ref="random_inspections.draw:12"
    )
    elapsed = time.perf_counter() - began
    assert len(tasks) == 10_000 and all(t.pk for t in tasks)
    assert Task.objects.filter(source_ref="random_inspections.draw:12").count() == 10_000
    assert Task.objects.filter(due_on=D(2026, 11, 3)).count() == 10_000  # 10-10 counts
    assert len({t.number for t in tasks}) == 10_000
    assert AuditRecord.objects.count() == audit_before + 1
    record = AuditRecord.objects.order_by("-seq").first()
    assert record.action == "bulk_create" and '"created":10000' in record.detail
    assert tasks[0].events.get().action == "create"
    # "well under 2 s" on a quiet machine; the bound leaves room for a loaded CI machine
    print(f"bulk_create_tasks 10000: {elapsed:.2f} s")
    assert elapsed < 6, f"{elapsed:.2f} s"


@pytest.mark.django_db
def test_bulk_create_checks_every_row_first(org):
    rows = [{"title": "好的", "unit": org["pudong"]}, {"title": "", "unit": org["pudong"]}]
    with pytest.raises(services.TaskError, match="第 2 行：任务名称不能为空"):
        services.bulk_create_tasks(rows, source="random", source_ref="x")
    with pytest.raises(services.TaskError, match="未知字段"):
        services.bulk_create_tasks([{"title": "a", "unit": org["pudong"], "colour": 1}],
                                   source="random", source_ref="x")  # fmt: skip
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_numbers_continue_across_calls(org):
    a = services.create_task(title="a", unit=org["pudong"], source="manual")
    b = services.bulk_create_tasks([{"title": "b", "unit_id": org["pudong"].pk}],
                                   source="campaign", source_ref="campaigns.campaign:1")[0]  # fmt: skip
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1 and a.number[:10] == b.number[:10]
