"""Fixtures: the test org tree, an inspector pair per station, officers, an item, entities."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.browser.conftest import browser, desktop, phone  # noqa: F401 (browser fixtures)
from tests.scope_world import _entity
from zhijian.core import roles


@pytest.fixture
def people(org, make_user):
    return {
        "pudong": make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER], full_name="李浦东"),
        "songjiang": make_user(
            "songjiang", org["songjiang"], [roles.DISTRICT_OFFICER], full_name="陈松江"
        ),
        "zhang": make_user(
            "zhang",
            org["zhangjiang"],
            [roles.STATION_INSPECTOR],
            full_name="张所员",
            mobile="13812345678",
            id_number="310115199001011234",
        ),
        "zhang2": make_user(
            "zhang2", org["zhangjiang"], [roles.STATION_INSPECTOR], full_name="钱所员"
        ),
        "huamu": make_user("huamu", org["huamu"], [roles.STATION_INSPECTOR], full_name="孙所员"),
        "yexie": make_user("yexie", org["yexie"], [roles.STATION_INSPECTOR], full_name="赵所员"),
    }


@pytest.fixture
def item(db):
    from zhijian.supervision.models import SupervisionItem

    return SupervisionItem.objects.create(
        code="SC-FOOD-01",
        name="食品经营许可情况检查",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        department="食品经营安全监管处",
        checklist=[
            {"key": "licence", "question": "是否持有有效的食品经营许可证"},
            {"key": "health", "question": "从业人员是否持有健康证明"},
        ],
    )


def _fresh_entity(unit, tag):
    entity = _entity(unit, tag)
    entity.refresh_from_db()
    return entity


@pytest.fixture
def entity(org):
    return _fresh_entity(org["zhangjiang"], "张江检查样本")


@pytest.fixture
def foreign_entity(org):
    return _fresh_entity(org["yexie"], "叶榭检查样本")


@pytest.fixture
def task(org, people, item, entity):
    from zhijian.supervision import services
    from zhijian.supervision.models import Task

    return services.create_task(
        title="食品经营许可检查",
        unit=org["zhangjiang"],
        source=Task.Source.RANDOM,
        item=item,
        entity=entity,
        due_days=20,
        assignee=people["zhang"],
    )


ALL_CONFORMING = {
    "licence": {"result": "conforming", "remark": ""},
    "health": {"result": "conforming", "remark": ""},
}


@pytest.fixture
def submission(people, entity, item):
    """A valid standalone submission (no problems found) as a factory with overrides."""
    from zhijian.inspections.services import Submission

    def make(**overrides):
        values = {
            "client_uuid": uuid.uuid4(),
            "entity": entity,
            "item": item,
            "inspected_on": timezone.localdate() - dt.timedelta(days=1),
            "inspectors": [people["zhang"], people["zhang2"]],
            "method": "日常检查",
            "outcome": "未发现问题",
            "answers": dict(ALL_CONFORMING),
        }
        values.update(overrides)
        return Submission(**values)

    return make


@pytest.fixture(autouse=True)
def _chinese_after_every_test():
    """A request in English leaves English active in the thread: restore the default."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")
