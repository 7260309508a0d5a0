"""Data-scope walk factories for the scoped models of zhijian.campaigns (see tests/scope_world.py)."""

from __future__ import annotations

from tests.scope_world import _entity, factory
from zhijian.core.models import OrgUnit


def _campaign(unit: OrgUnit, tag: str):
    from zhijian.campaigns.models import Campaign, CampaignTarget
    from zhijian.supervision.models import SupervisionItem

    item, _ = SupervisionItem.objects.get_or_create(
        code="SCOPE-CAMPAIGN-ITEM",
        defaults={"name": "专项测试事项", "legal_basis": "测试依据", "department": "测试处"},
    )
    campaign = Campaign.objects.create(
        name=f"{tag}专项整治", basis=f"{tag}工作依据", starts_on="2026-01-05",
        ends_on="2026-03-31", lead_unit=unit,
    )  # fmt: skip
    campaign.items.set([item])
    entity = _entity(unit, f"{tag}整治对象")
    target = CampaignTarget.objects.create(
        campaign=campaign, entity=entity, unit=unit, uscc=entity.uscc, name=entity.name,
        kind=entity.kind, address=entity.address,
    )  # fmt: skip
    return campaign, target


@factory("campaigns.campaign")
def make_campaign(unit: OrgUnit, tag: str):
    campaign, target = _campaign(unit, tag)
    return campaign, [campaign.name, f"{tag}工作依据", target.name]


@factory("campaigns.campaigntarget")
def make_campaigntarget(unit: OrgUnit, tag: str):
    campaign, target = _campaign(unit, tag)
    return target, [campaign.name, target.name, target.uscc]
