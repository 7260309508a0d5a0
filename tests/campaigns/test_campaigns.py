"""Campaigns: target snapshot, task generation (one per target, right units and due date),
progress numbers, data scope, Chinese refusals, pages and API."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import Client

from zhijian.campaigns import services
from zhijian.campaigns.models import Campaign, CampaignTarget
from zhijian.core import context
from zhijian.supervision import services as supervision
from zhijian.supervision.models import Task

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "_today", lambda: TODAY)
    monkeypatch.setattr(supervision, "_today", lambda: TODAY)


def create(user, unit, items, **kw):
    values = {
        "name": "餐饮单位食品安全专项整治",
        "basis": "沪市监食经〔2026〕1号",
        "starts_on": dt.date(2026, 3, 1),
        "ends_on": dt.date(2026, 4, 30),
        "lead_unit": unit,
        "items": items,
        "target_filter": {"industry": "62"},
    }
    values.update(kw)
    with context.acting_as(context.context_for_user(user)):
        return services.create_campaign(user=user, **values)


def test_target_snapshot_by_filter(org, people, items, register):
    campaign = create(people["pudong"], org["pudong"], items)
    names = set(campaign.targets.values_list("name", flat=True))
    assert names == {"张江饭店", "张江面馆", "花木酒家"}  # 62xx, active, in 浦东
    target = campaign.targets.get(name="张江饭店")
    assert target.unit == org["zhangjiang"] and target.uscc == register["zj_food"].uscc
    # The snapshot keeps the entity as it was.
    register["zj_food"].name = "张江饭店（改名）"
    register["zj_food"].save()
    assert CampaignTarget.objects.get(pk=target.pk).name == "张江饭店"


@pytest.mark.parametrize(
    ("target_filter", "expected"),
    [
        ({"industry": "62", "licence_type": "食品经营许可证"}, {"张江饭店"}),
        ({"industry": "62", "kind": "个体工商户"}, {"张江面馆"}),
        ({"industry": "6291"}, {"花木酒家"}),
        ({"status": "注销"}, {"已注销饭店"}),
        ({"district": "310117"}, set()),  # 松江 is outside the lead unit
    ],
)
def test_filters(org, people, items, register, target_filter, expected):
    campaign = create(people["pudong"], org["pudong"], items, target_filter=target_filter)
    assert set(campaign.targets.values_list("name", flat=True)) == expected


def test_city_campaign_reaches_every_district(org, people, items, register):
    campaign = create(people["city"], org["city"], items)
    assert campaign.targets.count() == 4
    assert campaign.target_filter == {"industry": "62"}


def test_task_generation_one_per_target(org, people, items, register):
    campaign = create(people["city"], org["city"], items)
    with context.acting_as(context.context_for_user(people["city"])):
        assert services.generate_tasks(campaign, people["city"]) == 4
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.ACTIVE
    tasks = Task.objects.filter(source=Task.Source.CAMPAIGN, source_ref=campaign.source_ref)
    assert tasks.count() == 4
    for target in campaign.targets.select_related("task"):
        assert target.task.unit_id == target.unit_id
        assert target.task.entity_id == target.entity_id
        assert target.task.item == items[0]
        assert target.task.due_on == dt.date(2026, 4, 30)  # a Thursday
        assert target.task.state == Task.State.NEW
    assert {t.unit.code for t in tasks} == {"310115125", "310115016", "310117120"}
    # Once generated, no second set and no new snapshot.
    with pytest.raises(services.CampaignError, match="不能生成任务"):
        services.generate_tasks(campaign, people["city"])
    with pytest.raises(services.CampaignError, match="整治对象不能再调整"):
        services.refresh_targets(campaign, people["city"])


def test_due_date_is_the_last_working_day_on_or_before_the_end():
    # 2026-05-03 is a Sunday inside the Labour Day holiday: due before it.
    days, due = services.due_date(dt.date(2026, 5, 3), today=TODAY)
    assert due <= dt.date(2026, 5, 3) and due.weekday() < 5
    assert due == dt.date(2026, 4, 30)
    assert services.due_date(dt.date(2026, 3, 6), today=TODAY) == (4, dt.date(2026, 3, 6))
    with pytest.raises(services.CampaignError, match="前已没有工作日"):
        services.due_date(TODAY, today=TODAY)


def test_progress_report_numbers(org, people, items, register, make_user):
    campaign = create(people["city"], org["city"], items, ends_on=dt.date(2026, 3, 6))
    services.generate_tasks(campaign, people["city"])
    by_name = {t.name: t.task for t in campaign.targets.select_related("task")}
    zhang = people["zhang"]
    supervision.transition(by_name["张江饭店"], "claim", user=zhang)
    supervision.transition(by_name["张江饭店"], "start", user=zhang)
    supervision.transition(by_name["张江饭店"], "complete", user=zhang)
    supervision.transition(by_name["张江面馆"], "claim", user=zhang)
    report = services.progress(campaign, people["city"], today=dt.date(2026, 3, 9))
    rows = {r.unit: r for r in report.rows}
    zj = rows["张江市场监督管理所"]
    assert (zj.targets, zj.tasks, zj.done, zj.in_progress, zj.overdue) == (2, 2, 1, 0, 1)
    assert zj.done_rate == 50.0
    hm = rows["花木市场监督管理所"]
    assert (hm.targets, hm.done, hm.overdue) == (1, 0, 1)
    assert report.total.targets == 4 and report.total.done == 1 and report.total.overdue == 3
    # Before the end date nothing is overdue.
    early = services.progress(campaign, people["city"], today=dt.date(2026, 3, 5))
    assert early.total.overdue == 0 and early.total.in_progress == 3
    # A district sees its own units only.
    pudong = services.progress(campaign, people["pudong"], today=dt.date(2026, 3, 9))
    assert {r.unit for r in pudong.rows} == {"张江市场监督管理所", "花木市场监督管理所"}
    assert pudong.total.targets == 3


def test_progress_counts_findings_of_inspections(org, people, items, register):
    from django.apps import apps

    campaign = create(people["city"], org["city"], items)
    services.generate_tasks(campaign, people["city"])
    target = campaign.targets.get(name="张江饭店")
    inspection = apps.get_model("inspections", "Inspection")
    fields = {getattr(f, "attname", f.name) for f in inspection._meta.get_fields()}
    values = {
        "number": "JC-T-1", "task_id": target.task_id, "entity_id": target.entity_id,
        "unit_id": target.unit_id, "inspecting_unit_id": target.unit_id, "inspected_on": TODAY,
        "method": "专项检查", "outcome": "发现问题已责令整改", "findings": "标签不规范",
        "findings_count": 2, "publish_due_on": TODAY,
    }  # fmt: skip
    import uuid

    if "client_uuid" in fields:
        values["client_uuid"] = uuid.uuid4()
    inspection.objects.bulk_create([inspection(**{k: v for k, v in values.items() if k in fields})])
    report = services.progress(campaign, people["city"])
    assert report.findings_available
    zj = next(r for r in report.rows if r.unit == "张江市场监督管理所")
    assert (zj.inspected, zj.with_findings, zj.findings) == (1, 1, 2)
    assert report.total.findings == 2


def test_campaign_visibility(org, people, items, register):
    city = create(people["city"], org["city"], items)
    pudong = create(people["pudong"], org["pudong"], items)
    visible = lambda user: set(Campaign.objects.visible_to(user))  # noqa: E731
    assert visible(people["city"]) == {city, pudong}
    assert visible(people["pudong"]) == {city, pudong}  # the city's campaign has 浦东 targets
    assert visible(people["songjiang"]) == {city}
    assert visible(people["zhang"]) == {city, pudong}  # 张江 holds targets of both
    empty = create(people["pudong"], org["pudong"], items, target_filter={"industry": "99"})
    assert empty not in visible(people["zhang"]) and empty not in visible(people["songjiang"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "专项名称不能为空"),
        ({"basis": ""}, "工作依据不能为空"),
        ({"ends_on": dt.date(2026, 2, 1)}, "结束日期不能早于开始日期"),
        ({"item_list": []}, "请至少选择一个检查事项"),
        ({"target_filter": {"industry": "6a"}}, "行业代码前缀“6a”应为1至4位数字"),
        ({"target_filter": {"district": "3101"}}, "所属区“3101”应为6位行政区划代码"),
        ({"target_filter": {"kind": "外星企业"}}, "主体类型“外星企业”不存在"),
    ],
)
def test_chinese_refusals(org, people, items, changes, message):
    chosen = changes.pop("item_list", items)
    with pytest.raises(services.CampaignError, match=message):
        create(people["pudong"], org["pudong"], chosen, **changes)


def test_refusals_of_scope_and_permission(org, people, items, register):
    with pytest.raises(services.CampaignError, match="不在您的数据范围内"):
        create(people["pudong"], org["songjiang"], items)
    with pytest.raises(services.CampaignError, match="没有创建专项整治的权限"):
        create(people["zhang"], org["zhangjiang"], items)
    campaign = create(people["city"], org["city"], items)
    with pytest.raises(services.CampaignError, match="不在您的数据范围内"):
        services.generate_tasks(campaign, people["pudong"])
    empty = create(people["pudong"], org["pudong"], items, target_filter={"industry": "99"})
    with pytest.raises(services.CampaignError, match="没有整治对象"):
        services.generate_tasks(empty, people["pudong"])


def test_too_many_targets(org, people, items, register, monkeypatch):
    monkeypatch.setattr(services, "MAX_TARGETS", 2)
    with pytest.raises(services.CampaignError, match="超过2户"):
        create(people["city"], org["city"], items)


def test_close(org, people, items, register):
    campaign = create(people["pudong"], org["pudong"], items)
    services.close_campaign(campaign, people["pudong"])
    assert campaign.state == Campaign.State.CLOSED
    with pytest.raises(services.CampaignError, match="已结束"):
        services.close_campaign(campaign, people["pudong"])


# --- pages and API ---------------------------------------------------------------------------------


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_create_page_with_chinese_errors(org, people, items, register):
    client = client_for(people["pudong"])
    page = client.get("/campaigns/new/")
    assert page.status_code == 200 and "新建专项整治" in page.content.decode()
    bad = client.post("/campaigns/new/", {"name": "", "starts_on": "2026-03-10",
                                          "ends_on": "2026-03-01", "industry": "6x"})  # fmt: skip
    text = bad.content.decode()
    for message in ("专项名称不能为空", "工作依据不能为空", "请至少选择一个检查事项",
                    "结束日期不能早于开始日期", "行业代码前缀只能是数字"):  # fmt: skip
        assert message in text, message
    good = client.post(
        "/campaigns/new/",
        {"name": "夏季餐饮专项", "basis": "沪市监〔2026〕8号", "starts_on": "2026-03-02",
         "ends_on": "2026-06-30", "lead_unit": org["pudong"].pk, "items": [items[0].pk],
         "industry": "62"},
    )  # fmt: skip
    assert good.status_code == 302
    campaign = Campaign.objects.get(name="夏季餐饮专项")
    detail = client.get(good.url).content.decode()
    assert "为 3 户整治对象生成任务" in detail
    response = client.post(f"/campaigns/{campaign.pk}/generate/", follow=True)
    assert "已生成监管任务 3 件" in response.content.decode()
    assert campaign.targets.filter(task__isnull=False).count() == 3


def test_progress_export_and_api(org, people, items, register):
    campaign = create(people["city"], org["city"], items)
    services.generate_tasks(campaign, people["city"])
    client = client_for(people["pudong"])
    response = client.get(f"/campaigns/{campaign.pk}/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/sharedStrings.xml").decode()
    assert "张江市场监督管理所" in xml and "叶榭" not in xml
    data = client.get(f"/api/v1/campaigns/{campaign.pk}/progress/").json()
    assert data["total"]["targets"] == 3 and len(data["units"]) == 2
    targets = client.get(f"/api/v1/campaigns/targets/?campaign={campaign.pk}").json()
    assert targets["count"] == 3
    assert (
        client_for(people["songjiang"])
        .get(f"/api/v1/campaigns/targets/?campaign={campaign.pk}")
        .json()["count"]
        == 1
    )
    assert client.get("/api/v1/campaigns/").json()["count"] == 1


def test_station_sees_no_manage_actions(org, people, items, register):
    campaign = create(people["city"], org["city"], items)
    client = client_for(people["zhang"])
    text = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "generate-button" not in text
    assert client.post(f"/campaigns/{campaign.pk}/generate/").status_code == 403
    assert client.get("/campaigns/new/").status_code == 403
