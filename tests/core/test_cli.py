"""The console command and the demo set-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from zhijian.core.models import OrgUnit, User

ZHIJIAN = Path(sys.executable).with_name("zhijian")


def test_console_script_runs_management_commands(tmp_path):
    env = {**os.environ, "ZHIJIAN_VAR_DIR": str(tmp_path), "ZHIJIAN_DATABASE_URL": ""}
    env.pop("ZHIJIAN_DATABASE_URL")
    out = subprocess.run(
        [str(ZHIJIAN), "validate", "uscc", "91350100M000100Y43", "91350100M000100Y4Z"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "91350100M000100Y43\tOK"
    assert out.splitlines()[1].startswith("91350100M000100Y4Z\tINVALID\t")
    help_text = subprocess.run(
        [str(ZHIJIAN), "help"], env=env, capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "demo", "orgs", "audit", "validate", "createadmin", "migrate"):
        assert command in help_text


@pytest.mark.django_db
def test_demo_needs_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="ZHIJIAN_DEMO"):
        call_command("demo", "--no-serve", "--entities", "300")


@pytest.mark.django_db
def test_demo_loads_the_tree_and_logins(settings, capsys, client):
    settings.DEMO_MODE = True
    call_command("demo", "--no-serve", "--entities", "300")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert "admin" in out and "Zhijian@2026" in out
    assert OrgUnit.objects.count() == 251
    assert User.objects.get(username="zhangjiang").unit.short_name == "张江所"
    response = client.post("/login/", {"username": "pudong", "password": "Zhijian@2026"})
    assert response.status_code == 302
    # Running it again changes nothing.
    call_command("demo", "--no-serve", "--entities", "300")
    assert User.objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_createadmin_prints_a_random_password_that_must_be_changed(capsys):
    from zhijian.core import services

    services.load_default_org_tree()
    call_command("createadmin", "chief", "--unit", "310000")
    username, password, _note = capsys.readouterr().out.strip().split("\t")
    user = User.objects.get(username=username)
    assert user.check_password(password) and user.must_change_password
    assert user.has_role("sysadmin")
    with pytest.raises(CommandError, match="机构代码不存在"):
        call_command("createadmin", "x", "--unit", "999999")
