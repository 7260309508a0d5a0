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


@pytest.mark.parametrize("parallel", ["0", "1"], ids=["one-process", "forked-validation"])
def test_killed_midway_then_rerun_equals_one_clean_run(tmp_path, parallel):
    """A real process is killed (os._exit) after 2 committed chunks; re-running converges.
    The search triggers, suspended inside every chunk's transaction, are back after the kill,
    and the search index holds exactly the committed entities."""
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
        services.CHUNK_ENV: "2000",
        services.PARALLEL_ENV: parallel,
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
    assert _search_state(killed) == ["registry_entity_search_ad", "registry_entity_search_ai",
                                     "registry_entity_search_au", f"indexed {entities}"]  # fmt: skip
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
    assert _search_state(killed)[-1] == "indexed 5498"


SEARCH_STATE = r"""
import django; django.setup()
from django.db import connection, transaction
def index(cursor):
    cursor.execute("SELECT v.term, e.uscc, v.col, v.offset FROM temp.v v "
                   "LEFT JOIN registry_entity e ON e.id = v.doc ORDER BY 1, 2, 3, 4")
    return cursor.fetchall()
with transaction.atomic(), connection.cursor() as c:
    c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
              "AND tbl_name = 'registry_entity' ORDER BY name")
    print(*[name for name, in c.fetchall()], sep="\n")
    c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, registry_entity_search, instance)")
    c.execute("SELECT count(DISTINCT doc) FROM temp.v")
    docs = c.fetchone()[0]
    kept = index(c)
    # The triggers' own answer: deleting every entity must empty the index, inserting them
    # again must index them exactly as kept.
    c.execute("CREATE TEMP TABLE saved AS SELECT * FROM registry_entity")
    c.execute("DELETE FROM registry_entity")
    emptied = index(c) == []
    c.execute("INSERT INTO registry_entity SELECT * FROM saved")
    same = emptied and index(c) == kept
    transaction.set_rollback(True)
print(f"indexed {docs}" if same else "the index differs from the triggers' one")
"""


def _search_state(env) -> list[str]:
    """The triggers on registry_entity, and whether the search index equals a rebuild."""
    run = subprocess.run([sys.executable, "-c", SEARCH_STATE], env=env, capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


WEB_INSERT = (
    "INSERT INTO registry_entity (source, created_at, updated_at, unit_id, uscc, name, kind, "
    "legal_form, status, established_on, currency, legal_rep_name, address, district_code, "
    "street_code, location_source, registration_authority, industry, business_scope, phone) "
    "SELECT 'web', '2024-01-01 00:00:00', '2024-01-01 00:00:00', id, ?, ?, '私营企业', '', "
    "'存续', '2020-01-01', 'CNY', '网页录入', '上海市', '', '', 'none', '', '', '', '' "
    "FROM core_orgunit WHERE parent_id IS NULL"
)


def test_entities_written_beside_an_import_are_indexed(tmp_path):
    """While an import runs in another process (small chunks, forked validation), this
    process inserts entities one by one through its own connection: each waits for the
    chunk in progress (never for the whole import), finds the search triggers in place, and
    is indexed by them."""
    import sqlite3
    import time

    rows = [entity_row(make_uscc(200_000 + i)) for i in range(6_000)]
    data = write_csv(tmp_path / "big.csv", rows)
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhijian.settings",
        "ZHIJIAN_DATABASE_URL": f"sqlite:///{database}",
        "ZHIJIAN_VAR_DIR": str(tmp_path),
        services.CHUNK_ENV: "200",
        services.PARALLEL_ENV: "1",
    }
    assert _cli(env, "migrate", "-v", "0").returncode == 0
    assert _cli(env, "orgs", "load").returncode == 0
    command = [sys.executable, "-m", "zhijian.cli", "import", "entities", str(data), "--quiet"]
    importer = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    web = sqlite3.connect(database, timeout=60, isolation_level=None)
    during = []
    try:
        while importer.poll() is None:
            web.execute("BEGIN IMMEDIATE")
            (read,) = web.execute(
                "SELECT coalesce(max(rows_read), 0) FROM exchange_importbatch"
            ).fetchone()
            web.execute(WEB_INSERT, (make_uscc(300_000 + len(during)), f"网页主体{len(during)}"))
            web.execute("COMMIT")
            during.append(read)
            time.sleep(0.01)
    finally:
        web.close()
        out, _ = importer.communicate(timeout=300)
    assert importer.returncode == 0 and "接受 6000" in out
    # written between chunks, again and again (the importer pauses for other writers)
    assert len({read for read in during if 0 < read < 6_000}) >= 3
    assert _search_state(env)[-1] == f"indexed {6_000 + len(during)}"
