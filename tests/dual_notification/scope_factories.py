"""Data-scope walk factories for the scoped models of zhijian.dual_notification (see tests/scope_world.py)."""

from __future__ import annotations

from tests.scope_world import _entity, factory
from zhijian.core.models import OrgUnit


def _department():
    from zhijian.dual_notification.models import Department

    department, _ = Department.objects.get_or_create(
        code="SCOPE-DEPT", defaults={"name": "数据范围测试委办局"}
    )
    return department


def _event(unit: OrgUnit, tag: str, matched: bool):
    from zhijian.dual_notification.models import ScopeEvent

    entity = _entity(unit, f"{tag}告知对象")
    entity.business_scope = f"{tag}经营范围"
    entity.save()
    event = ScopeEvent.objects.create(
        entity=entity, unit=unit, kind=ScopeEvent.Kind.ESTABLISHED, occurred_on="2024-01-02",
        scope_text=entity.business_scope, scope_digest=f"digest-{tag}", matched=matched,
    )  # fmt: skip
    return event, entity


@factory("dual_notification.scopeevent")
def make_scopeevent(unit: OrgUnit, tag: str):
    event, entity = _event(unit, tag, matched=False)
    return event, [entity.name, entity.uscc, f"{tag}经营范围"]


@factory("dual_notification.notification")
def make_notification(unit: OrgUnit, tag: str):
    from zhijian.dual_notification.models import Notification

    event, entity = _event(unit, tag, matched=True)
    notice = Notification.objects.create(
        event=event, entity=entity, unit=unit, department=_department(),
        keyword=f"{tag}关键词", licence=f"{tag}许可证",
    )  # fmt: skip
    return notice, [entity.name, entity.uscc, f"{tag}许可证"]


@factory("dual_notification.departmentmember")
def make_departmentmember(unit: OrgUnit, tag: str):
    from zhijian.core import services
    from zhijian.dual_notification.models import DepartmentMember

    user, _ = services.create_user(
        username=f"dm_{tag.lower()}", unit=unit, roles=[], full_name=f"{tag}委办局人员",
        password="Zj-test-Passw0rd", must_change_password=False,
    )  # fmt: skip
    member = DepartmentMember.objects.create(user=user, department=_department())
    return member, [f"dm_{tag.lower()}", f"{tag}委办局人员"]
