"""In a real browser: a station inspector finds a warning task among the to-dos on a phone,
opens the warning and closes it with a disposition; a district officer reads the warning
centre and its statistics on a desktop."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from tests.scope_world import _entity
from zhijian.rules import engine
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import Warning
from zhijian.supervision.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def warning(org, people):
    entity = _entity(org["zhangjiang"], "巨额注册资本")
    entity.registered_capital = 500000
    entity.save()
    engine.run_rule(all_rules()["very_high_registered_capital"], dt.date.today())
    return Warning.objects.get(entity=entity)


def test_inspector_closes_a_warning_with_a_disposition(live_server, desktop, phone, warning):
    page = phone
    sign_in(page, live_server.url, "zhang")
    page.wait_for_selector("[data-testid=todo-count]")
    assert page.inner_text("[data-testid=todo-count]") == "1"
    page.click("[data-testid='todo-supervision.tasks']")
    page.click(f"text={warning.task.number}")
    page.click("[data-testid=warning-link]")
    page.wait_for_selector("[data-testid=dispose-form]")
    assert "超高额注册资本" in page.content() and "500000" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.click("[data-testid=dispose-button]")  # nothing chosen: an inline Chinese error
    page.wait_for_selector("text=请选择处置结果")
    screenshot(page, "warning-dispose-error-phone")
    page.check("input[name=disposition][value=rectified]")
    page.fill("#id_note", "已责令企业说明注册资本情况，已整改")
    page.click("[data-testid=dispose-button]")
    page.wait_for_selector("[data-testid=disposition]")
    assert "已整改" in page.inner_text("[data-testid=disposition]")
    screenshot(page, "warning-closed-phone")
    warning.refresh_from_db()
    assert warning.state == Warning.State.CLOSED and warning.disposition == "rectified"
    assert Task.objects.get(pk=warning.task_id).state == Task.State.DONE

    page = desktop
    sign_in(page, live_server.url, "pudong")
    page.goto(f"{live_server.url}/warnings/")
    page.wait_for_selector("text=巨额注册资本有限公司")
    screenshot(page, "warning-list-desktop")
    page.goto(f"{live_server.url}/warnings/statistics/")
    page.wait_for_selector("[data-testid=by-rule]")
    screenshot(page, "warning-statistics-desktop")
