"""The API (JSON and multipart, idempotent), the officer pages, the phone pages, the public page,
the entity file."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhijian.inspections import services
from zhijian.inspections.models import Inspection
from zhijian.registry.models import InspectionRecord

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def payload(the_task, people, **overrides):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "task": the_task.pk,
        "inspected_on": services.today().isoformat(),
        "inspectors": [people["zhang"].pk, people["zhang2"].pk],
        "outcome": "未发现问题",
        "answers": {
            "licence": {"result": "conforming", "remark": ""},
            "health": {"result": "conforming", "remark": ""},
        },
    }
    data.update(overrides)
    return data


def test_api_json_create_and_idempotent_retry(people, task):
    client = login(people["zhang"])
    data = payload(task, people)
    first = client.post("/api/v1/inspections/", data, content_type="application/json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["duplicate"] is False and body["method"] == "双随机"
    assert body["task_number"] == task.number and body["uscc"] == task.entity.uscc
    again = client.post("/api/v1/inspections/", data, content_type="application/json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == body["id"]
    assert Inspection.objects.count() == 1 and InspectionRecord.objects.count() == 1


def test_api_multipart_with_form_fields_and_photos(people, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(people["zhang"])
    data = {
        "client_uuid": str(uuid.uuid4()),
        "task": str(task.pk),
        "inspected_on": services.today().isoformat(),
        "inspectors": [str(people["zhang"].pk), str(people["zhang2"].pk)],
        "on_site": ["false", "true"],
        "outcome": "发现问题已责令整改",
        "answer_licence": "conforming",
        "remark_licence": "",
        "answer_health": "nonconforming",
        "remark_health": "健康证过期",
        "findings": "健康证过期",
        "findings_count": "1",
        "rectification_order": "办理健康证明",
        "rectification_days": "",
        "photos": [SimpleUploadedFile("site.jpg", JPEG, content_type="image/jpeg")],
    }
    response = client.post("/api/v1/inspections/", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["on_site"] is True and len(body["photos"]) == 1
    assert body["rectification"]["working_days"] == 10
    assert body["answers"]["health"] == {"result": "nonconforming", "remark": "健康证过期"}
    photo = client.get(body["photos"][0]["url"])
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == JPEG
    assert login(people["yexie"]).get(body["photos"][0]["url"]).status_code == 404


def test_api_refusals_are_chinese_and_per_field(people, task):
    client = login(people["zhang"])
    bad = payload(
        task, people, client_uuid="not-a-uuid", inspected_on="2025/01/01",
        inspectors=[people["zhang"].pk, 999999], findings_count="x", answers="{oops",
    )  # fmt: skip
    response = client.post("/api/v1/inspections/", bad, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["client_uuid"] == ["提交标识“not-a-uuid”无效。"]
    assert errors["inspected_on"] == ["检查日期“2025/01/01”格式无效，应为YYYY-MM-DD。"]
    assert errors["inspectors"] == ["检查人员“999999”不存在或不可选择。"]
    assert errors["findings_count"] == ["问题数“x”应为0或正整数。"]
    assert errors["answers"] == ["检查要点结果（answers）不是有效的JSON对象。"]
    other = client.post(
        "/api/v1/inspections/", payload(task, people, task=999999, entity="9131XXXX"),
        content_type="application/json",
    )  # fmt: skip
    assert other.json()["errors"]["task"] == ["任务“999999”不存在或不在您的数据范围内。"]
    assert "不存在或不在您的数据范围内" in other.json()["errors"]["entity"][0]
    no_item = client.post(
        "/api/v1/inspections/", payload(task, people, item="NOPE"), content_type="application/json"
    )
    assert no_item.json()["errors"]["item"] == ["监管事项“NOPE”不在监管事项清单中。"]
    assert not Inspection.objects.exists()


def test_api_permissions_and_scope(people, task, submission):
    officer = login(people["pudong"])
    response = officer.post(
        "/api/v1/inspections/", payload(task, people), content_type="application/json"
    )
    assert response.status_code == 403
    inspection, _ = services.record_inspection(people["zhang"], submission())
    assert officer.get("/api/v1/inspections/").json()["count"] == 1
    assert login(people["songjiang"]).get("/api/v1/inspections/").json()["count"] == 0
    assert (
        login(people["songjiang"]).get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404
    )
    published = officer.post(
        "/api/v1/inspections/publish/", {"ids": [inspection.pk]}, content_type="application/json"
    )
    assert published.json() == {"published": 1}
    twice = officer.post(
        "/api/v1/inspections/publish/", {"ids": [inspection.pk]}, content_type="application/json"
    )
    assert twice.status_code == 400 and "已经公示" in twice.json()["detail"]
    assert (
        login(people["zhang"])
        .post(
            "/api/v1/inspections/publish/",
            {"ids": [inspection.pk]},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert Client().get("/api/v1/inspections/").status_code in (401, 403)


def test_phone_pages_my_tasks_and_recording_without_javascript(people, task):
    client = login(people["zhang"])
    page = client.get("/inspections/m/").content.decode()
    assert task.title in page and f"/entities/{task.entity.uscc}/" in page
    assert f"/inspections/m/record/?task={task.pk}" in page
    form = client.get(f"/inspections/m/record/?task={task.pk}").content.decode()
    assert 'accept="image/*" capture="environment"' in form
    assert "是否持有有效的食品经营许可证" in form and "inspections/outbox.js" in form
    # the recording staff of the user's own unit are offered (data scope), nobody else
    assert (
        "钱所员" in form and "孙所员" not in form and "赵所员" not in form and "李浦东" not in form
    )
    data = {
        "client_uuid": str(uuid.uuid4()), "task": str(task.pk),
        "inspected_on": services.today().isoformat(), "method": "双随机",
        "inspectors": [str(people["zhang"].pk)], "on_site": ["false", "true"],
        "outcome": "未发现问题", "answer_licence": "conforming",
    }  # fmt: skip
    refused = client.post("/inspections/m/record/", data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "现场检查的执法人员不得少于2人，当前1人。" in text
    assert "请回答检查要点：从业人员是否持有健康证明" in text
    data.update(inspectors=[str(people["zhang"].pk), str(people["zhang2"].pk)], answer_health="na")
    saved = client.post("/inspections/m/record/", data)
    inspection = Inspection.objects.get()
    assert saved.status_code == 302 and saved.url == f"/inspections/{inspection.pk}/"
    again = client.post("/inspections/m/record/", data)
    assert again.status_code == 302 and Inspection.objects.count() == 1
    detail = client.get(saved.url).content.decode()
    assert inspection.number in detail and "钱所员" in detail


def test_standalone_start_page_and_unknown_entity(people, entity, item):
    client = login(people["zhang"])
    assert "统一社会信用代码" in client.get("/inspections/m/record/").content.decode()
    unknown = client.get("/inspections/m/record/?entity=91310000XXXXXXXXXX", follow=True)
    assert "不存在或不在您的数据范围内" in unknown.content.decode()
    page = client.get(f"/inspections/m/record/?entity={entity.uscc}&item=SC-FOOD-01")
    assert (
        entity.name in page.content.decode() and "从业人员是否持有健康证明" in page.content.decode()
    )


def test_officer_lists_detail_publish_and_follow_up_pages(people, submission):
    late, _ = services.record_inspection(
        people["zhang"],
        submission(
            inspected_on=dt.date(2025, 1, 6), outcome="发现问题已责令整改", findings="健康证过期",
            findings_count=1, rectification_order="办理健康证明",
            answers={"licence": {"result": "conforming"},
                     "health": {"result": "nonconforming", "remark": "过期"}},
        ),
    )  # fmt: skip
    officer = login(people["pudong"])
    listing = officer.get("/inspections/publication/").content.decode()
    assert late.number in listing and "逾期未公示" in listing
    overdue = officer.get("/inspections/?publication=overdue").content.decode()
    assert late.number in overdue
    rects = officer.get("/inspections/rectifications/?overdue=true").content.decode()
    assert late.number in rects
    csv = b"".join(officer.get("/inspections/?export=csv").streaming_content).decode("utf-8-sig")
    assert late.number in csv
    detail = officer.get(f"/inspections/{late.pk}/").content.decode()
    assert "公示" in detail and "办理健康证明" in detail and "逾期未公示" in detail
    response = officer.post(f"/inspections/{late.pk}/publish/")
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.published_on == services.today()
    inspector = login(people["zhang"])
    form = inspector.get(f"/inspections/rectifications/{late.rectification.pk}/follow-up/")
    assert form.status_code == 200 and "从业人员是否持有健康证明" in form.content.decode()
    done = inspector.post(
        f"/inspections/rectifications/{late.rectification.pk}/follow-up/",
        {"client_uuid": str(uuid.uuid4()), "inspected_on": services.today().isoformat(),
         "inspectors": [str(people["zhang"].pk), str(people["zhang2"].pk)], "on_site": "true",
         "rectified": "yes", "result": "已办理", "answer_health": "conforming"},
    )  # fmt: skip
    assert done.status_code == 302
    late.rectification.refresh_from_db()
    assert late.rectification.state == "rectified"
    assert (
        officer.get(f"/inspections/rectifications/{late.rectification.pk}/follow-up/").status_code
        == 403
    )


def test_entity_file_shows_the_inspection_and_its_rectification(people, submission, entity):
    inspection, _ = services.record_inspection(
        people["zhang"],
        submission(outcome="发现问题已责令整改", findings="健康证过期", findings_count=1,
                   rectification_order="办理健康证明",
                   answers={"licence": {"result": "conforming"},
                            "health": {"result": "nonconforming", "remark": "过期"}}),
    )  # fmt: skip
    page = login(people["pudong"]).get(f"/entities/{entity.uscc}/").content.decode()
    assert inspection.number in page  # the register's section (exchange table 5)
    assert "检查发现问题与整改" in page and "办理健康证明" in page and "整改中" in page


def test_exchange_export_contains_the_recorded_inspection(people, submission):
    from zhijian.exchange import services as exchange
    from zhijian.exchange import specs

    inspection, _ = services.record_inspection(people["zhang"], submission())
    spec = specs.get_spec("inspections")
    rows = list(exchange.export_rows(spec, exchange.export_queryset(spec, people["pudong"])))
    assert any(inspection.number in row for row in rows[1:])


# --- the public page ------------------------------------------------------------------------------


def test_public_page_shows_only_published_results_masked(people, submission, entity):
    hidden, _ = services.record_inspection(people["zhang"], submission(findings="内部说明"))
    shown, _ = services.record_inspection(people["zhang"], submission())
    services.publish([shown], user=people["pudong"])
    anonymous = Client()
    page = anonymous.get("/inspections/public/")
    text = page.content.decode()
    assert page.status_code == 200 and shown.number in text and hidden.number not in text
    assert entity.name in text and entity.uscc in text
    assert anonymous.get(f"/inspections/public/{hidden.number}/").status_code == 404
    detail = anonymous.get(f"/inspections/public/{shown.number}/").content.decode()
    assert "张**" in detail and "钱**" in detail
    for secret in ("张所员", "钱所员", "13812345678", "310115199001011234", "内部说明"):
        assert secret not in detail and secret not in text


def test_public_search_by_name_and_uscc(people, submission, entity, org):
    from tests.inspections.conftest import _fresh_entity

    other = _fresh_entity(org["zhangjiang"], "浦江餐饮")
    first, _ = services.record_inspection(people["zhang"], submission())
    second, _ = services.record_inspection(people["zhang"], submission(entity=other))
    services.publish([first, second], user=people["pudong"])
    client = Client()
    by_name = client.get("/inspections/public/", {"q": "浦江餐饮"}).content.decode()
    assert second.number in by_name and first.number not in by_name
    by_code = client.get("/inspections/public/", {"q": entity.uscc}).content.decode()
    assert first.number in by_code and second.number not in by_code
    assert client.get("/inspections/public/", {"page": "abc"}).status_code == 200


def test_menu_entries_follow_permissions(people):
    inspector = login(people["zhang"]).get("/").content.decode()
    assert "/inspections/m/" in inspector
    officer = login(people["pudong"]).get("/").content.decode()
    assert "/inspections/publication/" in officer and "/inspections/m/record/" not in officer
    assert json  # imported for payloads


def test_phone_pages_in_english(people, task):
    client = login(people["zhang"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/inspections/m/record/?task={task.pk}", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Inspections waiting to be sent" in text and "Submit the inspection" in text
    assert 'data-msg-offline="No network: saved on this phone' in text


def test_a_team_proposed_for_the_task_is_offered_and_preselected(people, task, monkeypatch):
    from zhijian.inspections import teams

    monkeypatch.setattr(teams, "_PROVIDERS", [])
    teams.register(lambda t: [people["huamu"]] if t.pk == task.pk else [])
    form = login(people["zhang"]).get(f"/inspections/m/record/?task={task.pk}").content.decode()
    assert f'value="{people["huamu"].pk}" checked' in form and "孙所员" in form
    assert f'value="{people["zhang2"].pk}" checked' not in form
