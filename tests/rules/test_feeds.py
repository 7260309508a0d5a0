"""External warning feeds (外部预警接入): definitions, the import of files and JSON rows with
row-level Chinese reasons, deduplication, routing and tasks through the engine, the page, the
API, the command and the permission."""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import include, path, reverse
from django.utils import timezone

from tests.scope_world import _entity
from zhijian.audit.models import AuditRecord
from zhijian.core.identifiers import uscc_check_char
from zhijian.rules import feeds
from zhijian.rules.models import RuleRun, RuleVersion, Warning
from zhijian.supervision.models import Task
from zhijian.urls import urlpatterns as project_urls

# The API routes as zhijian/urls.py will include them (path("api/v1/warnings/", …)).
urlpatterns = [*project_urls, path("api/v1/warnings/", include("zhijian.rules.api_urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

HEADERS = ["uscc", "key", "as_of", "level", "description", "网站名称"]
FEED_IDS = {
    "feed_network_monitoring", "feed_ad_monitoring", "feed_food_sampling_trace",
    "feed_smart_elevator", "feed_credit_risk_system", "feed_certification", "feed_barcode",
    "feed_price",
}  # fmt: skip


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> str:
    return (today() - dt.timedelta(days=n)).isoformat()


def unknown_uscc() -> str:
    body = "91310115MA9XXXXX9"
    return body + uscc_check_char(body)


def write_csv(path: Path, rows: list[dict], headers=None, encoding="utf-8") -> Path:
    headers = headers or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], formulas=()) -> Path:
    import xlsxwriter

    headers = list(dict.fromkeys(k for r in rows for k in r))
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            if (r, h) in formulas:
                sheet.write_formula(r, c, row[h])
            else:
                sheet.write_string(r, c, row.get(h, ""))
    workbook.close()
    return path


def row(entity, key="X1", *, as_of=None, **over) -> dict:
    data = {"uscc": entity.uscc, "key": key, "as_of": as_of or days_ago(1), "level": "",
            "description": f"{entity.name}涉嫌违法", "网站名称": "某网店"}  # fmt: skip
    data.update(over)
    return data


def check_counts(result: feeds.ImportResult) -> None:
    assert result.accepted + result.rejected == result.rows_read
    assert result.raised + result.duplicates == result.accepted
    run = RuleRun.objects.get(pk=result.run_id)
    assert run.trigger == RuleRun.Trigger.FEED
    assert (run.rows_examined, run.candidates, run.raised, run.duplicates) == (
        result.rows_read, result.accepted, result.raised, result.duplicates,
    )  # fmt: skip


@pytest.fixture
def entities(org):
    return {
        "zhangjiang": _entity(org["zhangjiang"], "张江网店"),
        "yexie": _entity(org["yexie"], "叶榭商行"),
        "huamu": _entity(org["huamu"], "花木食品"),
    }


# --- definitions -------------------------------------------------------------------------------


def test_every_feed_is_defined_with_its_routing_and_handling():
    every = feeds.all_feeds()
    assert set(every) == FEED_IDS
    for feed in every.values():
        assert feed.name and feed.source_system and len(feed.version) == 16
        assert feed.dedup_days >= 1 and feed.level in ("normal", "high")
    acknowledge = {f.id for f in every.values() if f.handling == "acknowledge"}
    assert acknowledge == {"feed_certification", "feed_price"}
    assert every["feed_price"].route.to == "city_department"
    food = every["feed_food_sampling_trace"]
    assert food.route.to == "district_department" and food.route.department == "食品经营科"
    assert food.departments == ("食品生产科", "食品经营科")
    assert every["feed_network_monitoring"].source_system == "网络监测系统"


FEED_YAML = """\
id: feed_test_system
name: 测试系统
category: 风险预警类
source_system: 测试系统
description: 测试
legal_basis: 测试依据
routing:
  to: home_station
handling: task
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("handling: task", "handling: email"), "“handling”应为 task / acknowledge 之一"),
        (("to: home_station", "to: district_department"), "必须写明承办部门"),
        (("source_system: 测试系统\n", ""), "缺少“source_system”"),
        (("handling: task", "handling: task\ndedup_days: 0"), "“dedup_days”应为正整数"),
        (("handling: task", "handling: task\ncolour: red"), "未知的字段：colour"),
        (("handling: task", "handling: task\nlevel: urgent"), "“level”应为 normal / high 之一"),
        (("id: feed_test_system", "id: other_system"), "应为 feed_ 开头"),
        (("  to: home_station", "  to: home_station\n  departments: [甲科]"), "只适用于推送到区局"),
    ],
)
def test_bad_feed_files_are_refused_in_chinese(tmp_path, change, message):
    path = tmp_path / "feed_test_system.yaml"
    path.write_text(FEED_YAML.replace(*change), encoding="utf-8")
    with pytest.raises(feeds.FeedDefinitionError, match=message) as info:
        feeds.load_file(path)
    assert "外部预警接入文件 feed_test_system.yaml" in str(info.value)


def test_an_unknown_feed_names_the_known_ones():
    with pytest.raises(feeds.FeedDefinitionError, match="没有标识为“feed_nope”.*feed_price"):
        feeds.get("feed_nope")


# --- valid rows: routing, tasks, 阅知 ------------------------------------------------------------


def test_valid_rows_become_routed_warnings_with_tasks(org, entities, tmp_path):
    a, b = entities["zhangjiang"], entities["yexie"]
    path = write_csv(tmp_path / "n.csv", [row(a, "JC-1", level="较高"), row(b, "JC-2")])
    result = feeds.import_file("feed_network_monitoring", path)
    assert (result.status, result.rows_read, result.raised, result.rejected) == ("done", 2, 2, 0)
    check_counts(result)
    feed = feeds.get("feed_network_monitoring")
    first = Warning.objects.get(entity=a)
    assert (first.rule_id, first.rule_version, first.key) == (feed.id, feed.version, "JC-1")
    assert first.as_of == today() - dt.timedelta(days=1) and first.level == "high"
    assert first.unit == org["zhangjiang"] and first.handling == "task"
    assert first.evidence == [{"预警内容": f"{a.name}涉嫌违法", "网站名称": "某网店"}]
    assert first.evidence_total == 1 and first.parameters == {}
    assert Warning.objects.get(entity=b).unit == org["yexie"]
    assert Warning.objects.get(entity=b).level == "normal"  # the feed's default
    task = first.task
    assert task.source == Task.Source.WARNING and task.unit == org["zhangjiang"]
    assert task.title == f"网络监测预警：{a.name}" and task.due_on is not None
    assert "来源：网络监测系统" in task.description and f"{a.name}涉嫌违法" in task.description
    assert "监测线索编号：JC-1" in task.description
    run = RuleRun.objects.get(pk=result.run_id)
    assert run.version == feed.version and run.status == "done" and run.as_of == today()
    assert RuleVersion.objects.get(rule_id=feed.id, version=feed.version).definition == feed.text
    record = AuditRecord.objects.filter(action="import", object_type="risk.rulerun").last()
    assert record.object_id == str(run.pk) and "新增预警2条" in record.object_repr


def test_acknowledge_feeds_raise_reminders_without_tasks(org, entities, tmp_path):
    a = entities["zhangjiang"]
    path = write_csv(tmp_path / "c.csv", [row(a, "RZ-1")])
    result = feeds.import_file("feed_certification", path)
    warning = Warning.objects.get(rule_id="feed_certification")
    assert result.raised == 1 and warning.handling == "acknowledge" and warning.task_id is None
    assert warning.unit == org["zhangjiang"]
    feeds.import_file("feed_price", write_csv(tmp_path / "p.csv", [row(a, "JG-1")]))
    price = Warning.objects.get(rule_id="feed_price")
    assert price.unit == org["city"] and price.department == "反垄断价监办"
    assert price.task_id is None and price.handling == "acknowledge"


def test_food_sampling_goes_to_the_district_section_by_licence_or_by_row(org, entities, tmp_path):
    from zhijian.registry.models import Licence

    producer, trader, named = entities["huamu"], entities["zhangjiang"], entities["yexie"]
    Licence.objects.create(entity=producer, unit=producer.unit, number="SC1", issuer="局",
                           licence_type="食品生产许可证", issued_on="2024-01-01", status="有效")  # fmt: skip
    rows = [row(producer, "SP-1"), row(trader, "SP-2"),
            row(named, "SP-3", department="食品生产科"),
            row(trader, "SP-4", department="特食科")]  # fmt: skip
    result = feeds.import_file("feed_food_sampling_trace", write_csv(tmp_path / "f.csv", rows))
    routed = {w.key: (w.unit.code, w.department) for w in Warning.objects.all()}
    assert routed == {"SP-1": ("310115", "食品生产科"), "SP-2": ("310115", "食品经营科"),
                      "SP-3": ("310117", "食品生产科")}  # fmt: skip
    assert Warning.objects.get(key="SP-1").task.title.startswith("食品抽检预警（食品生产科）")
    (rejected,) = result.rejections
    assert rejected["row"] == 5 and rejected["column"] == "承办部门"
    assert rejected["reason"] == "承办部门应为以下之一：食品生产科、食品经营科；实为“特食科”"
    check_counts(result)


# --- rejected rows and refused files -----------------------------------------------------------


def test_each_bad_row_is_rejected_with_its_chinese_reason(org, entities, tmp_path):
    a = entities["zhangjiang"]
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    rows = [
        row(a, "OK-1"),
        row(a, "U-1", uscc=unknown_uscc()),
        row(a, ""),
        row(a, "F-1", as_of=tomorrow),
        row(a, "L-1", level="紧急"),
        row(a, "D-1", as_of="2026/06/01"),
        row(a, "B-1", uscc="12345"),
        row(a, "E-1", description=""),
        {"uscc": "", "key": "", "as_of": "", "description": "", "网站名称": "某网店"},
        row(a, "OK-2", level="HIGH"),
    ]
    result = feeds.import_file("feed_network_monitoring", write_csv(tmp_path / "bad.csv", rows))
    reasons = {r["row"]: (r["column"], r["reason"]) for r in result.rejections}
    assert reasons[3] == ("统一社会信用代码",
                          "市场主体库中没有该统一社会信用代码的主体（请先导入市场主体）")  # fmt: skip
    assert reasons[4] == ("归集键", "必填项为空")
    assert reasons[5] == ("预警日期", f"预警日期晚于今天（{today()}），不能是将来的日期")
    assert reasons[6] == ("预警等级", "预警等级应为 一般（normal）或 较高（high），实为“紧急”")
    assert reasons[7][0] == "预警日期" and "YYYY-MM-DD" in reasons[7][1]
    assert reasons[8][0] == "统一社会信用代码" and reasons[8][1].startswith("统一社会信用代码无效")
    assert reasons[9] == ("预警内容", "必填项为空")
    every = next(r for r in result.rejections if r["row"] == 10)
    assert [e["column"] for e in every["errors"]] == ["统一社会信用代码", "归集键", "预警日期",
                                                       "预警内容"]  # fmt: skip
    assert "统一社会信用代码：必填项为空；归集键：必填项为空" in every["reason"]
    assert (result.rows_read, result.rejected, result.raised) == (10, 8, 2)
    assert Warning.objects.get(key="OK-2").level == "high"
    check_counts(result)


def test_a_formula_cell_rejects_its_row(org, entities, tmp_path):
    a = entities["zhangjiang"]
    rows = [row(a, "OK-1"), row(a, "F-1", 网站名称='=HYPERLINK("http://x","点我")'),
            row(a, "F-2", description="=1+1")]  # fmt: skip
    path = write_xlsx(tmp_path / "f.xlsx", rows, formulas={(2, "网站名称")})
    result = feeds.import_file("feed_network_monitoring", path)
    assert result.format == "xlsx" and result.raised == 1 and result.rejected == 2
    by_row = {r["row"]: r for r in result.rejections}
    assert by_row[3]["column"] == "网站名称" and by_row[3]["value"].startswith("=HYPERLINK")
    assert by_row[3]["reason"].startswith("单元格为公式（以“=”开头）")
    assert by_row[4]["column"] == "预警内容" and "公式" in by_row[4]["reason"]
    check_counts(result)


def test_a_gbk_csv_with_chinese_headers_is_read(org, entities, tmp_path):
    a = entities["zhangjiang"]
    headers = ["统一社会信用代码", "归集键", "预警日期", "预警等级", "预警内容", "电梯注册代码"]
    data = [{"统一社会信用代码": a.uscc, "归集键": "DT-1", "预警日期": days_ago(2),
             "预警等级": "一般", "预警内容": "电梯困人超过30分钟", "电梯注册代码": "31103101"}]  # fmt: skip
    path = write_csv(tmp_path / "gbk.csv", data, headers, encoding="gbk")
    result = feeds.import_file("feed_smart_elevator", path)
    assert (result.encoding, result.raised) == ("GB18030", 1)
    warning = Warning.objects.get(rule_id="feed_smart_elevator")
    assert warning.level == "normal"  # 一般, although the feed's default is high
    assert warning.evidence == [{"预警内容": "电梯困人超过30分钟", "电梯注册代码": "31103101"}]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件为空（0字节）"),
        (b"uscc,key,as_of,description\n", "文件只有表头，没有数据行"),
        (b"uscc,as_of,description\n1,2,3\n", "缺少必需的列：归集键（key）"),
        (b"uscc,key,key,as_of\n", "表头重复"),
        ("uscc,key,归集键,as_of,description\n1,2,3,4,5\n".encode(), "列“key”与“归集键”重复"),
        (b"uscc,key\n\xff\xfe\xfd,1\n", "文件编码无法识别"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "不支持旧版Excel"),
    ],
)
def test_a_file_refused_as_a_whole_is_a_failed_run_that_says_why(org, tmp_path, content, reason):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    result = feeds.import_file("feed_barcode", path)
    assert result.failed and reason in result.message
    run = RuleRun.objects.get(pk=result.run_id)
    assert run.status == RuleRun.Status.FAILED and reason in run.error
    assert run.trigger == RuleRun.Trigger.FEED and run.rows_examined == 0
    assert not Warning.objects.exists()


# --- deduplication -----------------------------------------------------------------------------


def test_duplicates_within_the_window_are_skipped_and_reported(org, entities, tmp_path):
    a, b = entities["zhangjiang"], entities["yexie"]
    first = feeds.import_file("feed_barcode", write_csv(tmp_path / "q1.csv", [
        row(a, "690123", as_of=days_ago(100)), row(b, "690456", as_of=days_ago(30)),
    ]))  # fmt: skip
    assert first.raised == 2
    earlier = Warning.objects.get(entity=b)
    rows = [
        row(a, "690123", as_of=days_ago(10)),  # 90 days later: the window (80 days) has passed
        row(b, "690456", as_of=days_ago(5)),  # 25 days later: a duplicate of the warning
        row(b, "690999", as_of=days_ago(5)),  # another key
        row(b, "690999", as_of=days_ago(1)),  # the same key again in the file
        row(a, "690456", as_of=days_ago(5)),  # the same key, another entity
    ]
    result = feeds.import_file("feed_barcode", write_csv(tmp_path / "q2.csv", rows))
    assert (result.rows_read, result.raised, result.duplicates, result.rejected) == (5, 3, 2, 0)
    check_counts(result)
    dup = {d["row"]: d for d in result.duplicate_rows}
    assert set(dup) == {3, 5}
    assert dup[3]["warning"] == earlier.pk and dup[3]["uscc"] == b.uscc
    assert dup[3]["reason"] == (f"80天内已有同一主体、同一归集键的预警（预警日期{days_ago(30)}），"
                                "不重复预警")  # fmt: skip
    assert dup[5]["reason"] == "与第4行重复（同一主体、同一归集键，80天内）"
    assert dup[5]["warning"] is None
    assert Warning.objects.filter(entity=a, key="690123").count() == 2
    assert Warning.objects.filter(rule_id="feed_barcode").count() == 5


def test_importing_the_same_file_again_raises_nothing_new(org, entities, tmp_path):
    rows = [row(e, f"K-{i}") for i, e in enumerate(entities.values())]
    rows.append(row(entities["zhangjiang"], "U-1", uscc=unknown_uscc()))
    path = write_csv(tmp_path / "ad.csv", rows)
    first = feeds.import_file("feed_ad_monitoring", path)
    assert (first.raised, first.rejected) == (3, 1)
    tasks = Task.objects.count()
    again = feeds.import_file("feed_ad_monitoring", path)
    assert (again.rows_read, again.raised, again.duplicates, again.rejected) == (4, 0, 3, 1)
    check_counts(again)
    assert Warning.objects.count() == 3 and Task.objects.count() == tasks
    assert {d["warning"] for d in again.duplicate_rows} == set(
        Warning.objects.values_list("pk", flat=True)
    )


# --- JSON rows ---------------------------------------------------------------------------------


def test_json_rows_are_checked_like_file_rows(org, entities):
    a = entities["zhangjiang"]
    records = [
        {"uscc": a.uscc, "key": "J-1", "as_of": days_ago(1), "description": "线索", "金额": 12.0},
        {
            "统一社会信用代码": a.uscc,
            "归集键": "J-2",
            "预警日期": days_ago(1),
            "预警内容": "中文列名",
        },
        "not an object",
        {"uscc": a.uscc, "key": "J-3", "as_of": days_ago(1), "description": {"x": 1}},
        {"uscc": a.uscc, "key": "J-1", "as_of": days_ago(2), "description": "重复"},
    ]
    result = feeds.import_records("feed_network_monitoring", records)
    assert result.failed  # 归集键 and key both given: the columns are named twice
    assert "列“uscc”与“统一社会信用代码”重复" in result.message
    del records[1]
    result = feeds.import_records("feed_network_monitoring", records)
    assert (result.rows_read, result.raised, result.duplicates, result.rejected) == (4, 1, 1, 2)
    reasons = {r["row"]: r["reason"] for r in result.rejections}
    assert reasons == {2: "每一行应为对象（{列名: 值}）",
                       3: "应为文本、数字或日期，不能是对象或数组"}  # fmt: skip
    assert Warning.objects.get(key="J-1").evidence == [{"预警内容": "线索", "金额": "12"}]
    assert feeds.import_records("feed_network_monitoring", []).message == "没有数据行（rows为空）"


# --- the API -----------------------------------------------------------------------------------


URL = "/api/v1/warnings/feeds/{}/"


def test_api_takes_json_rows_and_files(client, people, entities, tmp_path):
    client.force_login(people["city"])
    a = entities["zhangjiang"]
    rows = [row(a, "A-1"), row(a, "A-2", level="紧急")]
    response = client.post(URL.format("feed_network_monitoring"), rows,
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["rows_read"], data["accepted"], data["rejected"], data["raised"]) == (2, 1, 1, 1)
    assert data["status"] == "done" and data["feed_name"] == "网络监测"
    assert data["rejections"] == [{
        "row": 2, "column": "预警等级", "value": "紧急",
        "reason": "预警等级应为 一般（normal）或 较高（high），实为“紧急”",
        "errors": [{"column": "预警等级", "value": "紧急",
                    "reason": "预警等级应为 一般（normal）或 较高（high），实为“紧急”"}],
    }]  # fmt: skip
    assert data["result_page"] == reverse("rules:feed_result", args=[data["run"]])
    assert data["rejected_report"] == reverse("rules:feed_rejected", args=[data["run"]])
    wrapped = client.post(URL.format("feed_network_monitoring"), {"rows": rows},
                          content_type="application/json").json()  # fmt: skip
    assert (wrapped["raised"], wrapped["duplicates"], wrapped["rejected"]) == (0, 1, 1)
    assert wrapped["duplicate_rows"][0]["row"] == 1
    path = write_csv(tmp_path / "api.csv", [row(a, "A-3")])
    with path.open("rb") as f:
        response = client.post(URL.format("feed_network_monitoring"), {"file": f})
    assert response.status_code == 200 and response.json()["raised"] == 1
    assert response.json()["file_name"] == "api.csv"
    empty = SimpleUploadedFile("e.csv", b"", content_type="text/csv")
    response = client.post(URL.format("feed_network_monitoring"), {"file": empty})
    assert response.status_code == 400 and response.json()["message"] == "文件为空（0字节）"
    assert (
        client.post(URL.format("feed_nope"), [], content_type="application/json").status_code == 404
    )
    response = client.post(URL.format("feed_price"), {"x": 1}, content_type="application/json")
    assert response.status_code == 400 and "请上传文件" in response.json()["detail"]
    response = client.post(URL.format("feed_price"), [], content_type="application/json")
    assert response.status_code == 400 and response.json()["message"] == "没有数据行（rows为空）"


def test_an_inspector_is_refused_everywhere(client, people, entities, tmp_path):
    result = feeds.import_file(
        "feed_network_monitoring", write_csv(tmp_path / "n.csv", [row(entities["huamu"])])
    )
    client.force_login(people["zhang"])
    response = client.post(URL.format("feed_network_monitoring"), [row(entities["huamu"])],
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert client.get(reverse("rules:feed_upload")).status_code == 403
    with (tmp_path / "n.csv").open("rb") as f:
        upload = {"feed": "feed_network_monitoring", "file": f}
        assert client.post(reverse("rules:feed_upload"), upload).status_code == 403
    assert client.get(reverse("rules:feed_result", args=[result.run_id])).status_code == 403
    assert client.get(reverse("rules:feed_rejected", args=[result.run_id])).status_code == 403
    assert RuleRun.objects.filter(trigger="feed").count() == 1
    client.logout()
    anonymous = client.post(URL.format("feed_price"), [], content_type="application/json")
    assert anonymous.status_code == 403


# --- the page ----------------------------------------------------------------------------------


def test_upload_page_imports_and_shows_the_result(client, people, entities, tmp_path):
    from openpyxl import load_workbook

    client.force_login(people["city"])
    page = client.get(reverse("rules:feed_upload")).content.decode()
    assert "外部预警接入" in page and "食品安全信息追溯系统" in page and "统一社会信用代码" in page
    a = entities["zhangjiang"]
    path = write_csv(tmp_path / "n.csv", [row(a, "P-1"), row(a, "P-2", as_of="昨天"),
                                          row(a, "P-1")])  # fmt: skip
    with path.open("rb") as f:
        response = client.post(reverse("rules:feed_upload"),
                               {"feed": "feed_network_monitoring", "file": f})  # fmt: skip
    run = RuleRun.objects.get(trigger="feed")
    assert response.status_code == 302 and response.url == reverse(
        "rules:feed_result", args=[run.pk]
    )
    assert run.started_by == people["city"]
    page = client.get(response.url).content.decode()
    for testid, value in [("rows-read", 3), ("accepted", 2), ("raised", 1), ("duplicates", 1),
                          ("rejected", 1)]:  # fmt: skip
        assert f'data-testid="{testid}">{value}<' in page
    assert "日期格式应为YYYY-MM-DD" in page and "与第2行重复" in page
    report = client.get(reverse("rules:feed_rejected", args=[run.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd")
    sheet = load_workbook(io.BytesIO(report.content)).active
    lines = [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert lines[0] == [*HEADERS, "错误列", "错误原因", "原行号"]
    assert lines[1][1] == "P-2" and lines[1][-3] == "预警日期" and lines[1][-1] == "3"
    assert AuditRecord.objects.filter(action="export", object_type="risk.rulerun").exists()
    # the corrected report imports again (its three extra columns are ignored)
    fixed = tmp_path / "fixed.csv"
    lines[1][2] = days_ago(1)
    with fixed.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    again = feeds.import_file("feed_network_monitoring", fixed)
    assert (again.raised, again.rejected, again.notes) == (1, 0, [])
    listed = client.get(reverse("rules:feed_upload")).content.decode()
    assert 'data-testid="feed-runs"' in listed


def test_upload_page_shows_inline_chinese_errors(client, people, tmp_path):
    client.force_login(people["city"])
    response = client.post(reverse("rules:feed_upload"), {})
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "请选择接入的系统。" in page
        and "请选择要上传的文件。" in page
    )
    empty = SimpleUploadedFile("e.csv", b"", content_type="text/csv")
    response = client.post(reverse("rules:feed_upload"), {"feed": "feed_price", "file": empty})
    assert "文件为空。" in response.content.decode() and not RuleRun.objects.exists()
    bad = SimpleUploadedFile("b.csv", b"uscc,key\n1,2\n", content_type="text/csv")
    response = client.post(reverse("rules:feed_upload"), {"feed": "feed_price", "file": bad})
    page = response.content.decode()
    assert response.status_code == 400
    assert "缺少必需的列：预警日期（as_of）、预警内容（description）" in page
    run = RuleRun.objects.get(trigger="feed", status="failed")
    assert reverse("rules:feed_result", args=[run.pk]) in page
    result_page = client.get(reverse("rules:feed_result", args=[run.pk])).content.decode()
    assert 'data-testid="feed-error"' in result_page and "rejected-report" not in result_page


# --- the command -------------------------------------------------------------------------------


def test_command_imports_a_file_and_writes_the_rejected_rows(org, entities, tmp_path):
    a = entities["zhangjiang"]
    path = write_csv(tmp_path / "n.csv", [row(a, "C-1"), row(a, "C-2", uscc=unknown_uscc())])
    out = io.StringIO()
    report = tmp_path / "rejected.xlsx"
    call_command("warnings", "import", "feed_credit_risk_system", str(path),
                 "--rejected", str(report), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "读取 2 行，接受 1 行（新增预警 1 条，重复跳过 0 条），拒绝 1 行" in text
    assert "拒绝 第3行 统一社会信用代码：市场主体库中没有该统一社会信用代码的主体" in text
    assert report.is_file() and "已把 1 行拒绝的行写入" in text
    assert Warning.objects.get().task.unit == org["zhangjiang"]
    with pytest.raises(CommandError, match="没有标识为“feed_nope”"):
        call_command("warnings", "import", "feed_nope", str(path))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件为空（0字节）"):
        call_command("warnings", "import", "feed_barcode", str(empty))
    out = io.StringIO()
    call_command("warnings", "export", "--out", str(tmp_path / "w.csv"),
                 "--rule", "feed_credit_risk_system", stdout=out)  # fmt: skip
    assert "已导出 1 条预警" in out.getvalue()


def test_stored_rows_are_capped_but_the_counts_are_exact(org, entities, monkeypatch):
    monkeypatch.setattr(feeds, "STORED_ROWS", 2)
    a = entities["zhangjiang"]
    records = [{"uscc": a.uscc, "key": f"K{i}", "as_of": "bad", "description": "x"}
               for i in range(5)]  # fmt: skip
    result = feeds.import_records("feed_network_monitoring", records)
    assert result.rejected == 5 and len(result.rejections) == 5  # all returned at once
    stored = feeds.ImportResult.from_run(RuleRun.objects.get(pk=result.run_id))
    assert stored.rejected == 5 and len(stored.rejections) == 2 and stored.truncated


def test_the_loader_reads_a_directory_of_feeds(tmp_path):
    (tmp_path / "feed_test_system.yaml").write_text(
        FEED_YAML + textwrap.dedent("""\
        key_label: 线索编号
        evidence_columns: [网址]
        """), encoding="utf-8",
    )  # fmt: skip
    (feed,) = feeds.all_feeds(tmp_path).values()
    assert (feed.key_label, feed.evidence_columns, feed.dedup_days) == ("线索编号", ("网址",), 365)
