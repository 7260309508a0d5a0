"""A small world for random inspections: entities in two districts, inspectors, an item."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import browser, desktop, phone  # noqa: F401 (browser fixtures)
from zhijian.core import roles
from zhijian.core.identifiers import uscc_check_char
from zhijian.registry.models import CreditListing, Entity, PenaltyRecord

_seq = itertools.count(1)


def make_entity(unit, name=None, *, district="310115", address=None, **fields):
    n = next(_seq)
    body = f"91{district}MA{n:07d}"[:17]
    return Entity.objects.create(
        uscc=body + uscc_check_char(body),
        name=name or f"测试{n}号有限公司",
        kind=fields.pop("kind", Entity.Kind.PRIVATE),
        status=fields.pop("status", Entity.Status.ACTIVE),
        established_on="2020-01-01",
        legal_rep_name=fields.pop("legal_rep_name", f"法人{n}"),
        address=address or f"浦东新区测试路{n}号",
        district_code=district,
        industry=fields.pop("industry", "5211"),
        unit=unit,
        **fields,
    )


def list_entity(entity, list_type, listed_on="2025-01-01"):
    return CreditListing.objects.create(
        entity=entity, unit=entity.unit, list_type=list_type, reason="测试",
        listed_on=listed_on, authority="区局",
    )  # fmt: skip


def penalise(entity, decided_on="2025-06-01"):
    return PenaltyRecord.objects.create(
        number=f"罚{entity.pk}-{next(_seq)}", entity=entity, unit=entity.unit, party=entity.name,
        violation="虚假宣传", measures="罚款", decided_on=decided_on, authority="区局",
    )  # fmt: skip


@pytest.fixture
def item(db):
    from zhijian.supervision.models import SupervisionItem

    return SupervisionItem.objects.create(
        code="SJ-001",
        name="企业公示信息抽查",
        legal_basis="《企业信息公示暂行条例》第十四条",
        department="市场监督管理局",
        checklist=[{"key": "annual", "question": "年度报告是否按时公示"}],
    )


@pytest.fixture
def officer(org, make_user):
    return make_user(
        "pudong_officer", org["pudong"], [roles.DISTRICT_OFFICER], full_name="浦东科长"
    )


@pytest.fixture
def inspectors(org, make_user):
    """Six inspectors in the directory: four at 张江, two at 花木."""
    from zhijian.random_inspections import services

    people = []
    for i in range(6):
        unit = org["zhangjiang"] if i < 4 else org["huamu"]
        user = make_user(
            f"insp{i}", unit, [roles.STATION_INSPECTOR], full_name=f"检查员{i}",
            badge_number=f"31011500{i}", id_number=f"31011519800101{i:03d}X"[:18],
        )  # fmt: skip
        services.save_inspector(user, by=None, expertise=["食品"], address=f"花木路{i}号")
        people.append(user)
    return people


@pytest.fixture
def pool(org):
    """40 entities at 张江 and 花木 (浦东), 5 at 叶榭 (松江); classes planted."""
    entities = [make_entity(org["zhangjiang"] if i % 2 else org["huamu"]) for i in range(40)]
    for e in entities[:4]:
        list_entity(e, CreditListing.ListType.SERIOUS)
    for e in entities[4:10]:
        list_entity(e, CreditListing.ListType.ABNORMAL)
    for e in entities[10:18]:
        penalise(e)
    foreign = [make_entity(org["yexie"], district="310117") for _ in range(5)]
    return {"entities": entities, "foreign": foreign}
