"""Dual notification in a real browser: a department user signs for and answers a notification
and claims an unmatched event (desktop); a bureau officer reads the list and the notice to the
entity on a phone."""

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from zhijian.dual_notification import services
from zhijian.dual_notification.models import Notification, ScopeEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(make_entity, people):
    hotel = make_entity(
        "海景酒店管理有限公司", "许可项目：住宿服务。一般项目：酒店管理", industry="6121"
    )
    soft = make_entity("云端软件有限公司", "一般项目：软件开发；宠物美容服务")
    services.notify_for_entity(hotel, ScopeEvent.Kind.ESTABLISHED)
    services.notify_for_entity(soft, ScopeEvent.Kind.ESTABLISHED)
    return {"hotel": hotel.scope_events.get().pk, "soft": soft.scope_events.get().pk}


def test_department_user_reads_answers_and_claims(live_server, desktop, phone, world, people):
    base = live_server.url
    page = desktop
    sign_in(page, base, "wjw")
    page.goto(f"{base}/dual-notification/")
    page.wait_for_selector("table.table")
    listing = page.inner_text("main")
    assert "海景酒店管理有限公司" in listing and "上海市公安局" not in listing
    screenshot(page, "dual-notification-list-desktop")
    page.click("table.table >> text=海景酒店管理有限公司")
    page.click("[data-testid=read-button]")
    page.wait_for_selector("text=已签收。")
    notice = Notification.objects.get(department__code="WJW", via="rule")
    assert notice.state == Notification.State.READ and notice.read_by == people["wjw"]
    page.select_option("#id_feedback", "other")
    page.click("[data-testid=feedback-button]")
    page.wait_for_selector("text=反馈结果为“其他”时必须填写反馈说明")
    screenshot(page, "dual-notification-feedback-error-desktop")
    page.select_option("#id_feedback", "licensed")
    page.fill("#id_note", "已核发公共场所卫生许可证")
    page.click("[data-testid=feedback-button]")
    page.wait_for_selector("text=反馈已提交。")
    assert page.inner_text("[data-testid=notice-state]") == "已反馈"
    screenshot(page, "dual-notification-detail-desktop")
    notice.refresh_from_db()
    assert notice.state == Notification.State.FEEDBACK
    assert notice.feedback_note == "已核发公共场所卫生许可证"
    page.goto(f"{base}/dual-notification/unmatched/")
    page.click("table.table >> text=云端软件有限公司")
    page.fill("#id_licence", "动物诊疗许可证")
    page.click("[data-testid=claim-button]")
    page.wait_for_selector("text=已认领。")
    screenshot(page, "dual-notification-claimed-desktop")
    claimed = Notification.objects.get(department__code="WJW", via="claim")
    assert claimed.licence == "动物诊疗许可证" and claimed.event_id == world["soft"]

    page = phone
    sign_in(page, base, "city")
    page.goto(f"{base}/dual-notification/")
    page.wait_for_selector("[data-testid=dn-stats]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is wider than the phone: {width}px"
    screenshot(page, "dual-notification-list-phone")
    page.goto(f"{base}/dual-notification/events/{world['hotel']}/")
    page.wait_for_selector("#entity-notice")
    assert "公共场所卫生许可证" in page.inner_text("#entity-notice")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "dual-notification-event-phone")
