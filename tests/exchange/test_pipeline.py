"""Validation in a forked process beside the writes (zhijian/exchange/pipeline.py): the same
outcome as in one process, errors in their place, no database access in the child, no child
left behind."""

from __future__ import annotations

import csv
import multiprocessing
import os
import time
import zipfile

import pytest

from zhijian.exchange import entities, pipeline, readers, services
from zhijian.exchange.models import ImportBatch, RejectedRow
from zhijian.registry import location
from zhijian.registry.models import ComplaintRecord, Entity, EntityPerson, Person

from .conftest import entity_row, make_id, make_uscc, write_csv, write_xlsx
from .test_roundtrip import table_state


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setenv(services.CHUNK_ENV, "7")


def outcome(batch: ImportBatch) -> tuple:
    rejected = RejectedRow.objects.filter(batch_id=batch.pk).order_by("row_number")
    return (
        batch.status,
        batch.rows_read,
        batch.accepted,
        batch.rejected,
        batch.message,
        list(rejected.values_list("row_number", "column", "value", "reason", "raw")),
    )


def entity_rows() -> list[dict]:
    rows = [entity_row(make_uscc(), 法定代表人证件号码=make_id(i % 4)) for i in range(40)]
    rows[3]["主体类型"] = "错"
    rows[9]["成立日期"] = "2020/1/1"
    rows[20] = dict(rows[2])  # a duplicate key three chunks later
    rows[21]["统一社会信用代码"] = rows[21]["统一社会信用代码"][:17] + "0"
    rows[30]["住所"] = "无法解析的地址"
    rows[31]["所属区"] = "310117"
    return rows


def test_forked_validation_gives_the_same_outcome(org, tmp_path):
    path = write_csv(tmp_path / "e.csv", entity_rows())
    one = services.import_file("entities", path, parallel=False)
    state = table_state("entities")
    Entity.objects.all().delete()
    forked = services.import_file("entities", path, parallel=True)
    assert outcome(forked)[1:] == outcome(one)[1:]
    assert outcome(forked)[:4] == ("done", 40, 36, 4)
    assert table_state("entities") == state
    again = services.import_file("entities", path, parallel=True)  # re-sending: updates
    assert (again.accepted, Entity.objects.count()) == (36, 36)
    assert table_state("entities") == state


def test_legal_representatives_last_name_wins(org, tmp_path):
    """A person named differently in several parts and chunks keeps the last name, and every
    person of the file gets the batch as provenance, in one process or beside one."""
    rows = [
        entity_row(make_uscc(), 法定代表人=f"名{i}", 法定代表人证件号码=make_id(i % 3))
        for i in range(20)
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    states = []
    for parallel in (False, True):
        Entity.objects.all().delete()
        Person.objects.all().delete()
        batch = services.import_file("entities", path, parallel=parallel)
        people = Person.objects.order_by("id_number")
        assert set(people.values_list("batch_id", flat=True)) == {batch.pk}
        states.append(list(people.values_list("id_number", "name", "id_is_citizen")))
    assert states[0] == states[1]
    assert [name for _n, name, _c in states[0]] == ["名18", "名19", "名17"]


def test_tables_with_references_in_the_forked_process(org, tmp_path):
    codes = [make_uscc() for _ in range(3)]
    services.import_file("entities", write_csv(tmp_path / "e.csv", [entity_row(c) for c in codes]))
    people = [
        {"统一社会信用代码": codes[i % 3], "姓名": f"人{i}", "证件号码": make_id(i), "职务": "董事"}
        for i in range(20)
    ]
    people[5]["统一社会信用代码"] = make_uscc()  # unknown entity: rejected, does not claim a key
    people[12] = dict(people[5], 统一社会信用代码=codes[2])  # same person: the first valid wins
    people[15] = dict(people[1])
    complaints = [
        {"工单编号": f"T{i}", "类型": "投诉", "登记时间": "2024-05-01 09:30:00",
         "被诉主体名称": "某", "诉求内容": "退款", "被诉主体统一社会信用代码": codes[i % 3],
         "涉及地址": "上海市浦东新区张江镇祖冲之路1号"}
        for i in range(10)
    ]  # fmt: skip
    complaints[8] = dict(complaints[2])
    for table, rows, model in [
        ("entity_persons", people, EntityPerson),
        ("complaints", complaints, ComplaintRecord),
    ]:
        path = write_csv(tmp_path / f"{table}.csv", rows)
        one = services.import_file(table, path, parallel=False)
        state = table_state(table)
        model.objects.all().delete()
        forked = services.import_file(table, path, parallel=True)
        assert outcome(forked)[1:] == outcome(one)[1:]
        assert forked.accepted + forked.rejected == forked.rows_read == len(rows)
        assert table_state(table) == state
    assert EntityPerson.objects.count() == 18


def test_a_broken_row_fails_the_batch_after_the_committed_chunks(org, tmp_path, monkeypatch):
    rows = [entity_row(make_uscc()) for _ in range(30)]
    rows[17]["经营范围"] = "BROKEN"
    tidy = readers._tidy_csv

    def breaking(raw):
        if "BROKEN" in raw:
            raise csv.Error("unexpected end of data")
        return tidy(raw)

    monkeypatch.setattr(readers, "_tidy_csv", breaking)
    batch = services.import_file("entities", write_csv(tmp_path / "e.csv", rows), parallel=True)
    assert batch.status == "failed"
    assert batch.message == "CSV格式错误（第20行附近）：unexpected end of data"
    assert (batch.rows_read, batch.accepted) == (14, 14)  # two whole chunks of 7
    assert Entity.objects.count() == 14
    assert multiprocessing.active_children() == []


def test_the_validation_process_cannot_query_the_database(org, tmp_path, monkeypatch):
    locate = location.locate

    def querying(*args):
        Entity.objects.count()
        return locate(*args)

    monkeypatch.setattr(location, "locate", querying)
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc()) for _ in range(3)])
    batch = services.import_file("entities", path, parallel=True)
    assert batch.status == "failed"
    assert "RuntimeError: the validation process must not query the database" in batch.message
    assert Entity.objects.count() == 0
    assert services.import_file("entities", path, parallel=False).status == "done"


def test_a_validation_process_that_dies_fails_the_batch(org, tmp_path, monkeypatch):
    def dying(*args):
        os._exit(3)  # runs only in the forked validation process

    monkeypatch.setattr(location, "locate", dying)
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc()) for _ in range(3)])
    batch = services.import_file("entities", path, parallel=True)
    assert batch.status == "failed"
    assert "the validation process ended unexpectedly (exit code 3)" in batch.message
    assert Entity.objects.count() == 0


def test_a_failing_write_stops_the_validation_process(org, tmp_path, monkeypatch):
    write = entities.EntityWriter.write
    written = []

    def failing(self, records):
        if len(written) >= 7:  # the second chunk
            raise RuntimeError("disk full")
        written.extend(records)
        write(self, records)

    monkeypatch.setattr(entities.EntityWriter, "write", failing)
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc()) for _ in range(50)])
    batch = services.import_file("entities", path, parallel=True)
    assert batch.status == "failed" and "disk full" in batch.message
    assert (batch.rows_read, Entity.objects.count()) == (7, 7)
    assert multiprocessing.active_children() == []


def test_the_readers_notes_come_back_from_the_validation_process(org, tmp_path):
    """An XLSX sheet that stops after 1,000 blank rows: the note is made while reading."""
    template = write_xlsx(tmp_path / "t.xlsx", [entity_row(make_uscc()) for _ in range(10)])
    path = tmp_path / "blank.xlsx"
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                blank = "".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(12, 1100))
                text = data.decode().replace("</sheetData>", blank + "</sheetData>")
                data = text.replace('ref="A1:Q11"', 'ref="A1:Q1099"').encode()
            target.writestr(info, data)
    batch = services.import_file("entities", path, parallel=True)
    assert (batch.status, batch.accepted) == ("done", 10)
    assert "第12行起连续1000行为空，停止读取其后内容" in batch.message


@pytest.mark.parametrize(
    ("rows", "size", "part", "parts"),
    [
        (20, 7, 7, [7, 7, 6]),
        (20, 7, 3, [3, 3, 1, 3, 3, 1, 3, 3]),
        (9, 4, 4, [4, 4, 1]),
        (1, 7, 2, [1]),
    ],
)
def test_parts_never_straddle_a_chunk(rows, size, part, parts):
    class Counting:
        def check(self, items):
            return services.Checked(len(items), [], [])

    table_file = readers.TableFile("csv", "UTF-8", [], iter(()), 0)
    items = iter([(n, [], []) for n in range(rows)])
    stream = list(services._checked_parts(Counting(), next(items), items, table_file, size, part))
    assert [p.rows_read for p in stream[:-1]] == parts
    assert isinstance(stream[-1], services.End)
    chunks = services._Transactions(iter(stream), size)
    assert [sum(p.rows_read for p in chunk) for chunk in chunks] == [
        min(size, rows - start) for start in range(0, rows, size)
    ]


def test_when_the_validation_forks(monkeypatch):
    monkeypatch.delenv(services.PARALLEL_ENV, raising=False)
    monkeypatch.setattr(services.pipeline, "can_fork", lambda threads=True: True)
    assert services._parallel_by_default(8, 7) is True
    assert services._parallel_by_default(7, 7) is False  # a single chunk: nothing to overlap
    monkeypatch.setenv(services.PARALLEL_ENV, "0")
    assert services._parallel_by_default(10**6, 7) is False
    monkeypatch.setenv(services.PARALLEL_ENV, "1")
    assert services._parallel_by_default(1, 7) is True


def test_the_validation_process_works_ahead_but_never_more_than_ahead():
    total = pipeline.AHEAD + 15
    stream = pipeline.Forked(iter(range(total)))
    folder = stream._folder
    try:
        start = time.monotonic()
        stream.pause(0.3)  # the parent reads nothing meanwhile
        assert time.monotonic() - start >= 0.3
        assert len(list(folder.iterdir())) == pipeline.AHEAD  # ahead, and bounded
        assert list(stream) == list(range(total))
        assert list(folder.iterdir()) == []  # every item file is removed once read
    finally:
        stream.close()
    assert not folder.exists()
    assert multiprocessing.active_children() == []


def test_closing_early_removes_the_items_not_read():
    stream = pipeline.Forked(iter(range(pipeline.AHEAD * 3)))
    folder = stream._folder
    assert next(stream) == 0
    stream.close()
    assert not folder.exists()
    assert multiprocessing.active_children() == []
