"""Auditors browse and filter the audit log (API, pages, admin), within their data scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from zhijian.audit import services
from zhijian.audit.admin import AuditRecordAdmin
from zhijian.audit.models import AuditRecord
from zhijian.core import context, roles

pytestmark = pytest.mark.django_db

API = "/api/v1/audit-records/"


@pytest.fixture
def world(org, make_user):
    """One record per unit, one without a unit, auditors at city, district and station."""
    users = {
        "city": make_user("aud_city", org["city"], [roles.AUDITOR]),
        "pudong": make_user("aud_pudong", org["pudong"], [roles.AUDITOR]),
        "zhangjiang": make_user("aud_zj", org["zhangjiang"], [roles.AUDITOR]),
        "officer": make_user("officer_pd", org["pudong"], [roles.DISTRICT_OFFICER]),
        "sysadmin": make_user("sysadm", org["city"], [roles.SYSADMIN]),
    }
    records = {}
    for key in ("city", "pudong", "zhangjiang", "songjiang", "yexie"):
        unit = org[key]
        ctx = context.ActorContext(None, f"worker_{key}", unit.pk, unit.code, "10.0.0.1", "web")
        records[key] = services.log(
            "update",
            actor=ctx,
            object_type="registry.entity",
            object_id=key,
            object_repr=f"{key} 公司",
        )
    with context.acting_as(context.cli_context()):
        records["none"] = services.log("import", object_type="registry.entity", object_id="cli")
    return users, records


def seen(queryset, records) -> set[str]:
    wanted = {r.seq: k for k, r in records.items()}
    return {wanted[s] for s in queryset.values_list("seq", flat=True) if s in wanted}


def test_scope_follows_the_unit_tree(world):
    users, records = world
    qs = AuditRecord.objects
    assert seen(qs.visible_to(users["city"]), records) == {
        "city",
        "pudong",
        "zhangjiang",
        "songjiang",
        "yexie",
        "none",
    }
    assert seen(qs.visible_to(users["pudong"]), records) == {"pudong", "zhangjiang"}
    assert seen(qs.visible_to(users["zhangjiang"]), records) == {"zhangjiang"}


def test_records_without_unit_only_for_the_root_and_installation_viewers(world, make_user):
    users, records = world
    root = make_user("root", None, [], is_superuser=True)
    nobody = make_user("nobody", None, [roles.AUDITOR])
    assert "none" in seen(AuditRecord.objects.visible_to(root), records)
    assert not AuditRecord.objects.visible_to(nobody).exists()
    assert not AuditRecord.objects.visible_to(None).exists()


def test_api_requires_the_audit_permission(world):
    users, _records = world
    client = APIClient()
    assert client.get(API).status_code == 403
    for key in ("officer", "sysadmin"):  # 三员分立: the administrator does not read the log
        client.force_authenticate(users[key])
        assert client.get(API).status_code == 403


def results(response):
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def test_api_lists_newest_first_within_scope(world):
    users, records = world
    client = APIClient()
    client.force_authenticate(users["pudong"])
    rows = results(client.get(API))
    assert [r["object_id"] for r in rows] == ["zhangjiang", "pudong"]
    assert rows[0]["seq"] > rows[1]["seq"]
    first = rows[0]
    assert first["action"] == "update" and first["action_label"] == "修改"
    assert first["unit_code"] == "310115125"
    assert first["unit_name"] == "张江市场监督管理所"
    assert first["ip"] == "10.0.0.1"
    assert len(first["hash"]) == 64
    # A record outside the scope is not found.
    assert client.get(f"{API}{records['songjiang'].seq}/").status_code == 404
    assert client.get(f"{API}{records['pudong'].seq}/").status_code == 200


def test_api_filters(world, org):
    users, records = world
    client = APIClient()
    client.force_authenticate(users["city"])

    def ids(**params):
        rows = results(client.get(API, params))
        return {r["object_id"] for r in rows if r["object_type"] == "registry.entity"}

    assert ids(action="import") == {"cli"}
    assert ids(username="worker_yexie") == {"yexie"}
    assert ids(unit="310117") == {"songjiang", "yexie"}  # the unit and its subtree
    assert ids(object_type="registry.entity", object_id="pudong") == {"pudong"}
    assert ids(q="zhangjiang 公司") == {"zhangjiang"}
    assert ids(channel="cli") == {"cli"}
    since = records["songjiang"].created_at
    assert ids(since=since.isoformat()) == {"songjiang", "yexie", "cli"}
    assert ids(until=since.isoformat()) == {"city", "pudong", "zhangjiang"}
    today = timezone.localdate()
    assert len(ids(date_from=today.isoformat(), date_to=today.isoformat())) == 6
    tomorrow = today + dt.timedelta(days=1)
    assert ids(date_from=tomorrow.isoformat()) == set()
    rows = results(client.get(API, {"ordering": "seq"}))
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    # A district auditor cannot pick another district's unit.
    client.force_authenticate(users["pudong"])
    assert client.get(API, {"unit": "310117"}).status_code == 400


def test_html_list_and_detail(world, org, make_user, inspector_change):
    users, records = world
    client = Client()
    client.force_login(users["city"])
    response = client.get("/audit/", {"action": "update"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "worker_pudong" in page
    assert "worker_yexie" in page

    record = inspector_change
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "执法证号" in page and "31009" in page
    assert record.hash in page

    client.force_login(users["zhangjiang"])
    assert client.get(records["songjiang"].get_absolute_url()).status_code == 404
    client.force_login(users["sysadmin"])
    assert client.get("/audit/").status_code == 403


@pytest.fixture
def inspector_change(inspector):
    start = services.checkpoint()[0]
    inspector.badge_number = "31009"
    inspector.save()
    return AuditRecord.objects.get(seq=start + 1)


def test_export_of_the_audit_log_is_itself_audited(world):
    users, _records = world
    client = Client()
    client.force_login(users["city"])
    start = services.checkpoint()[0]
    response = client.get("/audit/", {"export": "csv", "action": "update"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "worker_pudong" in body
    export = AuditRecord.objects.get(seq=start + 1)
    assert export.action == "export" and export.object_type == "audit.auditrecord"


def test_admin_is_read_only_even_for_superusers(world, make_user):
    _users, records = world
    root = make_user("root", None, [], is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/audit/auditrecord/").status_code == 200
    seq = records["pudong"].seq
    assert client.get(f"/admin/audit/auditrecord/{seq}/change/").status_code == 200
    assert client.get("/admin/audit/auditrecord/add/").status_code == 403
    assert (
        client.post(f"/admin/audit/auditrecord/{seq}/delete/", {"post": "yes"}).status_code == 403
    )
    assert (
        client.post(f"/admin/audit/auditrecord/{seq}/change/", {"object_repr": "x"}).status_code
        == 403
    )
    assert AuditRecord.objects.get(seq=seq).object_repr == "pudong 公司"
    admin = AuditRecordAdmin(AuditRecord, None)

    class Request:
        user = root

    assert not admin.has_add_permission(Request())
    assert not admin.has_change_permission(Request())
    assert not admin.has_delete_permission(Request())
    assert services.verify_chain().ok
