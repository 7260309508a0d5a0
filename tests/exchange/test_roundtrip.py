"""Export in the exchange format, masking, import(export(x)) = x, error report re-import,
and a process killed midway."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from zhijian.audit.models import AuditRecord
from zhijian.exchange import services, specs
from zhijian.registry.models import Entity

from .conftest import entity_row, make_id, make_uscc, write_csv

ROOT = Path(__file__).resolve().parents[2]


def table_state(table: str) -> list[list[str]]:
    spec = specs.SPECS[table]
    rows = list(services.export_rows(spec, spec.model.objects.all(), masked=False))[1:]
    return sorted(rows)


def seed(tmp_path):
    codes = [make_uscc() for _ in range(4)]
    rows = [
        entity_row(c, 名称=f"=公司{i}", 经营范围="'+x" if i else "") for i, c in enumerate(codes)
    ]
    rows[1]["登记状态"], rows[1]["注销日期"] = "吊销", "2024-01-31"
    rows[2]["法定代表人证件号码"] = ""
    services.import_file("entities", write_csv(tmp_path / "e.csv", rows))
    persons = [{"统一社会信用代码": codes[0], "姓名": "李四", "证件号码": make_id(7), "职务": "股东",
                "认缴出资额（万元）": "12.3456"}]  # fmt: skip
    services.import_file("entity_persons", write_csv(tmp_path / "p.csv", persons))
    complaints = [{"工单编号": "T1", "类型": "投诉", "登记时间": "2024-05-01 09:30:00",
                   "被诉主体名称": "某", "诉求人姓名": "王小明", "诉求人手机号": "13912345678",
                   "诉求内容": "退款", "被诉主体统一社会信用代码": codes[0]}]  # fmt: skip
    services.import_file("complaints", write_csv(tmp_path / "c.csv", complaints))
    return codes


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_of_an_unmasked_export_reproduces_the_table(org, tmp_path, fmt):
    seed(tmp_path)
    tables = ("entities", "entity_persons", "complaints")
    before = {table: table_state(table) for table in tables}
    for table in tables:
        out = tmp_path / f"{table}.{fmt}"
        assert services.export_table(table, out, masked=False) == len(before[table]) > 0
    for table in reversed(tables):
        specs.SPECS[table].model.objects.all().delete()
    for table in tables:
        batch = services.import_file(table, tmp_path / f"{table}.{fmt}")
        assert (batch.status, batch.rejected) == ("done", 0), (
            batch.message,
            list(batch.rejected_rows.values()),
        )
    for table in tables:
        assert table_state(table) == before[table]
    # Re-importing the same export again changes nothing either.
    services.import_file("entities", tmp_path / f"entities.{fmt}")
    assert Entity.objects.count() == 4


def test_export_masks_personal_data_and_is_audited(org, tmp_path):
    seed(tmp_path)
    out = tmp_path / "e.csv"
    services.export_table("entities", out)
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["联系电话"] == "138****8000"
    assert rows[0]["法定代表人证件号码"].startswith("310") and "*" in rows[0]["法定代表人证件号码"]
    assert rows[0]["名称"] == "'=公司0"  # formula-looking text is marked in CSV
    out = tmp_path / "c.xlsx"
    services.export_table("complaints", out)
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    header, values = [list(r) for r in sheet.iter_rows(values_only=True)]
    row = dict(zip(header, values, strict=True))
    assert (row["诉求人姓名"], row["诉求人手机号"]) == ("王**", "139****5678")
    assert AuditRecord.objects.filter(action="export").count() == 2


def test_export_respects_data_scope(org, make_user, tmp_path):
    seed(tmp_path)
    Entity.objects.update(unit=org["zhangjiang"])
    Entity.objects.filter(pk=Entity.objects.order_by("pk").first().pk).update(unit=org["yexie"])
    user = make_user("pd", org["pudong"])
    out = tmp_path / "scoped.csv"
    assert services.export_table("entities", out, user=user) == Entity.objects.count() - 1


def test_the_error_report_can_be_corrected_and_reimported(org, tmp_path):
    good, bad = make_uscc(), make_uscc()
    rows = [entity_row(good), entity_row(bad, 主体类型="公司", 成立日期="2020/1/1")]
    batch = services.import_file("entities", write_csv(tmp_path / "e.csv", rows))
    report = tmp_path / "report.xlsx"
    services.write_xlsx(services.error_report_rows(batch), report, "错误报告")
    book = openpyxl.load_workbook(report)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-3:] == ["错误列", "错误原因", "原行号"]
    line = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert line["错误列"] == "主体类型、成立日期" and "成立日期：日期格式" in line["错误原因"]
    sheet.cell(2, header.index("主体类型") + 1, "私营企业")
    sheet.cell(2, header.index("成立日期") + 1, "2020-01-01")
    book.save(report)
    again = services.import_file("entities", report)
    assert (again.accepted, again.rejected) == (1, 0)
    assert "错误" not in again.message  # the report's own columns are ignored silently
    assert Entity.objects.count() == 2


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "zhijian.cli", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_killed_midway_then_rerun_equals_one_clean_run(tmp_path):
    """A real process is killed (os._exit) after 2 committed chunks; re-running converges."""
    rows = [entity_row(make_uscc(100_000 + i)) for i in range(5_500)]
    rows[10]["主体类型"] = "错"
    rows[3000] = dict(rows[5])  # duplicate key in another chunk
    data = write_csv(tmp_path / "big.csv", rows)
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhijian.settings"}
    template = tmp_path / "template.sqlite3"
    env = {
        **base,
        "ZHIJIAN_DATABASE_URL": f"sqlite:///{template}",
        "ZHIJIAN_VAR_DIR": str(tmp_path),
    }
    assert _cli(env, "migrate", "-v", "0").returncode == 0
    assert _cli(env, "orgs", "load").returncode == 0

    def database(name):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(template, path)
        return {**env, "ZHIJIAN_DATABASE_URL": f"sqlite:///{path}"}

    clean, killed = database("clean"), database("killed")
    assert _cli(clean, "import", "entities", str(data), "--quiet").returncode == 0
    crash = _cli({**killed, services.KILL_ENV: "2"}, "import", "entities", str(data), "--quiet")
    assert crash.returncode == 137
    dump = (
        "import django; django.setup();"
        "from zhijian.exchange.models import ImportBatch as B;"
        "from zhijian.registry.models import Entity as E;"
        "b = B.objects.order_by('pk').last();"
        "print(b.status, b.rows_read, b.accepted, b.rejected, E.objects.count())"
    )
    state = subprocess.run([sys.executable, "-c", dump], env=killed, capture_output=True, text=True)
    status, read, accepted, rejected, entities = state.stdout.split()
    assert (status, read) == ("running", "4000")  # exactly two whole chunks
    assert int(accepted) + int(rejected) == 4000 and int(entities) == int(accepted)
    again = _cli(killed, "import", "entities", str(data), "--quiet")
    assert again.returncode == 0, again.stderr
    assert "读取 5500  接受 5498  拒绝 2" in again.stdout
    compare = (
        "import django, json; django.setup();"
        "from zhijian.exchange import services, specs;"
        "from zhijian.exchange.models import ImportBatch as B;"
        "s = specs.SPECS['entities'];"
        "print(json.dumps(sorted(services.export_rows(s, s.model.objects.all(), masked=False))));"
        "print(list(B.objects.order_by('pk').values_list('status', flat=True)))"
    )
    outputs = [
        subprocess.run([sys.executable, "-c", compare], env=e, capture_output=True, text=True)
        for e in (clean, killed)
    ]
    clean_rows, _ = outputs[0].stdout.splitlines()
    killed_rows, statuses = outputs[1].stdout.splitlines()
    assert clean_rows == killed_rows
    assert statuses == "['interrupted', 'done']"
