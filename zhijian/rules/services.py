"""Risk warnings: handling (dispose a task warning, acknowledge a 阅知 reminder), the lists
and the export. The only place, besides the engine that raises them, that changes warnings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core.scope import scope_prefix

from .models import Warning

DISPOSE = "risk.dispose_warning"
D = Warning.Disposition
# How a warning task may be closed (the four dispositions); 阅知 closes reminders.
TASK_DISPOSITIONS = (D.NO_PROBLEM, D.RECTIFIED, D.CASE_OPENED, D.NOT_OURS)
# An inspection recorded against a warning task closes it with the disposition its outcome means.
INSPECTION_DISPOSITION = {
    "未发现问题": D.NO_PROBLEM,
    "未发现经营": D.NO_PROBLEM,
    "发现问题已责令整改": D.RECTIFIED,
    "发现问题已立案": D.CASE_OPENED,
}

EXPORT_COLUMNS = ("rule", "uscc", "as_of", "level", "key", "parameters", "routed_to")


class WarningError(Exception):
    """A refused operation; the message is for the user (Chinese)."""


def parameter_values(warning: Warning) -> dict:
    """{name: value} of the parameters the warning's rule used."""
    return {name: used.get("value") for name, used in (warning.parameters or {}).items()}


def routed_to(warning: Warning) -> str:
    """The unit code, and the department when the rule names one (``310115/信用监管科``)."""
    code = warning.unit.code
    return f"{code}/{warning.department}" if warning.department else code


def latest_per_rule_and_entity(queryset):
    """The latest warning of each (rule, entity) in ``queryset``."""
    latest = queryset.values("rule_id", "entity_id").annotate(last=Max("id")).values("last")
    return Warning.objects.filter(pk__in=latest)


def export_rows(queryset):
    yield list(EXPORT_COLUMNS)
    rows = latest_per_rule_and_entity(queryset).select_related("entity", "unit")
    for w in rows.order_by("rule_id", "entity__uscc").iterator(chunk_size=2000):
        yield [
            w.rule_id, w.entity.uscc, w.as_of.isoformat(), w.level, w.key,
            json.dumps(parameter_values(w), ensure_ascii=False, sort_keys=True), routed_to(w),
        ]  # fmt: skip


def export_csv(path: Path, *, rule_id: str | None = None, queryset=None) -> int:
    """Write the export to ``path``; returns the number of warnings written (audited)."""
    qs = queryset if queryset is not None else Warning.objects.all()
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    count = -1
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in export_rows(qs):
            writer.writerow(row)
            count += 1
    log("export", object_type="risk.warning", object_repr=f"导出监管预警 {count} 条",
        detail={"rule": rule_id or "", "rows": count, "file": path.name})  # fmt: skip
    return count


# --- handling -----------------------------------------------------------------------------------


def can_see(user, warning: Warning) -> bool:
    """In the user's scope by the unit it was routed to, or by the unit holding its task now
    (a task delegated further down takes its warning along)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return False
    units = [warning.unit] + ([warning.task.unit] if warning.task_id else [])
    return any(unit.path.startswith(prefix) for unit in units)


def visible_warnings(user):
    """The warnings a user sees: routed to a unit in scope, or whose task is held in scope."""
    from django.db.models import Q

    prefix = scope_prefix(user)
    if prefix is None:
        return Warning.objects.none()
    if prefix == "":
        return Warning.objects.all()
    return Warning.objects.filter(
        Q(unit__path__startswith=prefix) | Q(task__unit__path__startswith=prefix)
    )


def _check_may_dispose(warning: Warning, user) -> None:
    if user is None or not user.has_perm(DISPOSE):
        raise WarningError("您没有处置预警的权限。")
    if not can_see(user, warning):
        raise WarningError("该预警不在您的数据范围内。")
    if warning.state != Warning.State.OPEN:
        raise WarningError(f"该预警已处置（{warning.get_disposition_display()}），不能重复处置。")
    task = warning.task
    holder = task.unit_id if task is not None else warning.unit_id
    if user.unit_id != holder and (task is None or task.assignee_id != user.pk):
        raise WarningError(
            f"该预警由{task.unit if task is not None else warning.unit}处置；"
            "上级单位可督办或改派任务。"
        )


def dispose(warning: Warning, *, user, disposition: str, note: str = "", to_unit=None) -> Warning:
    """Close a warning task with a disposition, or (非本单位管辖) send it on.

    ``not_ours`` completes this unit's task and gives the warning a new task at ``to_unit``
    (a unit in the user's scope) or, by default, at the unit above; the warning stays open.
    """
    from zhijian.supervision import services as supervision

    warning = Warning.objects.select_related("unit", "task__unit").get(pk=warning.pk)
    _check_may_dispose(warning, user)
    note = (note or "").strip()
    if warning.handling != Warning.Handling.TASK:
        raise WarningError("阅知类预警请点击“阅知”确认，不需要选择处置结果。")
    if disposition not in TASK_DISPOSITIONS:
        raise WarningError(
            f"请选择处置结果：{'、'.join(str(d.label) for d in TASK_DISPOSITIONS)}。"
        )
    if warning.task is None:
        raise WarningError("该预警没有待办任务。")
    if disposition == D.NOT_OURS:
        return _send_on(warning, user=user, note=note, to_unit=to_unit)
    try:
        supervision.complete_task(
            warning.task, user=user, note=f"预警处置：{D(disposition).label}" + (f"；{note}" if note else ""),
            outcome={"disposition": disposition, "note": note},
        )  # fmt: skip
    except supervision.TaskError as exc:
        raise WarningError(str(exc)) from None
    warning.refresh_from_db()
    return warning


def _send_on(warning: Warning, *, user, note: str, to_unit) -> Warning:
    from zhijian.supervision import services as supervision
    from zhijian.supervision.models import Task

    if not note:
        raise WarningError("选择“非本单位管辖”时请说明理由（应由哪个单位管辖）。")
    current = warning.task
    if to_unit is None:
        to_unit = current.unit.parent
        if to_unit is None:
            raise WarningError("本单位已是最上级机构，请选择转办的机构。")
    else:
        prefix = scope_prefix(user)
        if prefix is None or not to_unit.path.startswith(prefix):
            raise WarningError(f"机构“{to_unit}”不在您的数据范围内。")
    if to_unit.pk == current.unit_id:
        raise WarningError("转办的机构不能是本单位。")
    with transaction.atomic():
        try:
            supervision.complete_task(
                current, user=user, note=f"非本单位管辖，转办至{to_unit}：{note}",
                outcome={"disposition": D.NOT_OURS, "note": note},
            )  # fmt: skip
        except supervision.TaskError as exc:
            raise WarningError(str(exc)) from None
        task = supervision.create_task(
            title=current.title, unit=to_unit, source=Task.Source.WARNING,
            source_ref=current.source_ref, entity=current.entity, due_days=current.due_days,
            working_days=current.working_days, due_basis=current.due_basis,
            description=f"{current.description}\n{current.unit}转办：{note}", created_by=user,
        )  # fmt: skip
        Warning.objects.filter(pk=warning.pk).update(task=task, unit=to_unit)
        log("warning_reassign", obj=warning, object_repr=f"预警转办至{to_unit}",
            detail={"from_unit": current.unit.code, "to_unit": to_unit.code, "note": note,
                    "old_task": current.number, "new_task": task.number})  # fmt: skip
    warning.refresh_from_db()
    return warning


def acknowledge(warning: Warning, *, user, note: str = "") -> Warning:
    """Close a 阅知 reminder."""
    warning = Warning.objects.select_related("unit", "task__unit").get(pk=warning.pk)
    _check_may_dispose(warning, user)
    if warning.handling != Warning.Handling.ACKNOWLEDGE:
        raise WarningError("待办类预警请选择处置结果后办结，不能仅阅知。")
    _close(warning, D.ACKNOWLEDGED, (note or "").strip(), user)
    return warning


def _close(warning: Warning, disposition: str, note: str, user) -> None:
    warning.state = Warning.State.CLOSED
    warning.disposition = disposition
    warning.disposition_note = note
    warning.disposed_by = user
    warning.disposed_at = timezone.now()
    warning.save(update_fields=["state", "disposition", "disposition_note", "disposed_by",
                                "disposed_at"])  # fmt: skip


# --- the supervision task hooks (registered in apps.py) ----------------------------------------


def check_task_completion(task, outcome: dict) -> str | None:
    """A warning task closes only with a disposition or an inspection's result."""
    if outcome.get("disposition") in TASK_DISPOSITIONS:
        return None
    if str(outcome.get("result_ref", "")).startswith("inspections.inspection:"):
        return None
    return ("风险预警任务须在预警详情页选择处置结果（已核查无问题、已整改、已立案、非本单位管辖）"
            "后办结，或通过检查记录办结。")  # fmt: skip


def after_task_completion(task, outcome: dict) -> None:
    """Close the task's warning with the disposition given (or the inspection's)."""
    warning = Warning.objects.filter(task_id=task.pk).first()
    if warning is None or warning.state != Warning.State.OPEN:
        return
    disposition = outcome.get("disposition")
    note = str(outcome.get("note", ""))
    if disposition is None:
        disposition, note = _from_inspection(str(outcome.get("result_ref", "")))
    if disposition == D.NOT_OURS:
        return  # sent on: the warning stays open with its new task
    event = task.events.filter(action="complete").order_by("-id").first()
    _close(warning, disposition, note, event.actor if event else None)


def _from_inspection(result_ref: str) -> tuple[str, str]:
    from zhijian.inspections.models import Inspection

    pk = result_ref.rpartition(":")[2]
    inspection = Inspection.objects.filter(pk=pk).first() if pk.isdigit() else None
    if inspection is None:
        return D.NO_PROBLEM, result_ref
    return (INSPECTION_DISPOSITION.get(inspection.outcome, D.NO_PROBLEM),
            f"检查记录 {inspection.number}：{inspection.get_outcome_display()}")  # fmt: skip


def open_reminders(user) -> int:
    """The home page's to-dos of this app: open 阅知 reminders routed to the user's unit
    (warning tasks are counted with the supervision tasks)."""
    if not user.has_perm(DISPOSE) or not user.unit_id:
        return 0
    return Warning.objects.filter(
        handling=Warning.Handling.ACKNOWLEDGE, state=Warning.State.OPEN, unit_id=user.unit_id
    ).count()
