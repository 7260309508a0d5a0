"""Special campaigns: creation, the target snapshot, task generation, closing, the progress
report. The only place that changes a campaign or its targets; tasks are created through
``supervision.services.bulk_create_tasks`` (source "campaign").

Targets: the register's active entities (or the status chosen) in the lead unit's subtree and
in the creating user's data scope that satisfy the filter (district, entity kind, industry-code
prefix, a valid licence of a type, status), snapshotted into ``CampaignTarget`` rows while the
campaign is a draft. Tasks: one per target, held by the target's unit (the entity's home
station), due on the last working day on or before the campaign's end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core.models import OrgUnit
from zhijian.core.scope import scope_prefix

from .models import Campaign, CampaignTarget

MAX_TARGETS = 20_000  # one campaign's snapshot; larger sets are split by district
MANAGE = "campaigns.manage_campaign"
FILTER_KEYS = ("district", "kind", "industry", "licence_type", "status")
FILTER_LABELS = {
    "district": "所属区",
    "kind": "主体类型",
    "industry": "行业代码前缀",
    "licence_type": "许可类型",
    "status": "登记状态",
}


class CampaignError(Exception):
    """A refused campaign operation; the message is for the user (Chinese)."""


def _today() -> dt.date:
    return timezone.localdate()


# --- the target filter -------------------------------------------------------------------------


def clean_filter(raw: dict) -> dict:
    """The filter with empty values dropped; ``CampaignError`` names a wrong value."""
    from zhijian.registry.models import Entity

    values = {k: str(raw.get(k) or "").strip() for k in FILTER_KEYS}
    if values["district"] and not (values["district"].isdigit() and len(values["district"]) == 6):
        raise CampaignError(f"所属区“{values['district']}”应为6位行政区划代码。")
    if values["kind"] and values["kind"] not in Entity.Kind.values:
        raise CampaignError(f"主体类型“{values['kind']}”不存在。")
    industry = values["industry"]
    if industry and not (industry.isdigit() and len(industry) <= 4):
        raise CampaignError(f"行业代码前缀“{industry}”应为1至4位数字。")
    if values["status"] and values["status"] not in Entity.Status.values:
        raise CampaignError(f"登记状态“{values['status']}”不存在。")
    if len(values["licence_type"]) > 50:
        raise CampaignError("许可类型不能超过50字。")
    return {k: v for k, v in values.items() if v}


def describe_filter(target_filter: dict) -> str:
    parts = [f"{FILTER_LABELS[k]}：{v}" for k, v in target_filter.items() if k in FILTER_LABELS]
    return "；".join(parts) or "全部存续主体"


def candidate_entities(lead_unit: OrgUnit, target_filter: dict, user=None):
    """The register's entities the filter selects, within the lead unit (and user) scope."""
    from zhijian.registry.models import Entity, Licence

    qs = Entity.objects.filter(unit__path__startswith=lead_unit.path)
    if user is not None:
        qs = qs & Entity.objects.visible_to(user)
    qs = qs.filter(status=target_filter.get("status") or Entity.Status.ACTIVE)
    if target_filter.get("district"):
        qs = qs.filter(district_code=target_filter["district"])
    if target_filter.get("kind"):
        qs = qs.filter(kind=target_filter["kind"])
    if target_filter.get("industry"):
        qs = qs.filter(industry__startswith=target_filter["industry"])
    if target_filter.get("licence_type"):
        licensed = Licence.objects.filter(
            licence_type=target_filter["licence_type"], status=Licence.Status.VALID
        ).values("entity_id")
        qs = qs.filter(pk__in=licensed)
    return qs


# --- creation and the snapshot -------------------------------------------------------------------


def _check_dates(starts_on, ends_on) -> None:
    if starts_on is None or ends_on is None:
        raise CampaignError("请填写开始日期和结束日期。")
    if ends_on < starts_on:
        raise CampaignError("结束日期不能早于开始日期。")


def _check_lead(user, lead_unit) -> None:
    if lead_unit is None:
        raise CampaignError("请选择牵头机构。")
    prefix = scope_prefix(user)
    if prefix is None or not lead_unit.path.startswith(prefix):
        raise CampaignError(f"牵头机构“{lead_unit}”不在您的数据范围内。")


def create_campaign(
    *, user, name, basis, starts_on, ends_on, lead_unit, items, target_filter,
    description="",
) -> Campaign:  # fmt: skip
    """Create a draft campaign and snapshot its targets."""
    if not user.has_perm(MANAGE):
        raise CampaignError("您没有创建专项整治的权限。")
    name = (name or "").strip()
    if not name:
        raise CampaignError("专项名称不能为空。")
    if not (basis or "").strip():
        raise CampaignError("工作依据不能为空。")
    _check_dates(starts_on, ends_on)
    _check_lead(user, lead_unit)
    items = list(items or [])
    if not items:
        raise CampaignError("请至少选择一个检查事项。")
    inactive = [str(i) for i in items if not i.is_active]
    if inactive:
        raise CampaignError(f"检查事项已停用：{'、'.join(inactive)}。")
    target_filter = clean_filter(target_filter or {})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name[:200],
            basis=basis.strip(),
            description=(description or "").strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            lead_unit=lead_unit,
            target_filter=target_filter,
            created_by=user,
        )
        campaign.items.set(items)
        snapshot_targets(campaign, user)
    return campaign


def refresh_targets(campaign: Campaign, user) -> int:
    """Snapshot the targets again (a draft only: the register may have changed)."""
    if not user.has_perm(MANAGE):
        raise CampaignError("您没有调整整治对象的权限。")
    _check_lead(user, campaign.lead_unit)
    return snapshot_targets(campaign, user)


def snapshot_targets(campaign: Campaign, user) -> int:
    """(Re)build the target list of a draft campaign from its filter; returns the count."""
    if campaign.state != Campaign.State.DRAFT:
        raise CampaignError("任务已生成，整治对象不能再调整。")
    qs = candidate_entities(campaign.lead_unit, campaign.target_filter, user)
    rows = list(
        qs.order_by("pk").values_list(
            "pk", "unit_id", "uscc", "name", "kind", "address", "district_code", "industry"
        )[: MAX_TARGETS + 1]
    )
    if len(rows) > MAX_TARGETS:
        raise CampaignError(
            f"符合条件的主体超过{MAX_TARGETS}户，请缩小筛选范围（例如按区、行业分别开展）。"
        )
    with transaction.atomic():
        CampaignTarget.objects.filter(campaign=campaign).delete()
        CampaignTarget.objects.bulk_create(
            [
                CampaignTarget(
                    campaign=campaign,
                    entity_id=pk,
                    unit_id=unit_id,
                    uscc=uscc,
                    name=name,
                    kind=kind,
                    address=address[:300],
                    district_code=district,
                    industry=industry,
                )  # fmt: skip
                for pk, unit_id, uscc, name, kind, address, district, industry in rows
            ],
            batch_size=2000,
        )
        log(
            "bulk_create",
            object_type="campaigns.campaigntarget",
            object_id=str(campaign.pk),
            object_repr=f"专项整治“{campaign.name}”筛选整治对象 {len(rows)} 户",
            detail={
                "campaign": campaign.pk,
                "targets": len(rows),
                "filter": campaign.target_filter,
            },
        )
    return len(rows)


# --- tasks ---------------------------------------------------------------------------------------


def due_date(ends_on: dt.date, today: dt.date | None = None) -> tuple[int, dt.date]:
    """(calendar days, due date): the last working day on or before ``ends_on``."""
    from zhijian.supervision.services import compute_due

    today = today or _today()
    days = (ends_on - today).days
    while days >= 1:
        due = compute_due(today, days, working_days=False)
        if due <= ends_on:
            return days, due
        days -= 1
    raise CampaignError(f"专项整治结束日期（{ends_on:%Y-%m-%d}）前已没有工作日，不能生成任务。")


def generate_tasks(campaign: Campaign, user) -> int:
    """One task per target (source "campaign"), held by the target's unit; returns the count."""
    from zhijian.supervision import services as supervision
    from zhijian.supervision.models import Task

    if not user.has_perm(MANAGE):
        raise CampaignError("您没有生成专项整治任务的权限。")
    _check_lead(user, campaign.lead_unit)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != Campaign.State.DRAFT:
            raise CampaignError(
                f"专项整治当前状态为“{campaign.get_state_display()}”，不能生成任务。"
            )
        targets = list(
            campaign.targets.filter(task__isnull=True).select_related("unit").order_by("pk")
        )
        if not targets:
            raise CampaignError("没有整治对象，不能生成任务。请调整筛选条件。")
        days, due = due_date(campaign.ends_on)
        items = list(campaign.items.order_by("code"))
        item_names = "、".join(i.name for i in items)
        rows = [
            {
                "title": f"{campaign.name}：{t.name}",
                "unit_id": t.unit_id,
                "entity_id": t.entity_id,
                "item_id": items[0].pk if items else None,
                "due_days": days,
                "working_days": False,
                "due_basis": f"专项整治“{campaign.name}”于{campaign.ends_on:%Y-%m-%d}结束",
                "description": f"检查事项：{item_names}\n工作依据：{campaign.basis}"[:2000],
            }
            for t in targets
        ]
        try:
            tasks = supervision.bulk_create_tasks(
                rows, source=Task.Source.CAMPAIGN, source_ref=campaign.source_ref
            )
        except supervision.TaskError as exc:
            raise CampaignError(str(exc)) from exc
        for target, task in zip(targets, tasks, strict=True):
            target.task_id = task.pk
        CampaignTarget.objects.bulk_update(targets, ["task"], batch_size=2000)
        campaign.state = Campaign.State.ACTIVE
        campaign.tasks_generated_at = timezone.now()
        campaign.save()
    return len(tasks)


def close_campaign(campaign: Campaign, user) -> Campaign:
    """End the campaign (its open tasks stay with their units; the report stays)."""
    if not user.has_perm(MANAGE):
        raise CampaignError("您没有结束专项整治的权限。")
    _check_lead(user, campaign.lead_unit)
    if campaign.state == Campaign.State.CLOSED:
        raise CampaignError("专项整治已结束。")
    campaign.state = Campaign.State.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save()
    return campaign


# --- the progress report -------------------------------------------------------------------------


@dataclass
class ProgressRow:
    unit_id: int
    unit: str
    path: str
    targets: int = 0
    tasks: int = 0
    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    cancelled: int = 0
    inspected: int = 0
    with_findings: int = 0
    findings: int = 0

    @property
    def done_rate(self) -> float | None:
        return round(100.0 * self.done / self.tasks, 1) if self.tasks else None

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit_id, "unit": self.unit, "targets": self.targets,
            "tasks": self.tasks, "done": self.done, "in_progress": self.in_progress,
            "overdue": self.overdue, "cancelled": self.cancelled, "inspected": self.inspected,
            "with_findings": self.with_findings, "findings": self.findings,
            "done_rate": self.done_rate,
        }  # fmt: skip


@dataclass
class Progress:
    rows: list[ProgressRow] = field(default_factory=list)
    total: ProgressRow | None = None
    findings_available: bool = False


REPORT_COLUMNS = (
    "承办机构", "整治对象", "任务", "已办结", "办理中", "逾期", "已撤销", "已检查", "发现问题户数",
    "问题数", "办结率（%）",
)  # fmt: skip


def progress(campaign: Campaign, user, today: dt.date | None = None) -> Progress:
    """Per unit of the user's scope: targets, tasks done / in progress / overdue, findings."""
    from zhijian.supervision.models import Task
    from zhijian.supervision.services import is_overdue

    today = today or _today()
    targets = CampaignTarget.objects.visible_to(user).filter(campaign=campaign)
    rows: dict[int, ProgressRow] = {}
    for unit_id, name, path in targets.values_list("unit_id", "unit__name", "unit__path"):
        row = rows.setdefault(unit_id, ProgressRow(unit_id, name, path))
        row.targets += 1
    task_rows = targets.filter(task__isnull=False).values_list(
        "unit_id", "task__state", "task__due_on"
    )
    for unit_id, state, due_on in task_rows:
        row = rows[unit_id]
        row.tasks += 1
        if state == Task.State.DONE:
            row.done += 1
        elif state == Task.State.CANCELLED:
            row.cancelled += 1
        elif is_overdue(Task(state=state, due_on=due_on), today):
            row.overdue += 1
        else:
            row.in_progress += 1
    result = Progress()
    result.findings_available = _add_findings(targets, rows)
    result.rows = sorted(rows.values(), key=lambda r: r.path)
    total = ProgressRow(0, "合计", "")
    for row in result.rows:
        for key in ("targets", "tasks", "done", "in_progress", "overdue", "cancelled",
                    "inspected", "with_findings", "findings"):  # fmt: skip
            setattr(total, key, getattr(total, key) + getattr(row, key))
    result.total = total
    return result


def _add_findings(targets, rows: dict[int, ProgressRow]) -> bool:
    """Inspections recorded against the campaign's tasks (zhijian.inspections, when installed)."""
    from django.apps import apps

    try:
        inspection = apps.get_model("inspections", "Inspection")
    except LookupError:
        return False
    unit_of_task = dict(targets.filter(task__isnull=False).values_list("task_id", "unit_id"))
    if not unit_of_task:
        return True
    seen: set = set()
    found_entities: set = set()
    records = inspection.objects.filter(task_id__in=list(unit_of_task)).values_list(
        "task_id", "entity_id", "findings_count"
    )
    for task_id, entity_id, count in records:
        row = rows[unit_of_task[task_id]]
        if task_id not in seen:
            seen.add(task_id)
            row.inspected += 1
        row.findings += count or 0
        if count and (task_id, entity_id) not in found_entities:
            found_entities.add((task_id, entity_id))
            row.with_findings += 1
    return True


def report_rows(report: Progress) -> list[list]:
    out = [list(REPORT_COLUMNS)]
    for row in [*report.rows, report.total]:
        d = row.as_dict()
        out.append([
            d["unit"], d["targets"], d["tasks"], d["done"], d["in_progress"], d["overdue"],
            d["cancelled"], d["inspected"], d["with_findings"], d["findings"],
            "" if d["done_rate"] is None else d["done_rate"],
        ])  # fmt: skip
    return out
