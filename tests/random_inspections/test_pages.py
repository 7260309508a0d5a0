"""Pages, API, the command and the public page of random inspections."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from tests.random_inspections.test_draw import RATIOS, do_draw, make_plan
from zhijian.random_inspections import services
from zhijian.random_inspections.models import Draw, Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_officer_creates_a_plan_and_draws_through_the_pages(
    org, item, officer, inspectors, pool, client_for
):
    client = client_for(officer)
    assert client.get("/random-inspections/plans/new/").status_code == 200
    form = {
        "name": "页面创建的计划", "item": item.pk, "unit": org["pudong"].pk,
        "exclude_non_intrusive": "on", "override_ratios": "on", "ratio_a": "0.05",
        "ratio_b": "0.2", "ratio_c": "0.5", "ratio_d": "1", "inspectors_per_check": "2",
        "due_days": "15", "working_days": "on",
    }  # fmt: skip
    response = client.post("/random-inspections/plans/new/", form)
    plan = Plan.objects.get(name="页面创建的计划")
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "公开随机数" in page and "待抽取" in page
    response = client.post(
        f"/random-inspections/plans/{plan.pk}/draw/",
        {"public_random": "54321", "public_random_source": "体彩排列5第26002期"},
    )
    record = plan.current_draw()
    assert response.status_code == 302 and response.url == record.get_absolute_url()
    page = client.get(record.get_absolute_url()).content.decode()
    assert record.seed in page and "尚未公示" in page
    # not public until published
    assert Client().get(f"/random-inspections/public/{record.pk}/").status_code == 404
    client.post(f"/random-inspections/draws/{record.pk}/publish/")
    public = Client().get(f"/random-inspections/public/{record.pk}/").content.decode()
    first = pool["entities"][0]
    assert record.result_hash in public and first.uscc in public  # class D: always drawn
    assert first.name in public
    for person in inspectors:  # inspectors are masked on the public page
        assert person.full_name not in public and person.badge_number not in public
    verdict = Client().get(f"/api/v1/random-inspections/public/draws/{record.pk}/verify/")
    assert verdict.json()["ok"] is True


def test_plan_form_shows_chinese_errors(org, item, officer, client_for):
    client = client_for(officer)
    form = {
        "name": "比例超限", "item": item.pk, "unit": org["pudong"].pk, "override_ratios": "on",
        "ratio_a": "0.5", "ratio_b": "0.2", "ratio_c": "0.5", "ratio_d": "1",
        "inspectors_per_check": "2", "due_days": "15",
    }  # fmt: skip
    page = client.post("/random-inspections/plans/new/", form).content.decode()
    assert "A类抽查比例 0.5 超出允许区间" in page
    form.update(inspectors_per_check="1", ratio_a="0.01")
    page = client.post("/random-inspections/plans/new/", form).content.decode()
    assert "每户检查人数不得少于 2 人" in page
    form.update(inspectors_per_check="2", participants="消防")
    page = client.post("/random-inspections/plans/new/", form).content.decode()
    assert "第 1 行应为“部门名称,机构代码”" in page
    assert not Plan.objects.exists()


def test_draw_form_errors_are_shown_on_the_plan(org, item, officer, inspectors, pool, client_for):
    plan = make_plan(officer, item, org)
    client = client_for(officer)
    response = client.post(f"/random-inspections/plans/{plan.pk}/draw/", {"public_random": "1"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    do_draw(plan, officer)
    response = client.post(
        f"/random-inspections/plans/{plan.pk}/draw/",
        {"public_random": "2", "public_random_source": "x"},
    )
    assert "重新抽取必须填写原因" in response.content.decode()


def test_station_inspector_cannot_draw_or_see_district_plans(
    org, item, officer, inspectors, pool, client_for
):
    plan = make_plan(officer, item, org)
    client = client_for(inspectors[0])  # a station inspector
    assert client.get(plan.get_absolute_url()).status_code == 404
    response = client.post(
        f"/random-inspections/plans/{plan.pk}/draw/",
        {"public_random": "1", "public_random_source": "x"},
    )
    assert response.status_code == 403
    assert not plan.draws.exists()


def test_directory_pages(org, item, officer, inspectors, pool, client_for):
    client = client_for(officer)
    page = client.get("/random-inspections/targets/?risk_class=D").content.decode()
    assert "共 4 条" in page and pool["entities"][0].uscc in page
    page = client.get("/random-inspections/targets/").content.decode()
    assert "共 40 条" in page and pool["foreign"][0].uscc not in page
    services.list_non_intrusive(pool["entities"][0], reason="低风险")
    page = client.get("/random-inspections/targets/?risk_class=D").content.decode()
    assert "共 3 条" in page
    page = client.get("/random-inspections/inspectors/").content.decode()
    assert "检查员0" in page and "花木路0号" not in page  # the address is masked
    response = client.post(
        "/random-inspections/recusals/new/",
        {"inspector": inspectors[0].pk, "uscc": pool["entities"][5].uscc, "reason": "亲属"},
    )
    assert response.status_code == 302
    assert pool["entities"][5].name in client.get("/random-inspections/recusals/").content.decode()
    page = client.post(
        "/random-inspections/recusals/new/",
        {"inspector": inspectors[0].pk, "uscc": pool["foreign"][0].uscc, "reason": "亲属"},
    ).content.decode()
    assert "您的数据范围内没有统一社会信用代码为" in page


def test_api_plan_draw_and_verify(org, item, officer, inspectors, pool, client_for):
    client = client_for(officer)
    response = client.post(
        "/api/v1/random-inspections/plans/",
        {"name": "接口计划", "item": item.pk, "unit": org["pudong"].pk, "ratios": RATIOS,
         "inspectors_per_check": 2},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    response = client.post(
        "/api/v1/random-inspections/plans/",
        {"name": "坏计划", "item": item.pk, "unit": org["pudong"].pk, "inspectors_per_check": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and "不得少于 2 人" in response.json()["detail"]
    response = client.post(
        f"/api/v1/random-inspections/plans/{plan_id}/draw/",
        {"public_random": "777", "public_random_source": "区块 123"},
        content_type="application/json",
    )
    assert response.status_code == 201
    draw_id = response.json()["id"]
    assert client.get(f"/api/v1/random-inspections/draws/{draw_id}/verify/").json()["ok"]


def test_random_commands_confirm_and_refute(org, item, officer, inspectors, pool, capsys):
    plan = make_plan(officer, item, org)
    record = do_draw(plan, officer)
    make_plan(officer, item, org)  # a draft: not listed
    call_command("random", "list")
    assert capsys.readouterr().out.split() == [str(plan.pk)]
    call_command("random", "verify", str(plan.pk))
    assert "CONFIRMED" in capsys.readouterr().out
    result = list(record.result)
    result[0] = {**result[0], "inspectors": list(reversed(result[0]["inspectors"]))}
    Draw.objects.filter(pk=record.pk).update(result=result)
    with pytest.raises(SystemExit) as exit_info:
        call_command("random", "verify", str(plan.pk))
    assert exit_info.value.code == 1
    assert "REFUTED" in capsys.readouterr().out


def test_public_pages_show_only_published_draws(org, item, officer, inspectors, pool):
    plan = make_plan(officer, item, org, note="内部备注不公开")
    record = do_draw(plan, officer)
    anonymous = Client()
    assert plan.name not in anonymous.get("/random-inspections/public/").content.decode()
    assert anonymous.get("/api/v1/random-inspections/public/draws/").json()["results"] == []
    assert (
        anonymous.get(f"/api/v1/random-inspections/public/draws/{record.pk}/verify/").status_code
        == 404
    )
    services.publish_draw(record, user=officer)
    listing = anonymous.get("/random-inspections/public/").content.decode()
    assert plan.name in listing and "内部备注不公开" not in listing
    data = anonymous.get(f"/api/v1/random-inspections/public/draws/{record.pk}/").json()
    assert data["result_hash"] == record.result_hash
    assert json.dumps(data, ensure_ascii=False).count(inspectors[0].badge_number) == 0
    with pytest.raises(services.PlanError, match="已于"):
        services.publish_draw(record, user=officer)
    # a redraw: the old published draw stays listed with the new one
    second = do_draw(plan, officer, value="2", reason="随机数来源有误")
    assert anonymous.get(f"/random-inspections/public/{record.pk}/").status_code == 404
    services.publish_draw(second, user=officer)
    page = anonymous.get(f"/random-inspections/public/{second.pk}/").content.decode()
    assert record.result_hash in page and "随机数来源有误" in page


def test_public_verify_answers_afresh_after_tampering(org, item, officer, inspectors, pool):
    record = do_draw(make_plan(officer, item, org), officer)
    services.publish_draw(record, user=officer)
    url = f"/api/v1/random-inspections/public/draws/{record.pk}/verify/"
    assert Client().get(url).json()["ok"] is True  # now cached
    result = list(record.result)
    result[-1] = {**result[-1], "class": "A" if result[-1]["class"] != "A" else "B"}
    Draw.objects.filter(pk=record.pk).update(result=result)
    answer = Client().get(url).json()
    assert answer["ok"] is False and "抽取结果不一致" in answer["first_difference"]
