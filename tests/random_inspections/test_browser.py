"""In a real browser: a district officer creates a plan and draws it (desktop), a station
inspector of the drawn team records the inspection (phone, the inspections app's page), the
draw is published and verified on the public page, and the result is on the public results."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from tests.random_inspections.conftest import list_entity, make_entity
from zhijian.core import roles
from zhijian.random_inspections import services
from zhijian.random_inspections.models import Plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org, make_user):
    from zhijian.supervision.models import SupervisionItem

    officer = make_user("pudong", org["pudong"], [roles.DISTRICT_OFFICER], full_name="李浦东")
    team = []
    for i, name in enumerate(("张所员", "钱所员")):
        user = make_user(
            f"zj{i}", org["zhangjiang"], [roles.STATION_INSPECTOR], full_name=name,
            badge_number=f"3101151250{i}",
        )  # fmt: skip
        services.save_inspector(user, by=officer, expertise=["登记注册"])
        team.append(user)
    target = make_entity(org["zhangjiang"], "张江抽查样本有限公司")
    list_entity(target, "经营异常名录")  # class C
    for _ in range(5):
        make_entity(org["huamu"])  # class A: none drawn at ratio 0
    SupervisionItem.objects.create(
        code="DJGL-001", name="登记事项和公示信息检查",
        legal_basis="《企业信息公示暂行条例》第十四条", department="登记注册处",
        checklist=[{"key": "address", "question": "住所与登记是否一致"}],
    )  # fmt: skip
    return {"officer": officer, "team": team, "target": target}


def test_plan_draw_record_publish_verify(live_server, desktop, phone, world):
    base = live_server.url
    page = desktop
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before draw and publish
    sign_in(page, base, "pudong")
    page.wait_for_selector("[data-testid=todo-count]")
    page.click("nav >> text=抽查计划")
    page.wait_for_selector("table.table")
    page.click("text=新增")
    page.fill("#id_name", "2026年张江企业公示信息抽查")
    page.select_option("#id_item", label="DJGL-001 登记事项和公示信息检查")
    page.check("#id_override_ratios")
    for cls, value in (("a", "0"), ("b", "0.05"), ("c", "0.5"), ("d", "1")):
        page.fill(f"#id_ratio_{cls}", value)
    page.fill("#id_due_days", "10")
    screenshot(page, "random-plan-form-desktop")
    page.click("main form.form button[type=submit]")
    page.wait_for_selector("[data-testid=plan-state]")
    assert page.inner_text("[data-testid=plan-state]") == "待抽取"
    page.fill("#id_public_random", "体彩排列5第26041期 3 8 1 7 5")
    page.fill("#id_public_random_source", "中国体育彩票排列5第26041期")
    page.click("[data-testid=draw-button]")
    page.wait_for_selector("[data-testid=publication]")
    assert "已抽取 1 户" in page.content()
    assert world["target"].uscc in page.content()
    screenshot(page, "random-draw-desktop")
    page.click("[data-testid=publish-button]")
    page.wait_for_selector("[data-testid=publication]:has-text('已于')")
    plan = Plan.objects.get()
    record = plan.current_draw()
    team = record.result[0]["inspectors"]
    assert sorted(team) == sorted(u.badge_number for u in world["team"])

    # phone: the lead inspector of the drawn team records the inspection (inspections app)
    from zhijian.supervision.models import Task

    task = Task.objects.get(source="random", entity=world["target"])
    assert task.assignee is not None and task.unit_id == world["target"].unit_id
    other = next(u for u in world["team"] if u.pk != task.assignee_id)
    sign_in(phone, base, task.assignee.username)
    phone.wait_for_selector("[data-testid=todo-count]")
    phone.goto(f"{base}/inspections/m/")
    phone.wait_for_selector("[data-testid=my-tasks]")
    assert world["target"].name in phone.content()
    phone.click(f"[data-testid=record-{task.pk}]")
    phone.wait_for_selector("#record-form")
    phone.wait_for_load_state("load")
    phone.check(f"input[name=inspectors][value='{other.pk}']")
    phone.check("input[name=answer_address][value=conforming]")
    phone.select_option("#id_outcome", "未发现问题")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the recording form is wider than the phone: {width}px"
    screenshot(phone, "random-record-phone")
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=submit-status]:has-text('检查已提交')", timeout=30_000)
    task.refresh_from_db()
    assert task.state == "done"

    # the inspection result is published (inspections app) and appears on its public page
    from zhijian.inspections import services as inspection_services
    from zhijian.inspections.models import Inspection

    inspection = Inspection.objects.get()
    inspection_services.publish([inspection], user=world["officer"])
    public = desktop
    public.goto(f"{base}/inspections/public/?q={world['target'].uscc}")
    public.wait_for_selector("[data-testid=public-results]")
    assert world["target"].name in public.inner_text("[data-testid=public-results]")

    # the draw's public page (no sign-in needed), verified in the browser by the server
    anonymous = phone.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    visitor = anonymous.new_page()
    visitor.goto(f"{base}/random-inspections/public/")
    visitor.click(f"text={plan.name}")
    visitor.wait_for_selector("[data-testid=public-result]")
    text = visitor.inner_text("[data-testid=public-result]")
    assert world["target"].uscc in text and world["target"].name in text
    assert "张所员" not in text and "钱所员" not in text  # inspectors masked
    assert "张**" in text and "钱**" in text
    visitor.click("[data-testid=verify-button]")
    visitor.wait_for_selector("[data-verify-result][data-state=ok]")
    assert "复核一致" in visitor.inner_text("[data-verify-result]")
    width = visitor.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the public page is wider than the phone: {width}px"
    screenshot(visitor, "random-public-phone")
    anonymous.close()
