"""The parameters admin page (参数设置): value in force, history, dated values, permission."""

from __future__ import annotations

import pytest
from django.test import Client

from zhijian.audit.models import AuditRecord
from zhijian.core import roles
from zhijian.dictionaries import parameters
from zhijian.dictionaries.models import ParameterValue

pytestmark = pytest.mark.django_db

KEY = "random_inspections.class_ratios"


@pytest.fixture
def city_officer(org, make_user):
    return make_user("city_officer", org["city"], [roles.CITY_OFFICER])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_declared_parameters_with_value_in_force(city_officer):
    page = signed_in(city_officer).get("/dictionaries/parameters/").content.decode()
    assert KEY in page and "双随机抽查比例" in page
    assert "默认值" in page and "林甸县" in page  # the default's source


def test_add_a_dated_value_then_it_is_in_force_and_kept_in_history(city_officer):
    client = signed_in(city_officer)
    url = f"/dictionaries/parameters/{KEY}/new/"
    assert "现行取值" in client.get(url).content.decode()
    response = client.post(
        url,
        {"value": '{"A": 0.03, "B": 0.1, "C": 0.4, "D": 1}', "effective_from": "2026-01-01",
         "source": "本局2026年第1号决定"},
    )  # fmt: skip
    assert response.status_code == 302
    assert parameters.value(KEY) == {"A": 0.03, "B": 0.1, "C": 0.4, "D": 1.0}
    assert AuditRecord.objects.filter(
        action="create", object_type="dictionaries.parametervalue"
    ).exists()
    page = client.get("/dictionaries/parameters/").content.decode()
    assert "本局2026年第1号决定" in page and "2026-01-01" in page


@pytest.mark.parametrize(
    ("value", "source", "effective_from", "message"),
    [
        ("{A: 0.1}", "决定", "2026-01-01", "取值应为 JSON 格式"),
        ('{"A": 0.1}', "决定", "2026-01-01", "取值应包含且仅包含：A、B、C、D"),
        ('{"A": 2, "B": 0.1, "C": 0.4, "D": 1}', "决定", "2026-01-01", "比例应为0到1之间的数"),
        ('{"A": 0.1, "B": 0.1, "C": 0.4, "D": 1}', " ", "2026-01-01", "该字段是必填项"),
        ('{"A": 0.1, "B": 0.1, "C": 0.4, "D": 1}', "决定", "", "该字段是必填项"),
    ],
)
def test_bad_values_get_chinese_errors(city_officer, value, source, effective_from, message):
    response = signed_in(city_officer).post(
        f"/dictionaries/parameters/{KEY}/new/",
        {"value": value, "effective_from": effective_from, "source": source},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ParameterValue.objects.exists()


def test_a_second_value_on_the_same_day_is_refused(city_officer):
    parameters.set_value(KEY, {"A": 0.1, "B": 0.1, "C": 0.4, "D": 1}, parse("2026-01-01"),
                         source="第一次")  # fmt: skip
    response = signed_in(city_officer).post(
        f"/dictionaries/parameters/{KEY}/new/",
        {"value": '{"A": 0.2, "B": 0.1, "C": 0.4, "D": 1}', "effective_from": "2026-01-01",
         "source": "第二次"},
    )  # fmt: skip
    assert "已有取值，请选择其他生效日期" in response.content.decode()


def parse(text):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_permission_city_officer_and_sysadmin_only(org, make_user, sysadmin):
    district = make_user("district", org["pudong"], [roles.DISTRICT_OFFICER])
    assert signed_in(district).get("/dictionaries/parameters/").status_code == 403
    assert signed_in(district).get(f"/dictionaries/parameters/{KEY}/new/").status_code == 403
    assert signed_in(sysadmin).get("/dictionaries/parameters/").status_code == 200
    assert signed_in(sysadmin).get("/dictionaries/parameters/nope/new/").status_code == 404
    assert Client().get("/dictionaries/parameters/").status_code == 302  # sign in first
