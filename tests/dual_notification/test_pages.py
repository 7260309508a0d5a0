"""Pages and API: department isolation, read / feedback / claim through the web and the API,
Chinese errors, rule editing and import, exports, the entity-file section, the demo step."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from zhijian.dual_notification import demo_data, services
from zhijian.dual_notification.models import Notification, ScopeEvent, ScopeRule

pytestmark = pytest.mark.django_db
ESTABLISHED = ScopeEvent.Kind.ESTABLISHED


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(make_entity, people):
    hotel, _ = services.notify_for_entity(make_entity("海景酒店", "住宿服务"), ESTABLISHED)
    truck, _ = services.notify_for_entity(make_entity("速达运输", "道路货物运输"), ESTABLISHED)
    soft, _ = services.notify_for_entity(make_entity("云端软件", "软件开发"), ESTABLISHED)
    return {"hotel": hotel, "truck": truck, "soft": soft}


def test_department_user_sees_only_their_notifications(world, people):
    client = client_for(people["wjw"])
    text = client.get("/dual-notification/").content.decode()
    assert "海景酒店" in text and "速达运输" not in text
    data = client.get("/api/v1/dual-notification/notifications/").json()
    assert data["count"] == 1 and data["results"][0]["department_code"] == "WJW"
    truck_notice = world["truck"].notifications.get()
    assert client.get(f"/dual-notification/notifications/{truck_notice.pk}/").status_code == 404
    assert (
        client.get(f"/api/v1/dual-notification/notifications/{truck_notice.pk}/").status_code == 404
    )
    assert (
        client.post(f"/api/v1/dual-notification/notifications/{truck_notice.pk}/read/").status_code
        == 404
    )
    # Exports are limited the same way.
    response = client.get("/dual-notification/?export=xlsx")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/sharedStrings.xml").decode()
    assert "海景酒店" in xml and "速达运输" not in xml
    # The matched events of other departments are not listed either.
    assert client.get(f"/dual-notification/events/{world['truck'].pk}/").status_code == 404


def test_bureau_officers_see_all_departments_in_their_scope(world, people):
    assert (
        client_for(people["city"]).get("/api/v1/dual-notification/notifications/").json()["count"]
        == 3
    )  # 卫健委 + 公安局 for the hotel, 交通委 for the truck
    assert (
        client_for(people["yexie"]).get("/api/v1/dual-notification/notifications/").json()["count"]
        == 0
    )
    text = client_for(people["city"]).get("/dual-notification/").content.decode()
    assert 'data-testid="dn-stats"' in text and "上海市公安局" in text


def test_read_and_feedback_on_the_page(world, people):
    notice = world["hotel"].notifications.get(department__code="WJW")
    client = client_for(people["wjw"])
    page = client.get(f"/dual-notification/notifications/{notice.pk}/").content.decode()
    assert 'data-testid="read-button"' in page
    client.post(f"/dual-notification/notifications/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.state == Notification.State.READ
    bad = client.post(f"/dual-notification/notifications/{notice.pk}/feedback/",
                      {"feedback": "other", "note": ""})  # fmt: skip
    assert bad.status_code == 400 and "反馈结果为“其他”时必须填写反馈说明" in bad.content.decode()
    empty = client.post(f"/dual-notification/notifications/{notice.pk}/feedback/", {})
    assert empty.status_code == 400 and "请选择反馈结果。" in empty.content.decode()
    client.post(f"/dual-notification/notifications/{notice.pk}/feedback/",
                {"feedback": "licensed", "note": "已核发卫生许可证"})  # fmt: skip
    notice.refresh_from_db()
    assert (
        notice.state == Notification.State.FEEDBACK and notice.feedback_note == "已核发卫生许可证"
    )


def test_bureau_officer_cannot_answer_for_a_department(world, people):
    notice = world["hotel"].notifications.get(department__code="WJW")
    client = client_for(people["city"])
    page = client.get(f"/dual-notification/notifications/{notice.pk}/").content.decode()
    assert 'data-testid="read-button"' not in page
    response = client.post(f"/dual-notification/notifications/{notice.pk}/read/")
    assert response.status_code == 400 and "没有签收告知的权限" in response.content.decode()


def test_api_read_feedback_and_claim(world, people):
    client = client_for(people["jtw"])
    notice = world["truck"].notifications.get()
    assert (
        client.post(f"/api/v1/dual-notification/notifications/{notice.pk}/read/").json()["state"]
        == "read"
    )
    bad = client.post(f"/api/v1/dual-notification/notifications/{notice.pk}/feedback/",
                      {"feedback": "nope"})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["detail"] == "请选择反馈结果。"
    ok = client.post(f"/api/v1/dual-notification/notifications/{notice.pk}/feedback/",
                     {"feedback": "under_review", "note": "审查中"})  # fmt: skip
    assert ok.json()["feedback_display"] == "许可审查中"
    unmatched = client.get("/api/v1/dual-notification/events/?matched=false").json()
    assert [e["entity_name"] for e in unmatched["results"]] == ["云端软件"]
    claim = client.post(f"/api/v1/dual-notification/events/{world['soft'].pk}/claim/",
                        {"department": "XX"})  # fmt: skip
    assert claim.status_code == 400 and "委办局代码“XX”不存在" in claim.json()["detail"]
    claim = client.post(f"/api/v1/dual-notification/events/{world['soft'].pk}/claim/", {})
    assert claim.status_code == 201 and claim.json()["state"] == "claimed"
    again = client.post(f"/api/v1/dual-notification/events/{world['soft'].pk}/claim/", {})
    assert again.status_code == 400 and "已认领该事项" in again.json()["detail"]
    stats = client.get("/api/v1/dual-notification/statistics/").json()["departments"]
    assert stats[0]["sent"] == 2 and stats[0]["claimed"] == 1
    assert client.get("/api/v1/dual-notification/statistics/?since=2025-13-01").status_code == 400


def test_claim_on_the_page(world, people):
    client = client_for(people["wjw"])
    listing = client.get("/dual-notification/unmatched/").content.decode()
    assert "云端软件" in listing and "待认领" in listing
    page = client.get(f"/dual-notification/events/{world['soft'].pk}/").content.decode()
    assert 'data-testid="claim-button"' in page
    response = client.post(
        f"/dual-notification/events/{world['soft'].pk}/claim/",
        {"department": people["wjw"].department_memberships.get().department_id,
         "licence": "无需许可"},
    )  # fmt: skip
    assert response.status_code == 302
    assert world["soft"].notifications.get().licence == "无需许可"
    # A bureau officer has no claim form, and a POST is refused in Chinese.
    city = client_for(people["city"])
    assert (
        'data-testid="claim-button"'
        not in city.get(f"/dual-notification/events/{world['soft'].pk}/").content.decode()
    )
    refused = city.post(f"/dual-notification/events/{world['soft'].pk}/claim/", {})
    assert (
        refused.status_code == 400 and "您不是委办局工作人员，不能认领" in refused.content.decode()
    )


def test_statistics_page_and_export(world, people):
    client = client_for(people["city"])
    text = client.get("/dual-notification/statistics/").content.decode()
    assert "上海市卫生健康委员会" in text and "合计" in text
    bad = client.get("/dual-notification/statistics/?since=2025-02-30").content.decode()
    assert "开始日期格式不正确" in bad
    response = client.get("/dual-notification/statistics/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_rule_pages(people, departments):
    client = client_for(people["city"])
    assert "道路货物运输" in client.get("/dual-notification/rules/").content.decode()
    bad = client.post("/dual-notification/rules/new/", {"department": departments["WJW"].pk,
                      "industry_prefixes": "84a", "section": "licensed", "licence": "",
                      "priority": "100", "valid_from": "2026-02-01", "valid_to": "2026-01-01"})  # fmt: skip
    text = bad.content.decode()
    assert "行业代码前缀应为1至4位数字：84a" in text
    assert "失效日期不能早于生效日期" in text
    good = client.post("/dual-notification/rules/new/", {"department": departments["WJW"].pk,
                       "keywords": "宠物诊疗，动物诊疗", "section": "any", "licence": "动物诊疗许可证",
                       "priority": "120", "is_active": "on"})  # fmt: skip
    assert good.status_code == 302
    assert ScopeRule.objects.get(licence="动物诊疗许可证").keywords == "宠物诊疗、动物诊疗"
    # District officers read the mapping but do not change it.
    district = client_for(people["pudong"])
    assert district.get("/dual-notification/rules/").status_code == 200
    assert district.get("/dual-notification/rules/new/").status_code == 403


def test_rule_import_page_errors_and_success(people, tmp_path):
    client = client_for(people["city"])
    export = client.get("/dual-notification/rules/?export=csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("规则编号,部门代码,部门名称")
    bad = io.BytesIO("部门代码,所需许可\nNOPE,许可\n".encode())
    bad.name = "rules.csv"
    response = client.post("/dual-notification/rules/import/", {"file": bad})
    assert response.status_code == 400
    assert "第2行：部门代码“NOPE”不存在" in response.content.decode()
    good = io.BytesIO("部门代码,经营范围关键词,所需许可\nWJW,宠物诊疗,动物诊疗许可证\n".encode())
    good.name = "rules.csv"
    response = client.post("/dual-notification/rules/import/", {"file": good}, follow=True)
    assert "导入完成：新增 1 条，更新 0 条" in response.content.decode()


def test_member_pages(people, departments):
    admin = client_for(people["admin"])
    assert "wjw" in admin.get("/dual-notification/members/").content.decode()
    response = admin.post("/dual-notification/members/new/",
                          {"user": people["wjw"].pk, "department": departments["WJW"].pk})  # fmt: skip
    assert "已是“上海市卫生健康委员会”的工作人员" in response.content.decode()
    admin.post("/dual-notification/members/new/",
               {"user": people["zhang"].pk, "department": departments["JW"].pk})  # fmt: skip
    member = people["zhang"].department_memberships.get()
    assert member.department.code == "JW"
    admin.post(f"/dual-notification/members/{member.pk}/")
    assert not people["zhang"].department_memberships.exists()
    assert client_for(people["city"]).get("/dual-notification/members/new/").status_code == 403


def test_entity_file_section(world, people):
    entity = world["hotel"].entity
    text = client_for(people["city"]).get(entity.get_absolute_url()).content.decode()
    assert 'id="dual_notifications"' in text and "上海市卫生健康委员会" in text
    assert "双告知：推送上海市公安局" in text


def test_demo_step_is_idempotent(make_entity, org, make_user):
    make_entity("演示酒店", "住宿服务")
    make_entity("演示软件", "软件开发")
    line = demo_data.build(None)
    assert "新增告知事项 2 件" in line
    assert (
        Notification.objects.filter(state=Notification.State.READ).exists()
        or Notification.objects.filter(state=Notification.State.FEEDBACK).exists()
    )
    assert Notification.objects.filter(via=Notification.Via.CLAIM).exists()
    count = Notification.objects.count()
    make_entity("后来的酒店", "住宿服务")
    assert demo_data.build(None) is None
    assert Notification.objects.count() == count


def test_home_page_counts_unread_notifications_for_department_users(world, people):
    from zhijian.core.todo import todo_count

    assert services.todo_count(people["wjw"]) == 1
    assert services.todo_count(people["city"]) == 0
    services.mark_read(world["hotel"].notifications.get(department__code="WJW"), people["wjw"])
    assert services.todo_count(people["wjw"]) == 0
    assert todo_count(people["jtw"]) >= 1
