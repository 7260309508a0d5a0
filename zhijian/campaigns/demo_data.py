"""Demo data of special campaigns (``zhijian demo`` runs ``build`` after the synthetic city).

One district campaign on catering food safety in 浦东, built through the services (target
snapshot, one task per target), with a few tasks worked at the 张江 station so that the
progress report shows done, in-progress and (after its end) overdue work. Idempotent: nothing
is added when the campaign exists.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

NAME = "2026年餐饮服务食品安全专项整治（演示）"
MAX_DEMO_TARGETS = 400
FILTERS = (
    {"industry": "62", "district": "310115", "kind": "私营企业"},
    {"industry": "6210", "district": "310115"},
    {"industry": "62", "district": "310115"},
    {"industry": "62"},
)


def build(stdout=None) -> str | None:
    from zhijian.core import context
    from zhijian.core.models import OrgUnit, User
    from zhijian.supervision import services as supervision
    from zhijian.supervision.models import SupervisionItem

    from . import services
    from .models import Campaign

    if Campaign.objects.filter(name=NAME).exists():
        return None
    lead = OrgUnit.objects.filter(code="310115").first()
    officer = (
        User.objects.filter(unit=lead, is_active=True, groups__role__code="district_officer")
        .order_by("pk")
        .first()
    )
    items = list(SupervisionItem.objects.filter(code__in=("CYFW-001", "SPJY-001")))
    if lead is None or officer is None or not items:
        return None
    target_filter = next(
        (
            f
            for f in FILTERS
            if 0
            < services.candidate_entities(lead, services.clean_filter(f), officer).count()
            <= MAX_DEMO_TARGETS
        ),
        None,
    )
    if target_filter is None:
        return None
    today = timezone.localdate()
    with context.acting_as(context.context_for_user(officer)):
        campaign = services.create_campaign(
            user=officer, name=NAME, basis="《中华人民共和国食品安全法》；浦东新区市场监管局专项整治工作方案（演示）",
            description="重点检查后厨环境、明厨亮灶、进货查验和从业人员健康证明。",
            starts_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=40),
            lead_unit=lead, items=items, target_filter=target_filter,
        )  # fmt: skip
        created = services.generate_tasks(campaign, officer)
    worked = 0
    for target in campaign.targets.select_related("task", "unit").order_by("pk"):
        inspector = User.objects.filter(
            unit=target.unit, is_active=True, groups__role__code="station_inspector"
        ).first()
        if inspector is None or worked >= 8:
            continue
        with context.acting_as(context.context_for_user(inspector)):
            task = supervision.transition(target.task, "claim", user=inspector)
            task = supervision.transition(task, "start", user=inspector)
            if worked % 2 == 0:
                supervision.transition(task, "complete", user=inspector)
        worked += 1
    return f"专项整治：1 个专项，整治对象 {created} 户，已生成任务 {created} 件"
