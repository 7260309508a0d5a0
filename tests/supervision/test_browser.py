"""In a real browser: a district officer delegates a task (desktop); the station's inspector
claims, starts and completes it on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from zhijian.supervision import services
from zhijian.supervision.models import SupervisionItem, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def task(org, people):
    item = SupervisionItem.objects.create(
        code="SPJY-001", name="食品经营许可及经营行为检查",
        legal_basis="《中华人民共和国食品安全法》第三十五条", department="食品经营安全监督管理处",
        checklist=[{"key": "c1", "question": "是否持有有效的食品经营许可证"}],
    )  # fmt: skip
    return services.create_task(
        title="节前食品安全检查", unit=org["pudong"], source=Task.Source.MANUAL, item=item,
        due_days=10, due_basis="本局日常监督检查工作规范",
    )  # fmt: skip


def test_officer_delegates_inspector_claims_and_completes(live_server, desktop, phone, org, task):
    page = desktop
    sign_in(page, live_server.url, "pudong")
    page.click("nav >> text=我的待办")
    page.wait_for_selector("table.table")
    assert task.number in page.content()
    screenshot(page, "supervision-todos-desktop")
    page.click(f"text={task.number}")
    page.wait_for_selector("[data-action=delegate]")
    screenshot(page, "supervision-task-desktop")
    page.select_option("#id_delegate_to_unit", label="张江市场监督管理所")
    page.fill("#id_delegate_note", "请于期限内完成检查")
    page.click("[data-action=delegate] button[type=submit]")
    page.wait_for_selector(".msg-success")
    assert "已下派" in page.content() and "张江市场监督管理所" in page.content()
    task.refresh_from_db()
    assert task.unit == org["zhangjiang"] and task.state == Task.State.ASSIGNED

    page = phone
    sign_in(page, live_server.url, "zhang")
    page.wait_for_selector("[data-testid=todo-count]")
    assert page.inner_text("[data-testid=todo-count]") == "1"
    page.goto(f"{live_server.url}/supervision/")
    page.wait_for_selector(f"text={task.number}")
    screenshot(page, "supervision-todos-phone")
    page.click(f"text={task.number}")
    page.click("[data-action=claim] button[type=submit]")
    page.wait_for_selector("text=已认领")
    page.click("[data-action=start] button[type=submit]")
    page.wait_for_selector("[data-action=complete]")
    screenshot(page, "supervision-task-phone")
    page.fill("#id_complete_note", "现场检查未发现问题")
    page.click("[data-action=complete] button[type=submit]")
    page.wait_for_selector("text=已办结。")
    assert page.inner_text("[data-testid=task-state]") == "已办结"
    screenshot(page, "supervision-task-done-phone")
    task.refresh_from_db()
    assert task.state == Task.State.DONE and task.assignee.username == "zhang"
    assert [e.action for e in task.events.order_by("id")] == [
        "create", "delegate", "claim", "start", "complete",
    ]  # fmt: skip


def test_officer_urges_an_overdue_task_from_the_performance_page(live_server, desktop, phone, org,
                                                                   people):  # fmt: skip
    import datetime as dt

    late = services.create_task(
        title="逾期未办的检查", unit=org["zhangjiang"], source=Task.Source.RANDOM,
        assignee=people["zhang"], due_days=3, start=dt.date(2026, 1, 5),
    )  # fmt: skip
    page = desktop
    sign_in(page, live_server.url, "pudong")
    page.click("nav >> text=效能管理")
    page.wait_for_selector("#overdue")
    assert late.number in page.inner_text("#overdue")
    screenshot(page, "supervision-performance-desktop")
    page.click(f"#overdue tr:has-text('{late.number}') button:has-text('督办')")
    page.wait_for_selector(".msg-success")
    late.refresh_from_db()
    assert late.urged_at is not None
    page = phone
    sign_in(page, live_server.url, "zhang")
    page.goto(f"{live_server.url}/supervision/")
    page.wait_for_selector("text=已督办")
    assert "逾期" in page.content()
    screenshot(page, "supervision-urged-phone")
