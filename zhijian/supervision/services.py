"""Supervision tasks: creation, deadlines, the lifecycle, the to-do list, urging.

This is the only place that changes a task. Other apps create tasks with ``create_task`` or
``bulk_create_tasks`` (random draws, campaigns, warnings) and close them with
``complete_task`` (inspections). Every change writes a ``TaskEvent``; single saves are
audited by the signals, bulk creation writes one audit record per batch.

Who may act (besides the state machine in ``machine.py``):

* a user acts only on tasks in their data scope (``Task.objects.visible_to``);
* ``supervision.manage_task`` (officers): assign, delegate, cancel, reopen, and every other
  action on a task in scope;
* ``supervision.work_task`` (inspectors): claim an unassigned task of their own unit; start,
  complete and return their own tasks or their unit's unassigned ones;
* delegation goes strictly downwards (to a unit below the task's unit: city → district →
  station), never sideways or up; an assignee must belong to the receiving unit.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijian.audit.services import log
from zhijian.core import context
from zhijian.core.models import OrgUnit, User
from zhijian.core.numbers import issue as issue_numbers
from zhijian.core.scope import ScopedQuerySet, scope_prefix
from zhijian.dictionaries import workdays

from . import machine
from .models import SupervisionItem, Task, TaskEvent

MANAGE = "supervision.manage_task"
WORK = "supervision.work_task"
URGE = "supervision.urge_task"

ACTION_LABELS = {
    "create": _("创建"),
    "assign": _("分派"),
    "delegate": _("下派"),
    "claim": _("认领"),
    "start": _("开始办理"),
    "complete": _("办结"),
    "return": _("退回"),
    "reopen": _("重新办理"),
    "cancel": _("撤销"),
    "urge": _("督办"),
}

# Actions that need a note (the reason is part of the record).
NOTE_REQUIRED = {"return": "退回必须填写原因。", "cancel": "撤销必须填写原因。"}


class TaskError(Exception):
    """A refused task operation; the message is for the user (Chinese)."""


# --- numbers and deadlines --------------------------------------------------------------------


def _reserve_numbers(day: dt.date, count: int) -> list[str]:
    """``count`` new task numbers of ``day`` (RW + YYYYMMDD + 6 digits), one reservation."""
    return issue_numbers(f"RW{day:%Y%m%d}", 6, count)


def compute_due(start: dt.date, due_days: int | None, working_days: bool = True):
    """The due date of a task started on ``start`` (the start day itself is not counted)."""
    if due_days is None:
        return None
    unit = workdays.Unit.WORKING_DAYS if working_days else workdays.Unit.CALENDAR_DAYS
    return workdays.compute_deadline(start, int(due_days), unit).due


def _today() -> dt.date:
    return timezone.localdate()


def is_overdue(task: Task, today: dt.date | None = None) -> bool:
    """An open task whose last day (inclusive, Art. 84) has passed."""
    if task.due_on is None or task.state not in Task.OPEN_STATES:
        return False
    return not workdays.is_in_time(today or _today(), task.due_on)


# --- creation ---------------------------------------------------------------------------------


def _current_user():
    ctx = context.current()
    if ctx is None or ctx.user_id is None:
        return None
    return User.objects.filter(pk=ctx.user_id).first()


def _check_assignee(unit: OrgUnit, assignee) -> None:
    if assignee is None:
        return
    if not assignee.is_active:
        raise TaskError(f"承办人“{assignee}”的账号已停用。")
    if assignee.unit_id != unit.pk:
        raise TaskError(f"承办人“{assignee}”不属于承办机构“{unit}”。")


def create_task(
    *,
    title,
    unit,
    source,
    source_ref="",
    item=None,
    entity=None,
    due_days=None,
    working_days=True,
    due_basis="",
    description="",
    assignee=None,
    start=None,
    created_by=None,
) -> Task:
    """Create one task held by ``unit`` (assigned to ``assignee`` if given).

    The due date is ``due_days`` working days (or calendar days, rolled past rest days) after
    ``start`` (default today), computed with the working-day calendar.
    """
    title = (title or "").strip()
    if not title:
        raise TaskError("任务名称不能为空。")
    if unit is None:
        raise TaskError("必须指定承办机构。")
    if source not in Task.Source.values:
        raise TaskError(f"未知的任务来源“{source}”。")
    if due_days is not None and int(due_days) < 1:
        raise TaskError("办理时限必须是正整数（天）。")
    _check_assignee(unit, assignee)
    start = start or _today()
    created_by = created_by or _current_user()
    with transaction.atomic():
        task = Task.objects.create(
            number=_reserve_numbers(_today(), 1)[0],
            title=title[:200],
            description=description,
            source=source,
            source_ref=source_ref,
            item=item,
            entity=entity,
            unit=unit,
            assignee=assignee,
            state=Task.State.ASSIGNED if assignee else Task.State.NEW,
            due_on=compute_due(start, due_days, working_days),
            due_days=due_days,
            working_days=working_days,
            due_basis=due_basis,
            created_by=created_by,
        )
        TaskEvent.objects.create(
            task=task,
            action="create",
            to_state=task.state,
            actor=created_by,
            unit=unit,
            note=description[:500] if description else "",
        )
    return task


_BULK_FIELDS = {
    "title", "unit", "unit_id", "item", "item_id", "entity", "entity_id", "due_days",
    "working_days", "due_basis", "description", "assignee", "assignee_id", "start",
}  # fmt: skip


def bulk_create_tasks(rows: list[dict], *, source, source_ref) -> list[Task]:
    """Create many tasks at once (random draws, campaigns): one insert batch, one audit record.

    Each row holds the keyword arguments of ``create_task`` (``title``, ``unit`` or ``unit_id``,
    optional ``item``/``item_id``, ``entity``/``entity_id``, ``due_days``, ``working_days``,
    ``due_basis``, ``description``, ``assignee``/``assignee_id``, ``start``). A creation event
    per task is written in bulk too. Rows are checked before anything is written.
    """
    if source not in Task.Source.values:
        raise TaskError(f"未知的任务来源“{source}”。")
    if not rows:
        return []
    for index, row in enumerate(rows, start=1):
        unknown = set(row) - _BULK_FIELDS
        if unknown:
            raise TaskError(f"第 {index} 行有未知字段：{'、'.join(sorted(unknown))}。")
        if not str(row.get("title") or "").strip():
            raise TaskError(f"第 {index} 行：任务名称不能为空。")
        if row.get("unit") is None and row.get("unit_id") is None:
            raise TaskError(f"第 {index} 行：必须指定承办机构。")
        days = row.get("due_days")
        if days is not None and int(days) < 1:
            raise TaskError(f"第 {index} 行：办理时限必须是正整数（天）。")
    created_by = _current_user()
    created_by_id = created_by.pk if created_by else None
    today = _today()
    ops = connection.ops
    now = timezone.now()
    db_now = ops.adapt_datetimefield_value(now)
    due_cache: dict = {}
    with transaction.atomic():
        numbers = _reserve_numbers(today, len(rows))
        values = []
        for number, row in zip(numbers, rows, strict=True):
            days, working = row.get("due_days"), row.get("working_days", True)
            key = (row.get("start") or today, days, working)
            if key not in due_cache:
                due = compute_due(*key)
                due_cache[key] = ops.adapt_datefield_value(due) if due else None
            assignee_id = row.get("assignee_id") or getattr(row.get("assignee"), "pk", None)
            values.append((
                number, str(row["title"]).strip()[:200], row.get("description", ""), source,
                source_ref, row.get("item_id") or getattr(row.get("item"), "pk", None),
                row.get("entity_id") or getattr(row.get("entity"), "pk", None),
                row.get("unit_id") or row["unit"].pk, assignee_id,
                Task.State.ASSIGNED.value if assignee_id else Task.State.NEW.value,
                due_cache[key], days, bool(working), row.get("due_basis", ""), created_by_id,
                db_now, db_now, "",
            ))  # fmt: skip
        _insert(Task, _TASK_COLUMNS, values)
        ids = list(
            Task.objects.filter(number__gte=numbers[0], number__lte=numbers[-1])
            .order_by("number")
            .values_list("pk", "unit_id", "state")
        )
        _insert(
            TaskEvent,
            ("task_id", "action", "from_state", "to_state", "actor_id", "unit_id", "note", "at"),
            [(pk, "create", "", state, created_by_id, unit_id, "", db_now)
             for pk, unit_id, state in ids],
        )  # fmt: skip
        log(
            "bulk_create",
            object_type="supervision.task",
            object_repr=f"批量创建监管任务 {len(values)} 件",
            detail={
                "source": source,
                "source_ref": source_ref,
                "created": len(values),
                "first": numbers[0],
                "last": numbers[-1],
            },
        )
        tasks = list(
            Task.objects.filter(number__gte=numbers[0], number__lte=numbers[-1]).order_by("number")
        )
    return tasks


_TASK_COLUMNS = (
    "number", "title", "description", "source", "source_ref", "item_id", "entity_id", "unit_id",
    "assignee_id", "state", "due_on", "due_days", "working_days", "due_basis", "created_by_id",
    "created_at", "updated_at", "result_ref",
)  # fmt: skip


def _insert(model, columns, values) -> None:
    """Plain multi-row INSERTs on SQLite, COPY on PostgreSQL (the ORM's bulk_create spends most
    of its time preparing values; the values here are already in database form). No signals:
    the caller logs the batch."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if connection.vendor == "postgresql":  # COPY: psycopg parses huge INSERTs slowly
        copy_sql = f"COPY {table} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for one in values:
                copy.write_row(one)
        return
    per_statement = max(1, min(1000, 30_000 // len(columns)))  # under SQLite's variable limit
    with connection.cursor() as cursor:
        for begin in range(0, len(values), per_statement):
            part = values[begin : begin + per_statement]
            params = [value for one in part for value in one]
            # names come from the model and are quoted; values are parameters
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(part))}"  # noqa: S608
            cursor.execute(sql, params)


# --- permissions ------------------------------------------------------------------------------


def can_see(user, task: Task) -> bool:
    """True if ``task`` is in ``user``'s data scope (as ``Task.objects.visible_to``)."""
    return _unit_visible(user, task.unit)


def _is_below(unit: OrgUnit, ancestor: OrgUnit) -> bool:
    return unit.pk != ancestor.pk and unit.path.startswith(ancestor.path)


def _permission_refusal(task: Task, action: str, user) -> str | None:
    """Why ``user`` may not perform ``action`` on ``task`` (None if they may)."""
    if not can_see(user, task):
        return "该任务不在您的数据范围内。"
    manager = user.has_perm(MANAGE)
    worker = user.has_perm(WORK)
    if action in ("assign", "delegate", "cancel", "reopen"):
        return None if manager else f"您没有{ACTION_LABELS[action]}任务的权限。"
    if action == "claim":
        if not (worker or manager):
            return "您没有认领任务的权限。"
        if task.unit_id != user.unit_id:
            return "只能认领本单位的任务。"
        if task.assignee_id is not None:
            return f"该任务已分派给{task.assignee}，不能认领。"
        return None
    # start, complete, return
    if manager:
        return None
    if not worker:
        return f"您没有{ACTION_LABELS[action]}任务的权限。"
    if task.assignee_id == user.pk:
        return None
    if task.assignee_id is None and task.unit_id == user.unit_id:
        return None
    return "只能办理分派给本人的任务或本单位未分派的任务。"


def allowed_actions(task: Task, user) -> list[str]:
    """Actions ``user`` may take on ``task`` now (state machine and permissions). A plain
    "complete" is left out for tasks whose source app closes them (a warning's disposition)."""
    check = _COMPLETION.get(task.source, (None, None))[0]
    return [
        action
        for action in machine.allowed_actions(task.state)
        if _permission_refusal(task, action, user) is None
        and not (action == "start" and task.assignee_id not in (None, user.pk))
        and not (action == "complete" and check is not None and check(task, {}))
    ]


# --- transitions ------------------------------------------------------------------------------


def _sender_unit(task: Task) -> OrgUnit:
    """The unit that sent the task to its current unit (for 退回); the unit itself if none."""
    events = list(task.events.order_by("-at", "-id").values_list("unit_id", flat=True))
    for index, unit_id in enumerate(events):
        if unit_id != task.unit_id:
            return OrgUnit.objects.get(pk=unit_id)
        if index + 1 < len(events) and events[index + 1] != task.unit_id:
            return OrgUnit.objects.get(pk=events[index + 1])
    return task.unit


def _resolve_target(task: Task, action: str, user, to_unit, assignee):
    """The (unit, assignee) the task holds after ``action``."""
    if action == "delegate":
        if to_unit is None:
            raise TaskError("请选择下派的机构。")
        if not _is_below(to_unit, task.unit):
            raise TaskError(f"只能向下级机构下派：“{to_unit}”不是“{task.unit}”的下级机构。")
        if assignee is not None:
            _check_assignee(to_unit, assignee)
        return to_unit, assignee
    if action == "assign":
        if to_unit is None and assignee is None:
            raise TaskError("请选择承办机构或承办人。")
        unit = to_unit or assignee.unit
        if unit is None or not (unit.pk == task.unit_id or _is_below(unit, task.unit)):
            raise TaskError(f"只能分派给本机构或下级机构：“{unit}”不在“{task.unit}”之下。")
        _check_assignee(unit, assignee)
        return unit, assignee
    if action == "claim":
        return task.unit, user
    if action in ("start", "complete") and task.assignee_id is None:
        return task.unit, user  # an inspector working an unassigned task takes it
    if action == "return":
        return _sender_unit(task), None
    return task.unit, task.assignee


# --- tasks whose completion their source app decides -------------------------------------------

# source → (check, after): ``check(task, outcome) -> refusal or None`` runs before a task of
# that source is completed, ``after(task, outcome)`` in the same transaction once it is.
# ``outcome`` is what the completing caller said: ``{"result_ref": …}`` from an inspection,
# ``{"disposition": …}`` from a warning's disposition page, ``{}`` from the generic action.
_COMPLETION: dict[str, tuple] = {}


def on_completion(source: str, *, check=None, after=None) -> None:
    """Let the app that creates tasks of ``source`` check and follow their completion."""
    if source not in Task.Source.values:
        raise TaskError(f"未知的任务来源“{source}”。")
    _COMPLETION[source] = (check, after)


def transition(task, action, *, user, note="", to_unit=None, assignee=None, outcome=None) -> Task:
    """Perform ``action`` on ``task`` as ``user``; raises ``TaskError`` (Chinese) if refused.

    Writes one ``TaskEvent``; the task's save and the event are audited by the signals.
    Completing a task of a source registered with ``on_completion`` runs its check and hook
    (``outcome`` is passed to both).
    """
    if action not in machine.ACTIONS:
        raise TaskError(f"未知的操作“{action}”。")
    note = (note or "").strip()
    label = ACTION_LABELS[action]
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
        if not can_see(user, task):
            raise TaskError("该任务不在您的数据范围内。")
        to_state = machine.next_state(task.state, action)
        if to_state is None:
            raise TaskError(f"任务当前状态为“{task.get_state_display()}”，不能{label}。")
        refusal = _permission_refusal(task, action, user)
        if refusal:
            raise TaskError(refusal)
        if action == "start" and task.assignee_id not in (None, user.pk):
            raise TaskError(f"该任务由{task.assignee}承办，只有承办人可以开始办理。")
        if action in NOTE_REQUIRED and not note:
            raise TaskError(NOTE_REQUIRED[action])
        if to_unit is not None and not _unit_visible(user, to_unit):
            raise TaskError(f"机构“{to_unit}”不在您的数据范围内。")
        check = after = None
        if action == "complete":
            check, after = _COMPLETION.get(task.source, (None, None))
        if check is not None:
            refusal = check(task, outcome or {})
            if refusal:
                raise TaskError(refusal)
        unit, new_assignee = _resolve_target(task, action, user, to_unit, assignee)
        from_state = task.state
        task.state = to_state
        task.unit = unit
        task.assignee = new_assignee
        task.closed_at = timezone.now() if to_state in Task.CLOSED_STATES else None
        task.save()
        TaskEvent.objects.create(
            task=task,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor=user,
            unit=unit,
            note=_event_note(action, note, unit, new_assignee),
        )
        if after is not None:
            after(task, outcome or {})
    return task


def _unit_visible(user, unit: OrgUnit) -> bool:
    prefix = scope_prefix(user)
    return prefix is not None and unit.path.startswith(prefix)


def _event_note(action: str, note: str, unit, assignee) -> str:
    parts = []
    if action in ("assign", "delegate", "claim"):
        parts.append(f"承办机构：{unit}" + (f"，承办人：{assignee}" if assignee else ""))
    if note:
        parts.append(note)
    return "；".join(parts)


def complete_task(task, *, user, note="", result_ref="", outcome=None) -> Task:
    """Close ``task`` as done (inspections: ``result_ref`` names the result; warnings:
    ``outcome`` holds the disposition).

    An unassigned task of the user's unit (new or returned) is claimed first.
    """
    task = Task.objects.select_related("unit").get(pk=task.pk)
    outcome = dict(outcome or {})
    if result_ref:
        outcome.setdefault("result_ref", result_ref[:100])
    with transaction.atomic():
        if task.state in (Task.State.NEW, Task.State.RETURNED) and task.assignee_id is None:
            task = transition(task, "claim", user=user)
        if result_ref:
            Task.objects.filter(pk=task.pk).update(result_ref=result_ref[:100])
        task = transition(task, "complete", user=user, note=note, outcome=outcome)
    return task


# --- urging (督办) -----------------------------------------------------------------------------


def urge(task, *, user, note="") -> Task:
    """Urge an open task (督办): sets ``urged_at``, writes an event; the task then leads the
    assignee's and the unit's to-do lists."""
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
        if not can_see(user, task):
            raise TaskError("该任务不在您的数据范围内。")
        if not user.has_perm(URGE):
            raise TaskError("您没有督办任务的权限。")
        if task.state not in Task.OPEN_STATES:
            raise TaskError(f"任务当前状态为“{task.get_state_display()}”，不能督办。")
        task.urged_at = timezone.now()
        task.save(update_fields=["urged_at", "updated_at"])
        TaskEvent.objects.create(
            task=task,
            action="urge",
            from_state=task.state,
            to_state=task.state,
            actor=user,
            unit=task.unit,
            note=(note or "").strip(),
        )
    return task


# --- the to-do list ---------------------------------------------------------------------------


def overdue_q(today: dt.date | None = None) -> Q:
    return Q(state__in=Task.OPEN_STATES, due_on__lt=today or _today())


PAGE_MAX = 500  # slices up to this size are fetched in two steps (see KeyedPageQuerySet)


class KeyedPageQuerySet(ScopedQuerySet):
    """Pages of a task list in two steps: the ids of the page (from an index, sorted by the
    database), then only those rows, instead of fetching every matching row to sort it.
    Only small slices of an ordered model queryset take this path (and return a list)."""

    def __getitem__(self, k):
        if (
            isinstance(k, slice)
            and k.step is None
            and k.stop is not None
            and k.stop - (k.start or 0) <= PAGE_MAX
            and self._result_cache is None
            and not self.query.is_sliced
            and self.ordered
            and self._iterable_class is ModelIterable
        ):
            page = list(self.values_list("pk", flat=True)[k])
            rows = {row.pk: row for row in super().filter(pk__in=page).order_by()}
            return [rows[pk] for pk in page if pk in rows]
        return super().__getitem__(k)


def tasks_in_scope(user):
    """``Task.objects.visible_to(user)`` with the scope also given as the list of the user's
    units: the same rows, but the planner can use the per-unit indexes instead of walking the
    whole city's tasks and testing each one's unit path (PostgreSQL does that otherwise)."""
    qs = Task.objects.visible_to(user)
    prefix = scope_prefix(user)
    if prefix:  # "" is the whole installation, None nothing (visible_to is empty then)
        ids = OrgUnit.objects.filter(path__startswith=prefix).values_list("pk", flat=True)
        qs = qs.filter(unit_id__in=list(ids))
    return KeyedPageQuerySet(model=Task, query=qs.query, using=qs.db)


# Urged tasks first (latest urging first), then by due date (tasks without one last).
TODO_ORDER = (F("urged_at").desc(nulls_last=True), F("due_on").asc(nulls_last=True), "id")


class TodoQuerySet(KeyedPageQuerySet):
    """The to-do queryset: the union of disjoint parts, each one index range.

    ``count()`` of the unfiltered to-do list adds up the parts' counts (each an index-only
    count) instead of counting the OR of the parts row by row (10x faster with a million
    tasks); any further ``filter``/``exclude``/``none`` falls back to the ordinary count.
    """

    _todo_parts: tuple | None = None

    def _clone(self):
        clone = super()._clone()
        clone._todo_parts = self._todo_parts
        clone._todo_ordered = self._todo_ordered
        clone._todo_overdue_part = self._todo_overdue_part
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone._todo_parts = None
        return clone

    def none(self):
        clone = super().none()
        clone._todo_parts = None
        return clone

    def _parts_usable(self) -> bool:
        return (
            self._todo_parts is not None
            and self._result_cache is None
            and not (self.query.is_sliced)
        )

    def count(self):
        if self._parts_usable():
            self._todo_counts = [part.count() for part in self._todo_parts]
            return sum(self._todo_counts)
        return super().count()

    _todo_counts: list | None = None
    _todo_overdue_part: int | None = None  # index of the part that holds only overdue tasks

    def overdue_count(self, today=None) -> int:
        """How many of these to-dos are overdue (reusing the parts' counts where it can)."""
        if not self._parts_usable():
            return self.filter(overdue_q(today)).count()
        counts = self._todo_counts or [None] * len(self._todo_parts)
        total = 0
        for index, (part, known) in enumerate(zip(self._todo_parts, counts, strict=True)):
            if index == self._todo_overdue_part and today is None:
                total += known if known is not None else part.count()
            else:
                total += part.filter(overdue_q(today)).count()
        return total

    def order_by(self, *fields):
        clone = super().order_by(*fields)
        clone._todo_ordered = fields == TODO_ORDER
        return clone

    _todo_ordered = False

    def __getitem__(self, k):
        """A page of the to-do list in two steps: the sort keys of each part from its index
        (at most ``stop`` per part), merged here; then only the page's rows."""
        if not (isinstance(k, slice) and self._parts_usable() and self._todo_ordered) or (
            k.step is not None or k.stop is None or k.stop - (k.start or 0) > PAGE_MAX
        ):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        keys = []
        for part in self._todo_parts:
            keys += part.order_by(*TODO_ORDER).values_list("urged_at", "due_on", "pk")[:stop]
        far = dt.datetime.min.replace(tzinfo=dt.UTC)
        keys.sort(key=lambda r: (r[0] is None, -(r[0] or far).timestamp(), r[1] or dt.date.max,
                                 r[2]))  # fmt: skip
        page = [pk for _u, _d, pk in keys[start:stop]]
        rows = {task.pk: task for task in self._chain().filter(pk__in=page)}
        return [rows[pk] for pk in page if pk in rows]


def visible_todos(user, today: dt.date | None = None):
    """The user's to-dos: open tasks assigned to them, their unit's unassigned open tasks and,
    for officers (``manage_task``), the overdue open tasks of the units below theirs.

    Urged tasks come first, then by due date.
    """
    base = tasks_in_scope(user).filter(state__in=Task.OPEN_STATES)
    if getattr(user, "unit_id", None) is None:
        return base.filter(assignee_id=user.pk) if user.pk else base.none()
    today = today or _today()
    below = []
    if user.has_perm(MANAGE):
        below = list(
            OrgUnit.objects.filter(path__startswith=user.unit.path)
            .exclude(pk=user.unit_id)
            .values_list("pk", flat=True)
        )
    overdue_below = Q(unit_id__in=below, due_on__lt=today) if below else None
    own = Q(assignee_id=user.pk)
    unit_unassigned = Q(assignee__isnull=True, unit_id=user.unit_id)
    # Disjoint parts: a task of a unit below assigned to the user counts as overdue-below.
    parts = [base.filter(own & ~overdue_below) if overdue_below else base.filter(own),
             base.filter(unit_unassigned)]  # fmt: skip
    condition = own | unit_unassigned
    if overdue_below is not None:
        parts.append(base.filter(overdue_below))
        condition |= overdue_below
    todos = TodoQuerySet(model=Task, query=base.filter(condition).query, using=base.db)
    todos._todo_parts = tuple(parts)
    todos._todo_overdue_part = 2 if overdue_below is not None else None
    return todos.order_by(*TODO_ORDER)


def todo_count(user) -> int:
    """The home page's to-do count (registered with ``zhijian.core.todo``)."""
    if not user.has_perm("supervision.view_task"):
        return 0
    return visible_todos(user).count()


def item_for_code(code: str) -> SupervisionItem | None:
    return SupervisionItem.objects.filter(code=code).first()
