"""Fixtures: officers, items, entities in two districts with licences."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.browser.conftest import browser, desktop, phone  # noqa: F401 (browser fixtures)
from zhijian.core import roles
from zhijian.core.identifiers import uscc_check_char
from zhijian.registry.models import Entity, Licence
from zhijian.supervision.models import SupervisionItem

_numbers = itertools.count(1)


@pytest.fixture
def people(org, make_user):
    return {
        "city": make_user("city", org["city"], [roles.CITY_OFFICER], full_name="王市局"),
        "pudong": make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER], full_name="李浦东"),
        "songjiang": make_user("songjiang", org["songjiang"], [roles.DISTRICT_OFFICER]),
        "zhang": make_user("zhang", org["zhangjiang"], [roles.STATION_INSPECTOR]),
        "huamu": make_user("huamu", org["huamu"], [roles.STATION_INSPECTOR]),
    }


@pytest.fixture
def items(db):
    food = SupervisionItem.objects.create(
        code="SC-01", name="食品经营者落实主体责任检查", legal_basis="《食品安全法》",
        department="食品经营处",
    )  # fmt: skip
    label = SupervisionItem.objects.create(
        code="SC-02", name="食品标签检查", legal_basis="《食品安全法》第六十七条",
        department="食品经营处",
    )  # fmt: skip
    return [food, label]


@pytest.fixture
def make_entity(org):
    def _make(name, unit, *, district="310115", industry="6210", kind=Entity.Kind.PRIVATE,
              status=Entity.Status.ACTIVE, licence=None):  # fmt: skip
        body = f"913101{next(_numbers):09d}MA"[:17]
        entity = Entity.objects.create(
            uscc=body + uscc_check_char(body), name=name, kind=kind, status=status,
            established_on="2020-05-01", legal_rep_name="法人", address=f"{name}路1号",
            district_code=district, industry=industry, unit=unit,
        )  # fmt: skip
        if licence:
            Licence.objects.create(
                number=f"JY{body}", entity=entity, licence_type=licence, issuer="区局",
                issued_on=dt.date(2021, 1, 1), status=Licence.Status.VALID, unit=unit,
            )  # fmt: skip
        return entity

    return _make


@pytest.fixture
def register(org, make_entity):
    """Catering in 浦东 (two stations), one of them licensed; shops; 松江 catering."""
    return {
        "zj_food": make_entity("张江饭店", org["zhangjiang"], licence="食品经营许可证"),
        "zj_food2": make_entity("张江面馆", org["zhangjiang"], kind=Entity.Kind.INDIVIDUAL),
        "hm_food": make_entity("花木酒家", org["huamu"], industry="6291"),
        "hm_shop": make_entity("花木服装店", org["huamu"], industry="5232"),
        "closed": make_entity("已注销饭店", org["huamu"], status=Entity.Status.DEREGISTERED),
        "sj_food": make_entity("叶榭饭店", org["yexie"], district="310117"),
    }
