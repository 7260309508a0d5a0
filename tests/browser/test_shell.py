"""The UI shell in a real browser: sign in, home, navigation, language switch, phone layout."""

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from zhijian.core import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def accounts(org, make_user):
    make_user(
        "pudong",
        org["pudong"],
        [roles.DISTRICT_OFFICER],
        full_name="李浦东",
        mobile="13812345678",
    )
    make_user("admin", org["city"], [roles.SYSADMIN], full_name="管理员")
    make_user("fresh", org["zhangjiang"], [roles.STATION_INSPECTOR], must_change=True)


def sign_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form.form button[type=submit]")


def test_sign_in_home_and_language_switch(live_server, desktop, accounts):
    page = desktop
    sign_in(page, live_server.url, "pudong", "wrong-Passw0rd")
    assert "用户名或密码不正确" in page.content()
    screenshot(page, "login-error-desktop")
    sign_in(page, live_server.url, "pudong")
    page.wait_for_selector("[data-testid=todo-count]")
    assert page.inner_text("[data-testid=todo-count]") == "0"
    assert "李浦东" in page.content()
    screenshot(page, "home-desktop")
    page.click("text=English")
    page.wait_for_load_state()
    assert "Log out" in page.content() or "Sign out" in page.content()
    page.click("text=中文")
    page.wait_for_load_state()
    assert "退出" in page.content()


def test_admin_manages_users_with_the_table_component(live_server, desktop, accounts):
    page = desktop
    sign_in(page, live_server.url, "admin")
    page.click('nav a[href="/users/"]')
    page.wait_for_selector("table.table")
    assert "138****5678" in page.content()
    assert "13812345678" not in page.content()
    screenshot(page, "users-desktop")
    page.fill("#q", "pudong")
    page.click("text=查询")
    page.wait_for_selector("text=共 1 条")
    page.click("table >> text=pudong")
    page.wait_for_selector("text=个人信息")
    screenshot(page, "user-detail-desktop")
    page.click(".actions >> text=修改")
    page.fill("#id_mobile", "123")
    page.click("text=保存")
    page.wait_for_selector(".field.has-error")
    assert "手机" in page.inner_text(".field.has-error")
    screenshot(page, "user-form-error-desktop")


def test_first_login_forces_password_change(live_server, desktop, accounts):
    page = desktop
    sign_in(page, live_server.url, "fresh")
    page.wait_for_url("**/password/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Qx7-new-Secret")
    page.fill("#id_new_password2", "Qx7-new-Secret")
    page.click("main form.form button[type=submit]")
    page.wait_for_selector("[data-testid=todo-count]")


def test_phone_layout(live_server, phone, accounts):
    page = phone
    sign_in(page, live_server.url, "admin")
    page.wait_for_selector("[data-testid=todo-count]")
    screenshot(page, "home-phone")
    # The menu is collapsed on a phone and opens on tap.
    assert not page.is_visible("nav >> text=组织机构")
    page.click("summary")
    page.click("nav >> text=组织机构")
    page.wait_for_selector("table.table")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is wider than the phone: {width}px"
    screenshot(page, "units-phone")
