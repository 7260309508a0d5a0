"""Records in every scoped model, in two districts, for the data-scope route walk.

Every model that declares ``scope_path`` must have a factory here: the walk test fails for a
scoped model without one, so a new scoped model is covered as soon as it exists.
A factory creates one record belonging to ``unit`` and returns the strings that identify it
(markers); no marker of another district may appear in any response of a district user.
"""

from __future__ import annotations

from collections.abc import Callable

from zhijian.core import roles, services
from zhijian.core.models import OrgUnit, User

FACTORIES: dict[str, Callable] = {}


def factory(label: str):
    def register(fn):
        FACTORIES[label] = fn
        return fn

    return register


@factory("core.orgunit")
def make_orgunit(unit: OrgUnit, tag: str):
    """The unit itself is the organisation-unit record that belongs to it."""
    return unit, [unit.name]


@factory("core.user")
def make_user(unit: OrgUnit, tag: str):
    user, _ = services.create_user(
        username=f"u_{tag.lower()}",
        unit=unit,
        roles=[roles.STATION_INSPECTOR],
        full_name=f"{tag}人员",
        password="Zj-test-Passw0rd",
        must_change_password=False,
        badge_number=f"B{tag}",
    )
    return user, [f"u_{tag.lower()}", f"{tag}人员", f"B{tag}"]


@factory("audit.auditrecord")
def make_auditrecord(unit: OrgUnit, tag: str):
    from zhijian.audit.services import log
    from zhijian.core import context

    actor = User.objects.filter(unit=unit).first()
    with context.acting_as(context.context_for_user(actor, ip="10.1.1.1")):
        record = log(
            "export", object_type="test.marker", object_id=tag, object_repr=f"{tag}审计对象"
        )
    return record, [f"{tag}审计对象"]
