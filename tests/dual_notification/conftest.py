"""Fixtures: departments, rules, entities with business scopes, department and bureau users."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import browser, desktop, phone  # noqa: F401 (browser fixtures)
from zhijian.core import roles
from zhijian.core.identifiers import uscc_check_char
from zhijian.dual_notification import services
from zhijian.dual_notification.models import Department, ScopeRule
from zhijian.registry.models import Entity

_numbers = itertools.count(1)


@pytest.fixture
def departments(db):
    """The default departments (seeded by migration 0002; again after a flush) by code."""
    services.seed_defaults()
    return {d.code: d for d in Department.objects.all()}


@pytest.fixture
def make_entity(org):
    def _make(name, scope="", *, unit=None, industry="", established_on="2025-03-03", **fields):
        body = f"913101{next(_numbers):09d}MA"[:17]
        fields.setdefault("status", Entity.Status.ACTIVE)
        return Entity.objects.create(
            uscc=body + uscc_check_char(body),
            name=name,
            kind=Entity.Kind.PRIVATE,
            established_on=established_on,
            legal_rep_name="测试法人",
            address="测试路1号",
            unit=unit or org["zhangjiang"],
            industry=industry,
            business_scope=scope,
            **fields,
        )

    return _make


@pytest.fixture
def people(org, make_user, departments):
    wjw = make_user("wjw", org["city"], [], full_name="卫健委联络员")
    jtw = make_user("jtw", org["city"], [], full_name="交通委联络员")
    services.add_member(wjw, departments["WJW"])
    services.add_member(jtw, departments["JTW"])
    return {
        "city": make_user("city", org["city"], [roles.CITY_OFFICER], full_name="王市局"),
        "pudong": make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER]),
        "zhang": make_user("zhang", org["zhangjiang"], [roles.STATION_INSPECTOR]),
        "yexie": make_user("yexie", org["yexie"], [roles.STATION_INSPECTOR]),
        "admin": make_user("admin", org["city"], [roles.SYSADMIN]),
        "wjw": wjw,
        "jtw": jtw,
    }


@pytest.fixture
def rule(departments):
    def _make(code, keywords="", prefixes="", *, priority=100, section="licensed", **fields):
        return ScopeRule.objects.create(
            department=departments[code],
            keywords=keywords,
            industry_prefixes=prefixes,
            section=section,
            licence=fields.pop("licence", f"{code}许可"),
            priority=priority,
            **fields,
        )

    return _make
