"""Data-scope walk factories for the scoped models of zhijian.random_inspections (see tests/scope_world.py).

The public pages (``/random-inspections/public/…`` and ``/api/v1/random-inspections/public/…``)
publish every district's current draws by law (一公开): plan name, item, unit, entity names
and USCCs, masked inspectors. The markers below are therefore the fields that are never
published (a plan's internal note, a draft plan's name and number, inspectors' names).
"""

from __future__ import annotations

from tests.scope_world import _entity, factory
from zhijian.core import roles
from zhijian.core import services as core_services
from zhijian.core.models import OrgUnit


def _item():
    from zhijian.supervision.models import SupervisionItem

    item, _ = SupervisionItem.objects.get_or_create(
        code="SCOPE-RANDOM", defaults={"name": "数据范围抽查事项", "legal_basis": "测试依据",
                                       "department": "市场监督管理局"},
    )  # fmt: skip
    return item


def _inspector(unit: OrgUnit, tag: str, n: int = 0):
    from zhijian.random_inspections import services

    user, _ = core_services.create_user(
        username=f"ri_{tag.lower()}_{n}", unit=unit, roles=[roles.STATION_INSPECTOR],
        full_name=f"{tag}检查员{n}", password="Zj-test-Passw0rd", must_change_password=False,
        badge_number=f"RI{tag}{n}",
    )  # fmt: skip
    return services.save_inspector(user, by=None, address=f"{tag}居住地址{n}")


@factory("random_inspections.inspectorprofile")
def make_inspectorprofile(unit: OrgUnit, tag: str):
    profile = _inspector(unit, tag)
    return profile, [profile.user.full_name, profile.user.badge_number]


@factory("random_inspections.recusal")
def make_recusal(unit: OrgUnit, tag: str):
    from zhijian.random_inspections.models import Recusal

    profile = _inspector(unit, tag)
    entity = _entity(unit, f"{tag}回避对象")
    recusal = Recusal.objects.create(inspector=profile.user, entity=entity, reason=f"{tag}回避原因")
    return recusal, [f"{tag}回避原因", entity.name]


@factory("random_inspections.nonintrusiveentry")
def make_nonintrusiveentry(unit: OrgUnit, tag: str):
    from zhijian.random_inspections import services

    entity = _entity(unit, f"{tag}无感对象")
    entry = services.list_non_intrusive(entity, reason=f"{tag}无感依据")
    return entry, [f"{tag}无感依据", entity.name]


def _plan(unit: OrgUnit, tag: str):
    from zhijian.random_inspections import services

    return services.create_plan(
        user=None, name=f"{tag}抽查计划", item=_item(), unit=unit, note=f"{tag}内部备注"
    )


@factory("random_inspections.plan")
def make_plan(unit: OrgUnit, tag: str):
    plan = _plan(unit, tag)  # a draft: not published
    return plan, [plan.name, plan.note]


@factory("random_inspections.draw")
def make_draw(unit: OrgUnit, tag: str):
    from zhijian.random_inspections import services
    from zhijian.registry.models import CreditListing

    for n in range(2):
        _inspector(unit, f"{tag}D", n)
    entity = _entity(unit, f"{tag}抽中对象")
    CreditListing.objects.create(
        entity=entity, unit=unit, list_type="严重违法失信名单", reason="测试",
        listed_on="2025-01-01", authority="区局",
    )  # fmt: skip
    plan = _plan(unit, f"{tag}D")
    record = services.draw_plan(
        plan, user=None, public_random=f"{tag}-random", public_random_source="测试"
    )
    return record, [plan.note, f"{tag}D检查员0", f"{tag}D检查员1"]
