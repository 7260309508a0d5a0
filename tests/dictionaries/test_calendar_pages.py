"""Administrators extend the working-day calendar through the platform pages."""

from datetime import date

import pytest
from django.urls import reverse

from zhijian.core import roles
from zhijian.dictionaries.models import CalendarDay, CalendarYear
from zhijian.dictionaries.workdays import add_working_days, deadline_is_provisional

pytestmark = pytest.mark.django_db


def test_admin_adds_a_2027_holiday_and_deadlines_follow(client, sysadmin):
    client.force_login(sysadmin)
    start = date(2026, 12, 30)
    before = add_working_days(start, 2)
    assert before == date(2027, 1, 1)  # not yet known as a holiday: Friday is a working day
    assert deadline_is_provisional(start, before)
    response = client.post(
        reverse("dictionaries:calendar_day_create"),
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "国办发明电〔2026〕"},
    )
    assert response.status_code == 302
    assert add_working_days(start, 2) == date(2027, 1, 4)
    response = client.post(
        reverse("dictionaries:calendar_year_create"),
        {"year": 2027, "complete": "on", "source": "国办"},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).complete
    assert not deadline_is_provisional(start, date(2027, 1, 4))
    page = client.get(reverse("dictionaries:calendar") + "?year=2027")
    assert "元旦" in page.content.decode()


def test_adjusted_working_day_on_a_weekday_is_refused_in_chinese(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("dictionaries:calendar_day_create"),
        {"date": "2027-01-05", "kind": "workday", "name": "调休"},
    )
    assert response.status_code == 200
    assert "周六或周日" in str(response.context["form"].errors)
    assert not CalendarDay.objects.filter(date="2027-01-05").exists()


def test_inspectors_read_the_calendar_but_cannot_change_it(client, org, make_user):
    inspector = make_user("insp", org["zhangjiang"], [roles.STATION_INSPECTOR])
    client.force_login(inspector)
    assert client.get(reverse("dictionaries:calendar")).status_code == 200
    assert client.get(reverse("dictionaries:industry_list") + "?q=稻谷").status_code == 200
    response = client.post(
        reverse("dictionaries:calendar_day_create"), {"date": "2027-01-01", "kind": "holiday"}
    )
    assert response.status_code == 403


def test_dictionary_pages_list_shanghai_divisions_and_industries(client, sysadmin):
    client.force_login(sysadmin)
    body = client.get(reverse("dictionaries:division_list") + "?q=叶榭").content.decode()
    assert "310117120" in body
    body = client.get(reverse("dictionaries:industry_list") + "?parent=011").content.decode()
    assert "稻谷种植" in body and "0111" in body
