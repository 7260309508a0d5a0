"""Every kind of action leaves a record: who, unit, when, address, action, object, changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from tests.audit.helpers import records_since
from tests.conftest import PASSWORD
from zhijian.audit import services
from zhijian.audit.models import Action, AuditRecord, action_label, register_action
from zhijian.core import context, masking, roles
from zhijian.core import services as core_services
from zhijian.core.models import OrgUnit, User

pytestmark = pytest.mark.django_db


def only(records, **attrs):
    found = [r for r in records if all(getattr(r, k) == v for k, v in attrs.items())]
    assert len(found) == 1, (attrs, [(r.action, r.object_type, r.changes) for r in records])
    return found[0]


def assert_who(record, user, ip="10.1.2.3", channel="web"):
    assert record.actor_id == user.pk
    assert record.actor_username == user.username
    assert record.unit_id == user.unit_id
    assert record.unit_code == user.unit.code
    assert record.ip == ip
    assert record.channel == channel
    assert abs(timezone.now() - record.created_at) < dt.timedelta(minutes=1)


# --- model writes --------------------------------------------------------------------------


def test_create_update_delete_with_who_and_before_after(org, inspector, as_inspector):
    from tests.conftest import make_unit

    start = services.checkpoint()[0]
    unit = make_unit("310115999", "测试所", OrgUnit.Kind.STATION, org["pudong"])
    created = only(records_since(start), action="create", object_type="core.orgunit")
    assert_who(created, inspector)
    assert created.object_id == str(unit.pk)
    assert created.object_repr == "测试所"
    snap = created.changes_data
    assert snap["code"] == "310115999"
    assert snap["parent"] == org["pudong"].pk  # foreign keys as the pk
    assert snap["path"] == "310000/310115/310115999/"
    assert snap["created_at"].endswith("Z")

    start = services.checkpoint()[0]
    unit.name = "张江测试所"
    unit.sort_order = 7
    unit.save()
    update = only(records_since(start), action="update")
    assert_who(update, inspector)
    assert update.changes_data == {"name": ["测试所", "张江测试所"], "sort_order": [0, 7]}
    assert update.object_repr == "张江测试所"

    start = services.checkpoint()[0]
    pk = unit.pk
    unit.delete()
    deleted = only(records_since(start), action="delete")
    assert_who(deleted, inspector)
    assert deleted.object_id == str(pk)
    assert deleted.changes_data["name"] == "张江测试所"
    assert deleted.action_label == "删除"


def test_save_without_changes_and_last_login_leave_no_record(org, inspector, mark):
    inspector.save()
    inspector.last_login = timezone.now()
    inspector.save(update_fields=["last_login"])
    assert records_since(mark) == []


def test_update_fields_limits_the_comparison(org, inspector, mark):
    inspector.full_name = "改名"
    inspector.badge_number = "31001"
    inspector.save(update_fields=["badge_number"])
    update = only(records_since(mark), action="update")
    assert update.changes_data == {"badge_number": ["", "31001"]}


def test_personal_data_masked_and_password_never_stored(org, make_user, mark):
    user = make_user(
        "wang",
        org["pudong"],
        [roles.DISTRICT_OFFICER],
        mobile="13912345678",
        id_number="31011519900101123X",
    )
    created = only(records_since(mark), action="create", object_type="core.user")
    snap = created.changes_data
    assert snap["mobile"] == "139****5678"
    assert snap["id_number"] == "310***********123X"
    assert snap["password"] == services.SECRET_SET
    for record in AuditRecord.objects.filter(seq__gt=mark):
        text = record.changes + record.detail
        assert "13912345678" not in text
        assert "31011519900101123X" not in text
        assert user.password not in text
        assert "argon2" not in text

    start = services.checkpoint()[0]
    user.mobile = "13700000001"
    user.save()
    core_services.change_password(user, "Another-Passw0rd!")
    records = records_since(start)
    mobile = only(records, action="update", changes='{"mobile":["139****5678","137****0001"]}')
    assert mobile.object_id == str(user.pk)
    password = [r for r in records if "password" in r.changes_data]
    assert len(password) == 1
    assert password[0].changes_data["password"] == [services.SECRET_HIDDEN, services.SECRET_CHANGED]
    user.refresh_from_db()
    assert all(user.password not in r.changes for r in records)


def test_roles_are_many_to_many_changes_with_names(org, inspector, mark):
    core_services.set_roles(inspector, [roles.STATION_INSPECTOR, roles.AUDITOR])
    record = only(records_since(mark), action="update", object_type="core.user")
    auditor_group = Group.objects.get(role__code=roles.AUDITOR)
    inspector_group = Group.objects.get(role__code=roles.STATION_INSPECTOR)
    before, after = record.changes_data["groups"]
    assert before == [inspector_group.pk]
    assert sorted(after) == sorted([inspector_group.pk, auditor_group.pk])
    assert record.detail_data == {"added": ["安全审计员"], "removed": []}

    start = services.checkpoint()[0]
    inspector.groups.clear()
    cleared = only(records_since(start), action="update")
    assert cleared.changes_data["groups"][1] == []
    assert sorted(cleared.detail_data["removed"]) == sorted(["安全审计员", "监管所执法人员"])


def test_auth_group_and_permission_changes_are_audited(db, mark):
    group = Group.objects.create(name="临时组")
    perm = Permission.objects.get(codename="view_orgunit")
    group.permissions.add(perm)
    perm.name = "查看机构"
    perm.save()
    records = records_since(mark)
    only(records, action="create", object_type="auth.group")
    m2m = only(records, action="update", object_type="auth.group")
    assert m2m.changes_data == {"permissions": [[], [perm.pk]]}
    changed = only(records, action="update", object_type="auth.permission")
    assert changed.changes_data["name"][1] == "查看机构"
    assert changed.channel == "system"
    assert changed.actor_username == ""


def test_audit_tables_and_non_project_models_are_not_audited(org, inspector, mark):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["x"] = 1
    session.save()
    services.log("export", object_type="core.user", detail={"rows": 3})
    records = records_since(mark)
    assert [r.action for r in records] == ["export"]
    assert not AuditRecord.objects.filter(object_type__startswith="audit.").exists()
    assert not AuditRecord.objects.filter(object_type__startswith="sessions.").exists()


# --- explicit records: unmask, export, import, app actions ----------------------------------------


def test_unmasked_view_is_recorded(org, make_user, inspector, mark):
    viewer = make_user("viewer", org["city"], [roles.CITY_OFFICER])
    viewer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    viewer = User.objects.get(pk=viewer.pk)
    start = services.checkpoint()[0]
    with context.acting_as(context.context_for_user(viewer, ip="10.9.0.1")):
        assert masking.reveal(viewer, inspector, "mobile") == "13812345678"
    record = only(records_since(start), action="unmask")
    assert record.actor_username == "viewer"
    assert record.unit_code == "310000"
    assert record.ip == "10.9.0.1"
    assert record.object_type == "core.user"
    assert record.object_id == str(inspector.pk)
    assert record.detail_data == {"field": "mobile"}
    assert "13812345678" not in record.changes + record.detail
    assert record.action_label == "查看个人信息"


def test_unmask_and_export_through_the_web(org, make_user, inspector):
    viewer = make_user("viewer", org["city"], [roles.SYSADMIN])
    viewer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    client = Client(REMOTE_ADDR="10.7.7.7")
    client.force_login(viewer)
    start = services.checkpoint()[0]
    url = f"/unmask/core/user/{inspector.pk}/id_number/"
    response = client.post(url, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200
    record = only(records_since(start), action="unmask")
    assert (record.actor_username, record.ip, record.channel) == ("viewer", "10.7.7.7", "web")
    assert record.object_id == str(inspector.pk)

    start = services.checkpoint()[0]
    response = client.get("/users/?export=csv", REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    export = only(records_since(start), action="export")
    assert export.object_type == "core.user"
    assert export.detail_data["format"] == "csv"
    assert export.detail_data["rows"] >= 2
    assert (export.actor_username, export.unit_code, export.ip) == ("viewer", "310000", "10.7.7.7")


def test_import_summary_and_app_specific_actions(db, mark):
    with context.acting_as(context.cli_context()):
        services.log(
            Action.IMPORT,
            object_type="registry.entity",
            detail={"file": "entities.csv", "created": 1200, "rejected": 4},
        )
    register_action("print_notice", "打印文书")
    services.log("print_notice", object_type="cases.case", object_id="7")
    first, second = records_since(mark)
    assert first.channel == "cli"
    assert first.actor_username.startswith("cli:")
    assert first.unit_id is None
    assert first.action_label == "导入"
    assert second.action_label == "打印文书"
    assert action_label("unknown") == "unknown"
    assert second.channel == "system"


def test_values_survive_the_database_round_trip_and_verify(db, mark):
    odd = "含\x00空字符、表情😀、引号\"'、换行\r\n、反斜杠\\ 以及很长的文本" + "长" * 500
    services.log(
        "update",
        object_type="x.y",
        object_id="1" * 100,
        object_repr=odd,
        changes={"a": [1.5, float("nan")], "b": {"z": 1, "a": [dt.date(2026, 1, 1), None]}},
        detail=odd,
    )
    record = AuditRecord.objects.get(seq=mark + 1)
    assert len(record.object_id) == 64
    assert len(record.object_repr) == 200
    assert "\x00" not in record.detail
    assert record.changes_data == {"a": [1.5, "nan"], "b": {"a": ["2026-01-01", None], "z": 1}}
    assert services.verify_chain().ok


# --- logins ---------------------------------------------------------------------------------


def post_login(client, username, password, ip):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_logout_and_failed_login(org, inspector, mark):
    client = Client()
    assert post_login(client, "inspector", "wrong-Passw0rd", "10.0.0.5").status_code == 200
    failed = only(records_since(mark), action="login_failed")
    assert failed.actor_id is None
    assert failed.actor_username == "inspector"
    assert failed.unit_code == "310115125"  # the account's unit: its auditors see it
    assert failed.ip == "10.0.0.5"
    assert failed.object_id == str(inspector.pk)
    assert "wrong" not in failed.changes + failed.detail

    start = services.checkpoint()[0]
    assert post_login(client, "inspector", PASSWORD, "10.0.0.6").status_code == 302
    records = records_since(start)
    assert [r.action for r in records] == ["login"]  # last_login is not a separate update
    assert_who(records[0], inspector, ip="10.0.0.6")
    assert records[0].object_id == str(inspector.pk)

    start = services.checkpoint()[0]
    client.post("/logout/", REMOTE_ADDR="10.0.0.6")
    logout = only(records_since(start), action="logout")
    assert_who(logout, inspector, ip="10.0.0.6")


def test_failed_login_of_unknown_user(db, mark):
    post_login(Client(), "no-such-user", "x", "10.0.0.9")
    failed = only(records_since(mark), action="login_failed")
    assert failed.actor_username == "no-such-user"
    assert failed.unit_id is None
    assert failed.object_type == "core.user"
    assert failed.object_id == ""
    assert failed.detail_data == {"unknown_user": True}


def test_lockout_is_recorded(org, inspector, mark):
    for i in range(5):
        post_login(Client(), "inspector", "wrong-Passw0rd", f"10.0.3.{i}")
    records = records_since(mark)
    assert [r.action for r in records].count("login_failed") == 5
    lockout = only(records, action="lockout")
    assert lockout.actor_username == "inspector"
    assert lockout.unit_code == "310115125"
    assert lockout.ip == "10.0.3.4"
    assert lockout.action_label == "账号锁定"
    assert services.verify_chain().ok


# --- the admin --------------------------------------------------------------------------------


def test_admin_changes_are_audited(org, make_user, mark):
    admin_user = make_user("root", None, [], is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="10.8.8.8")
    client.force_login(admin_user)
    unit = org["huamu"]
    start = services.checkpoint()[0]
    response = client.post(
        f"/admin/core/orgunit/{unit.pk}/change/",
        {
            "code": unit.code,
            "name": "花木所（改）",
            "short_name": unit.short_name,
            "kind": unit.kind,
            "parent": unit.parent_id,
            "sort_order": 3,
            "is_active": "on",
        },
        REMOTE_ADDR="10.8.8.8",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = only(records_since(start), action="update", object_type="core.orgunit")
    assert update.changes_data["name"] == ["花木市场监督管理所", "花木所（改）"]
    assert update.changes_data["sort_order"] == [0, 3]
    assert (update.actor_username, update.ip, update.unit_id) == ("root", "10.8.8.8", None)

    group = Group.objects.create(name="待删除")
    start = services.checkpoint()[0]
    response = client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    if response.status_code == 404:  # auth.Group is not registered in this admin
        group.delete()
    deleted = only(records_since(start), action="delete", object_type="auth.group")
    assert deleted.changes_data["name"] == "待删除"


def test_personal_data_in_the_object_text_is_masked(org, make_user, mark):
    make_user("li", org["pudong"], [], full_name="李四 13912345678", mobile="13912345678")
    created = only(records_since(mark), action="create", object_type="core.user")
    assert created.object_repr == "李四 139****5678"


def test_station_streets_are_many_to_many_changes(org):
    from zhijian.dictionaries.models import Division

    street = Division.objects.filter(code="310115125").first() or Division.objects.create(
        code="310115125", name="张江镇", level="street"
    )
    start = services.checkpoint()[0]
    org["zhangjiang"].streets.add(street)
    record = only(records_since(start), action="update", object_type="core.orgunit")
    assert record.object_id == str(org["zhangjiang"].pk)
    assert record.changes_data == {"streets": [[], ["310115125"]]}
    assert record.detail_data == {"added": [str(street)], "removed": []}


def test_new_instance_with_an_existing_pk_is_an_update(org, mark):
    unit = org["yexie"]
    same = OrgUnit(
        pk=unit.pk,
        code=unit.code,
        name="叶榭所",
        short_name=unit.short_name,
        kind=unit.kind,
        parent=unit.parent,
        path=unit.path,
        created_at=unit.created_at,
    )
    same.save()
    record = only(records_since(mark), object_type="core.orgunit")
    assert record.action == "update"
    assert record.changes_data == {"name": ["叶榭市场监督管理所", "叶榭所"]}


def test_deleting_a_partly_loaded_object(org, mark):
    group = Group.objects.create(name="部分加载")
    start = services.checkpoint()[0]
    Group.objects.only("id").get(pk=group.pk).delete()
    deleted = only(records_since(start), action="delete")
    assert deleted.changes_data == {"id": group.pk, "name": "部分加载"}
    assert deleted.object_repr == "部分加载"
