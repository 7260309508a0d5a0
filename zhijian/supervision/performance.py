"""Performance management (效能管理): received, closed, overdue and handling time.

For a period [start, end] (dates, inclusive) and a unit in the user's scope:

* received: tasks created in the period (by the unit that holds them now);
* closed: tasks done in the period (``closed_at``);
* overdue: tasks of the period still open after their last day, plus those closed late;
* average handling time: working days from creation to closing (``workdays``) of the tasks
  closed in the period.

Rows per unit: the unit itself (tasks it holds directly) and each unit directly below it
(its whole subtree); rows per person: each assignee. All queries start from
``Task.objects.visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from zhijian.core.models import OrgUnit, User
from zhijian.dictionaries import workdays

from .models import Task
from .services import tasks_in_scope


@dataclass
class Row:
    key: object
    label: str
    received: int = 0
    closed: int = 0
    overdue: int = 0
    open_overdue: int = 0
    handling_days: int = 0

    @property
    def average_days(self) -> float | None:
        return round(self.handling_days / self.closed, 1) if self.closed else None

    @property
    def closed_rate(self) -> float | None:
        return round(100 * self.closed / self.received, 1) if self.received else None


def period_bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return begin, finish


def _metrics(qs, group: str, start: dt.date, end: dt.date, today: dt.date) -> dict:
    """{group value: (received, closed, overdue, open_overdue)} plus handling days."""
    begin, finish = period_bounds(start, end)
    received = Q(created_at__gte=begin, created_at__lt=finish)
    closed = Q(state=Task.State.DONE, closed_at__gte=begin, closed_at__lt=finish)
    open_overdue = Q(state__in=Task.OPEN_STATES, due_on__lt=today)
    closed_late = Q(state=Task.State.DONE, closed_at__date__gt=F("due_on"))
    rows = (
        qs.filter(received | closed)
        .values(group)
        .annotate(
            received=Count("pk", filter=received),
            closed=Count("pk", filter=closed),
            overdue=Count("pk", filter=received & (open_overdue | closed_late)),
            open_overdue=Count("pk", filter=received & open_overdue),
        )
    )
    result = {
        r[group]: [r["received"], r["closed"], r["overdue"], r["open_overdue"], 0] for r in rows
    }
    spans = (
        qs.filter(closed)
        .annotate(opened=TruncDate("created_at"), finished=TruncDate("closed_at"))
        .values(group, "opened", "finished")
        .annotate(n=Count("pk"))
    )
    for span in spans:
        days = workdays.working_days_between(span["opened"], span["finished"])
        result.setdefault(span[group], [0, 0, 0, 0, 0])[4] += days * span["n"]
    return result


def _fill(row: Row, values) -> None:
    row.received += values[0]
    row.closed += values[1]
    row.overdue += values[2]
    row.open_overdue += values[3]
    row.handling_days += values[4]


def by_unit(user, unit: OrgUnit, start, end, today=None) -> list[Row]:
    """The unit itself and each child unit (with its subtree)."""
    today = today or timezone.localdate()
    qs = tasks_in_scope(user).filter(unit__path__startswith=unit.path)
    metrics = _metrics(qs, "unit_id", start, end, today)
    children = list(OrgUnit.objects.filter(parent=unit).order_by("sort_order", "code"))
    rows = {unit.pk: Row(unit.pk, f"{unit}（本级）")}
    for child in children:
        rows[child.pk] = Row(child.pk, str(child))
    paths = dict(OrgUnit.objects.filter(pk__in=list(metrics)).values_list("pk", "path"))
    for unit_id, values in metrics.items():
        if unit_id == unit.pk:
            _fill(rows[unit.pk], values)
            continue
        path = paths.get(unit_id, "")
        owner = next((c for c in children if path.startswith(c.path)), None)
        if owner is not None:
            _fill(rows[owner.pk], values)
    return list(rows.values())


def by_person(user, unit: OrgUnit, start, end, today=None) -> list[Row]:
    today = today or timezone.localdate()
    qs = tasks_in_scope(user).filter(unit__path__startswith=unit.path, assignee__isnull=False)
    metrics = _metrics(qs, "assignee_id", start, end, today)
    people = {u.pk: u for u in User.objects.filter(pk__in=list(metrics)).select_related("unit")}
    rows = []
    for person_id, values in metrics.items():
        person = people.get(person_id)
        label = f"{person} · {person.unit}" if person and person.unit else str(person or "—")
        row = Row(person_id, label)
        _fill(row, values)
        rows.append(row)
    rows.sort(key=lambda r: (-r.overdue, -r.received, r.label))
    return rows


def totals(rows: list[Row]) -> Row:
    total = Row(None, "合计")
    for row in rows:
        _fill(total, [row.received, row.closed, row.overdue, row.open_overdue, row.handling_days])
    return total


def overdue_tasks(user, unit: OrgUnit, today=None):
    """Open overdue tasks in the unit's subtree, longest overdue first."""
    today = today or timezone.localdate()
    return (
        tasks_in_scope(user)
        .filter(unit__path__startswith=unit.path, state__in=Task.OPEN_STATES, due_on__lt=today)
        .select_related("unit", "assignee")
        .order_by("due_on", "id")
    )


HEADERS = [
    "对象",
    "接收任务",
    "办结",
    "逾期",
    "其中未办结逾期",
    "平均办理时长（工作日）",
    "办结率（%）",
]


def table(rows: list[Row]) -> list[list]:
    body = [HEADERS]
    for row in [*rows, totals(rows)]:
        body.append(
            [
                row.label,
                row.received,
                row.closed,
                row.overdue,
                row.open_overdue,
                "" if row.average_days is None else row.average_days,
                "" if row.closed_rate is None else row.closed_rate,
            ]
        )
    return body
