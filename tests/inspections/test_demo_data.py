"""The demo step: inspections with rectifications for the demo stations, published, idempotent."""

from __future__ import annotations

import io

import pytest

from tests.inspections.conftest import _fresh_entity
from zhijian.core import roles
from zhijian.inspections import demo_data
from zhijian.inspections.models import Inspection, Rectification
from zhijian.registry.models import InspectionRecord

pytestmark = pytest.mark.django_db


def test_demo_build_is_idempotent(org, make_user, item):
    make_user("zhangjiang", org["zhangjiang"], [roles.STATION_INSPECTOR], full_name="张所员")
    make_user("yexie", org["yexie"], [roles.STATION_INSPECTOR], full_name="赵所员")
    make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER])
    make_user("songjiang", org["songjiang"], [roles.DISTRICT_OFFICER])
    for station in ("zhangjiang", "yexie"):
        for n in range(6):
            _fresh_entity(org[station], f"{station}演示{n}")
    line = demo_data.build(io.StringIO())
    assert line and "检查记录" in line and "10 次检查" in line and "6 条已公示" in line
    count = Inspection.objects.count()
    assert count == 2 * 5  # four standalone checks and one follow-up per station
    assert Rectification.objects.filter(state="rectified").count() == 2
    assert Rectification.objects.filter(state="ordered").count() == 2
    assert Inspection.objects.filter(published_on__isnull=False).count() == 2 * 3
    assert InspectionRecord.objects.count() == count
    assert demo_data.build(io.StringIO()) is None
    assert Inspection.objects.count() == count
