"""Shared fixtures: a small organisation tree and users of every role."""

from __future__ import annotations

import pytest

from zhijian.core import roles, services
from zhijian.core.models import OrgUnit

PASSWORD = "Zj-test-Passw0rd"


def make_unit(code, name, kind, parent=None):
    return services.save_unit(
        OrgUnit(code=code, name=name, short_name=name, kind=kind, parent=parent)
    )


@pytest.fixture
def org(db):
    """City → two districts (浦东 310115, 松江 310117) → stations."""
    city = make_unit("310000", "上海市市场监督管理局", OrgUnit.Kind.CITY)
    pudong = make_unit("310115", "浦东新区市场监督管理局", OrgUnit.Kind.DISTRICT, city)
    songjiang = make_unit("310117", "松江区市场监督管理局", OrgUnit.Kind.DISTRICT, city)
    zhangjiang = make_unit("310115125", "张江市场监督管理所", OrgUnit.Kind.STATION, pudong)
    huamu = make_unit("310115016", "花木市场监督管理所", OrgUnit.Kind.STATION, pudong)
    yexie = make_unit("310117120", "叶榭市场监督管理所", OrgUnit.Kind.STATION, songjiang)
    return {
        "city": city,
        "pudong": pudong,
        "songjiang": songjiang,
        "zhangjiang": zhangjiang,
        "huamu": huamu,
        "yexie": yexie,
    }


@pytest.fixture
def make_user(db):
    def _make(username, unit, role_codes=(), *, must_change=False, password=PASSWORD, **fields):
        user, _ = services.create_user(
            username=username,
            unit=unit,
            roles=list(role_codes),
            password=password,
            must_change_password=must_change,
            **fields,
        )
        return user

    return _make


@pytest.fixture
def sysadmin(org, make_user):
    return make_user("admin", org["city"], [roles.SYSADMIN])


@pytest.fixture
def auditor(org, make_user):
    return make_user("auditor", org["city"], [roles.AUDITOR])


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches (dictionaries, unit index) outlive a test's rolled-back transaction:
    drop them around every test so that no test sees another test's rows."""
    from zhijian.dictionaries.services import clear_caches
    from zhijian.registry.location import clear_cache

    clear_caches()
    clear_cache()
    yield
    clear_caches()
    clear_cache()
