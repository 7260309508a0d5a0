"""Fixtures: officers and inspectors of the test org tree; browser fixtures."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser, desktop, phone  # noqa: F401 (browser fixtures)
from zhijian.core import roles


@pytest.fixture
def people(org, make_user):
    return {
        "city": make_user("city", org["city"], [roles.CITY_OFFICER], full_name="王市局"),
        "pudong": make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER], full_name="李浦东"),
        "songjiang": make_user(
            "songjiang", org["songjiang"], [roles.DISTRICT_OFFICER], full_name="陈松江"
        ),
        "zhang": make_user(
            "zhang", org["zhangjiang"], [roles.STATION_INSPECTOR], full_name="张所员"
        ),
        "huamu": make_user("huamu", org["huamu"], [roles.STATION_INSPECTOR], full_name="孙所员"),
    }
