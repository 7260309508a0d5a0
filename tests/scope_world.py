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


# --- the market-entity register ---------------------------------------------------------------

_counter = iter(range(1, 10**6))


def _entity(unit: OrgUnit, tag: str):
    from zhijian.core.identifiers import uscc_check_char
    from zhijian.registry.models import Entity

    body = f"91{unit.code[:6]}MA{next(_counter):07d}"[:17]
    uscc = body + uscc_check_char(body)
    return Entity.objects.create(
        uscc=uscc,
        name=f"{tag}有限公司",
        kind=Entity.Kind.PRIVATE,
        status=Entity.Status.ACTIVE,
        established_on="2020-01-01",
        legal_rep_name=f"{tag}法人",
        address=f"{tag}路1号",
        unit=unit,
    )


@factory("registry.entity")
def make_entity(unit: OrgUnit, tag: str):
    entity = _entity(unit, tag)
    return entity, [entity.name, entity.uscc, entity.legal_rep_name]


def _record(model_name: str):
    def make(unit: OrgUnit, tag: str):
        from zhijian.registry import models as m

        entity = _entity(unit, tag)
        number = f"NO-{tag}"
        common = {"entity": entity, "unit": unit}
        builders = {
            "licence": lambda: m.Licence.objects.create(
                number=number, licence_type="食品经营许可证", issuer="市场监管局",
                issued_on="2021-01-01", status="有效", **common),
            "annualreport": lambda: m.AnnualReport.objects.create(year=2024, **common),
            "inspectionrecord": lambda: m.InspectionRecord.objects.create(
                number=number, inspected_on="2024-05-01", method="日常检查", authority="所",
                outcome="未发现问题", **common),
            "penaltyrecord": lambda: m.PenaltyRecord.objects.create(
                number=number, party=entity.name, violation="虚假宣传", measures="罚款",
                decided_on="2024-01-01", authority="区局", **common),
            "complaintrecord": lambda: m.ComplaintRecord.objects.create(
                number=number, kind="投诉", received_at="2024-01-01T10:00:00+08:00",
                respondent_name=entity.name, text=f"{tag}投诉内容", **common),
            "sampling": lambda: m.Sampling.objects.create(
                number=number, category="食品", product="面包", sampled_on="2024-03-01",
                result="合格", **common),
            "creditlisting": lambda: m.CreditListing.objects.create(
                list_type="经营异常名录", reason="未按时年报", listed_on="2024-07-01",
                authority="区局", **common),
            "entityperson": lambda: m.EntityPerson.objects.create(
                person=m.Person.objects.create(id_number=f"ID{tag}", name=f"{tag}股东"),
                role="股东", **common),
        }  # fmt: skip
        record = builders[model_name]()
        return record, [entity.name, entity.uscc]

    return make


for _name in (
    "licence", "annualreport", "inspectionrecord", "penaltyrecord", "complaintrecord",
    "sampling", "creditlisting", "entityperson",
):  # fmt: skip
    factory(f"registry.{_name}")(_record(_name))


# --- data exchange (import batches) -----------------------------------------------------------


@factory("exchange.importbatch")
def make_importbatch(unit: OrgUnit, tag: str):
    from zhijian.exchange.models import ImportBatch, RejectedRow

    batch = ImportBatch.objects.create(
        table="entities",
        source=f"{tag}来源部门",
        file_name=f"{tag}.csv",
        status=ImportBatch.Status.DONE,
        headers=["统一社会信用代码", "名称"],
        rows_read=1,
        rejected=1,
        unit=unit,
    )
    RejectedRow.objects.create(
        batch=batch,
        row_number=2,
        column="名称",
        value=f"{tag}拒绝值",
        reason="必填项为空",
        errors=[["名称", f"{tag}拒绝值", "必填项为空"]],
        raw={"统一社会信用代码": "X", "名称": f"{tag}拒绝值"},
    )
    return batch, [f"{tag}来源部门", f"{tag}.csv", f"{tag}拒绝值"]


# --- apps of later issues: each keeps its factories in tests/<app>/scope_factories.py -----------


def _load_app_factories() -> None:
    from importlib import import_module

    for app in (
        "supervision",
        "inspections",
        "random_inspections",
        "campaigns",
        "dual_notification",
        "rules",
    ):
        import_module(f"tests.{app}.scope_factories")


_load_app_factories()
