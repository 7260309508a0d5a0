"""API: items, the to-do list (mine/unit/state/overdue), task detail, transitions."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.supervision import services
from zhijian.supervision.models import SupervisionItem, Task


def _task(unit, **kw):
    kw.setdefault("title", "日常检查")
    kw.setdefault("due_days", 5)
    return services.create_task(unit=unit, source=Task.Source.MANUAL, **kw)


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.django_db
def test_items_list(api, org, people, auditor):
    SupervisionItem.objects.create(
        code="A1", name="广告发布检查", legal_basis="广告法", department="广告处"
    )
    SupervisionItem.objects.create(
        code="B2", name="价格行为检查", legal_basis="价格法", department="价监处", is_active=False
    )
    data = api(people["zhang"]).get("/api/v1/supervision/items/").json()
    assert data["count"] == 2 and data["results"][0]["code"] == "A1"
    data = api(people["zhang"]).get("/api/v1/supervision/items/?is_active=true").json()
    assert [r["code"] for r in data["results"]] == ["A1"]
    assert api(auditor).get("/api/v1/supervision/items/").status_code == 403


@pytest.mark.django_db
def test_todo_list_filters(api, org, people):
    own = _task(org["zhangjiang"], title="所里未分派")
    colleague = _task(org["zhangjiang"], title="同事的", assignee=people["zhang2"])
    late = _task(org["huamu"], title="花木逾期", start=dt.date(2026, 1, 5), due_days=2)
    other = _task(org["yexie"], title="松江的")
    c = api(people["zhang"])
    numbers = {r["number"] for r in c.get("/api/v1/supervision/tasks/?mine=1").json()["results"]}
    assert numbers == {own.number}
    c = api(people["pudong"])
    data = c.get("/api/v1/supervision/tasks/").json()
    assert {r["number"] for r in data["results"]} == {own.number, colleague.number, late.number}
    mine = c.get("/api/v1/supervision/tasks/?mine=1").json()["results"]
    assert [r["number"] for r in mine] == [late.number]  # the overdue task below the district
    assert mine[0]["overdue"] is True
    by_unit = c.get(f"/api/v1/supervision/tasks/?unit={org['zhangjiang'].pk}").json()
    assert by_unit["count"] == 2
    assert c.get("/api/v1/supervision/tasks/?overdue=true").json()["count"] == 1
    assert c.get("/api/v1/supervision/tasks/?state=assigned").json()["count"] == 1
    assert c.get("/api/v1/supervision/tasks/?state=open").json()["count"] == 3
    assert c.get(f"/api/v1/supervision/tasks/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_transition_api(api, org, people):
    task = _task(org["pudong"])
    c = api(people["pudong"])
    url = f"/api/v1/supervision/tasks/{task.pk}/transition/"
    response = c.post(url, {"action": "delegate", "to_unit": org["zhangjiang"].pk},
                      content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["unit_code"] == org["zhangjiang"].code
    c = api(people["zhang"])
    response = c.post(url, {"action": "claim"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["assignee_username"] == "zhang"
    assert "start" in response.json()["allowed_actions"]
    response = c.post(url, {"action": "reopen"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "任务当前状态为“已分派”，不能重新办理。"
    response = c.post(url, {"action": "fly"}, content_type="application/json")
    assert response.status_code == 400 and "未知的操作" in response.json()["detail"]
    detail = c.get(f"/api/v1/supervision/tasks/{task.pk}/").json()
    assert [e["action"] for e in detail["events"]] == ["create", "delegate", "claim"]


@pytest.mark.django_db
def test_transition_api_scope_and_targets(api, org, people):
    task = _task(org["yexie"])
    c = api(people["pudong"])
    response = c.post(f"/api/v1/supervision/tasks/{task.pk}/transition/", {"action": "cancel"},
                      content_type="application/json")  # fmt: skip
    assert response.status_code == 404
    own = _task(org["pudong"])
    response = c.post(f"/api/v1/supervision/tasks/{own.pk}/transition/",
                      {"action": "delegate", "to_unit": org["yexie"].pk},
                      content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "不在您的数据范围内" in response.json()["detail"]
    own.refresh_from_db()
    assert own.unit == org["pudong"]


@pytest.mark.django_db
def test_create_task_api(api, org, people):
    from zhijian.audit.models import AuditRecord

    c = api(people["pudong"])
    url = "/api/v1/supervision/tasks/"
    body = {"title": "节前专项检查", "unit": org["huamu"].pk, "due_days": 3,
            "due_basis": "区局通知", "description": "重点查看消防通道"}  # fmt: skip
    response = c.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    task = Task.objects.get(pk=data["id"])
    assert (task.source, task.unit, task.created_by) == ("manual", org["huamu"], people["pudong"])
    assert task.working_days is True and data["number"] == task.number
    assert task.events.filter(action="create").exists()
    assert AuditRecord.objects.filter(
        object_type="supervision.task", object_id=str(task.pk), action="create"
    ).exists()
    calendar = c.post(url, {**body, "working_days": False}, content_type="application/json")
    assert Task.objects.get(pk=calendar.json()["id"]).working_days is False


@pytest.mark.django_db
def test_create_task_api_refuses_bad_input_in_chinese(api, org, people):
    c = api(people["pudong"])
    url = "/api/v1/supervision/tasks/"
    response = c.post(url, {"unit": org["pudong"].pk, "due_days": 0},
                      content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "任务名称：该字段是必填项。"
    assert "确保该值大于或等于1" in data["errors"]["due_days"][0]
    outside = {"title": "检查", "unit": org["yexie"].pk, "due_days": 5}  # another district
    response = c.post(url, outside, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"].startswith("承办机构：")
    unknown = {"title": "检查", "unit": org["pudong"].pk, "due_days": 5,
               "entity_uscc": "91310000MA1FL0XXXX"}  # fmt: skip
    response = c.post(url, unknown, content_type="application/json")
    assert "没有统一社会信用代码为“91310000MA1FL0XXXX”的市场主体" in response.json()["detail"]
    assert not Task.objects.exists()
    # inspectors may not create tasks; the auditor may not either
    assert (
        api(people["zhang"]).post(url, outside, content_type="application/json").status_code == 403
    )
