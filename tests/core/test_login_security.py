"""Lockout after 5 failures (by account and by address), idle expiry, headers, CSRF."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from zhijian.core import roles

LOGIN = "/login/"


def login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def inspector(org, make_user):
    return make_user("inspector", org["zhangjiang"], [roles.STATION_INSPECTOR])


def test_account_locks_after_five_failures_for_fifteen_minutes(org, inspector):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(5):
            response = login(Client(), "inspector", "wrong-password", ip=f"10.0.1.{i}")
            assert response.status_code in (200, 429)
        # Even the right password, from a fresh address, is refused while locked.
        response = login(Client(), "inspector", PASSWORD, ip="10.0.2.1")
        assert response.status_code == 429
        assert "锁定" in response.content.decode()
        clock.shift(timedelta(minutes=14))
        assert login(Client(), "inspector", PASSWORD, ip="10.0.2.2").status_code == 429
        clock.shift(timedelta(minutes=2))
        assert login(Client(), "inspector", PASSWORD, ip="10.0.2.3").status_code == 302


def test_address_locks_after_five_failures_across_accounts(org, inspector, make_user):
    make_user("other", org["huamu"], [roles.STATION_INSPECTOR])
    for i in range(5):
        login(Client(), f"nobody{i}", "wrong-password", ip="10.9.9.9")
    # The address is locked even for a valid account that never failed.
    response = login(Client(), "other", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    # The same account from another address is fine.
    assert login(Client(), "other", PASSWORD, ip="10.9.9.10").status_code == 302


def test_four_failures_do_not_lock(org, inspector):
    for _ in range(4):
        login(Client(), "inspector", "wrong-password")
    assert login(Client(), "inspector", PASSWORD).status_code == 302


def test_session_expires_after_thirty_idle_minutes(org, inspector):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert login(client, "inspector", PASSWORD).status_code == 302
        assert client.get(reverse("core:home")).status_code == 200
        # Activity keeps the session alive.
        clock.shift(timedelta(minutes=25))
        assert client.get(reverse("core:home")).status_code == 200
        clock.shift(timedelta(minutes=25))
        assert client.get(reverse("core:home")).status_code == 200
        # 31 idle minutes end it.
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))


def test_security_headers(client, org, inspector):
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    client.force_login(inspector)
    assert client.get(reverse("core:home"))["Cache-Control"] == "no-store"


def test_login_requires_csrf_token(org, inspector):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "inspector", "password": PASSWORD})
    assert response.status_code == 403


def test_session_cookie_flags(org, inspector, settings):
    client = Client()
    response = login(client, "inspector", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_REFRESH_INTERVAL <= 60


def test_secure_cookies_by_default_outside_demo_and_debug():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env["DJANGO_SETTINGS_MODULE"] = "zhijian.settings"
    env["ZHIJIAN_SECRET_KEY"] = "x" * 50
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["True", "True"]
