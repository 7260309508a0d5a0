"""Campaigns in a real browser: a district officer creates a campaign (a Chinese error first),
generates its tasks and reads the progress; the detail on a phone."""

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from zhijian.campaigns.models import Campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_officer_creates_a_campaign(live_server, desktop, phone, people, items, register):
    base = live_server.url
    page = desktop
    sign_in(page, base, "pudong")
    page.goto(f"{base}/campaigns/new/")
    page.fill("#id_name", "校园周边餐饮专项整治")
    page.fill("#id_basis", "沪市监食经〔2026〕3号")
    page.fill("#id_starts_on", "2026-03-02")
    page.fill("#id_ends_on", "2026-03-01")
    page.fill("#id_industry", "62")
    page.click("main form.form button[type=submit]")
    page.wait_for_selector(".field.has-error")
    text = page.inner_text("main")
    assert "结束日期不能早于开始日期" in text and "请至少选择一个检查事项" in text
    screenshot(page, "campaign-form-error-desktop")
    page.fill("#id_ends_on", "2099-06-30")
    page.check(f"input[name=items][value='{items[0].pk}']")
    page.click("main form.form button[type=submit]")
    page.wait_for_selector("[data-testid=generate-button]")
    assert "筛选出整治对象 3 户" in page.inner_text("main")
    page.click("[data-testid=generate-button]")
    page.wait_for_selector("text=已生成监管任务 3 件")
    assert page.inner_text("[data-testid=campaign-state]") == "进行中"
    progress = page.inner_text("[data-testid=progress]")
    assert "张江市场监督管理所" in progress and "花木市场监督管理所" in progress
    screenshot(page, "campaign-detail-desktop")
    detail_url = page.url

    page = phone
    sign_in(page, base, "pudong")
    page.goto(detail_url)
    page.wait_for_selector("[data-testid=progress]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is wider than the phone: {width}px"
    screenshot(page, "campaign-detail-phone")

    campaign = Campaign.objects.get(name="校园周边餐饮专项整治")
    assert campaign.targets.filter(task__isnull=False).count() == 3
