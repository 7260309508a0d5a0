"""Set-wise search indexing of imports (zhijian/registry/indexing.py, exchange/entities.py).

The SQLite search index an import leaves must be exactly the one the row triggers of
migrations 0002/0003 would have written, so that search results are the same and a later
trigger (an edit, a deletion) removes the tokens cleanly. ``trigger_index()`` gets the
triggers' own answer for the current rows: every entity is deleted (the delete trigger takes
out exactly the tokens *it* computes, so the index must then be empty) and inserted again with
the same id (the insert trigger indexes it).
"""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction

from tests.exchange.conftest import attach_streets, entity_row, make_id, make_uscc, write_csv
from zhijian.exchange import services, specs
from zhijian.registry import indexing
from zhijian.registry.models import Entity
from zhijian.registry.search import search_entities

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite search index (PostgreSQL indexes itself)"
)

TRIGGERS = ["registry_entity_search_ad", "registry_entity_search_ai", "registry_entity_search_au"]


@pytest.fixture(autouse=True)
def _fresh_spec_caches():
    specs.clear_caches()
    yield
    specs.clear_caches()


@pytest.fixture
def org(org):
    """The test tree with its divisions and streets, so that addresses find their units."""
    return attach_streets(org)


def index_content() -> list[tuple]:
    """Every (token, USCC of the entity, column, position) in the search index; a token of a
    row that no longer exists shows with USCC ``None``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab "
            "USING fts5vocab(main, registry_entity_search, instance)"
        )
        cursor.execute(
            "SELECT v.term, e.uscc, v.col, v.offset FROM temp.search_vocab v "
            "LEFT JOIN registry_entity e ON e.id = v.doc ORDER BY 1, 2, 3, 4"
        )
        return cursor.fetchall()


def trigger_index() -> tuple[list[tuple], list[tuple]]:
    """(what the delete trigger leaves of the index, the index the insert trigger writes)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE saved_entities AS SELECT * FROM registry_entity")
        cursor.execute("DELETE FROM registry_entity")
        leftover = index_content()
        cursor.execute("INSERT INTO registry_entity SELECT * FROM saved_entities")
        cursor.execute("DROP TABLE saved_entities")
    return leftover, index_content()


def assert_indexed_as_by_triggers() -> list[tuple]:
    imported = index_content()
    assert imported, "nothing indexed"
    leftover, by_triggers = trigger_index()
    assert leftover == []
    assert imported == by_triggers
    return imported


def triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'registry_entity' ORDER BY name"
        )
        return [name for (name,) in cursor.fetchall()]


def found(q: str) -> set[str]:
    return set(search_entities(Entity.objects.all(), q).values_list("uscc", flat=True))


def import_rows(tmp_path, rows, name="e.csv", **options):
    batch = services.import_file("entities", write_csv(tmp_path / name, rows), **options)
    assert batch.status == "done", batch.message
    return batch


def varied_rows(codes: list[str]) -> list[dict]:
    """Names and addresses with upper-case ASCII, digits, an emoji (4 UTF-8 bytes), a NUL
    character (only SQLite can count that text the way the triggers do) and addresses in
    three units."""
    names = ["ABC咨询有限公司", "上海Zhi Jian科技", "小店😀", "甲乙\x00丙丁有限公司", "X", "同名"]
    addresses = [
        "上海市浦东新区张江镇祖冲之路100号",
        "上海市浦东新区花木街道锦绣路1号",
        "上海市松江区叶榭镇叶旺路8号",
        "某地 Building 7, Room 701",
    ]
    return [
        entity_row(
            code,
            名称=names[i % len(names)] + (str(i) if i % 3 else ""),
            法定代表人=["张三", "Li Si", "欧阳娜娜"][i % 3],
            法定代表人证件号码=make_id(i),
            住所=addresses[i % len(addresses)],
        )
        for i, code in enumerate(codes)
    ]


# --- documents ------------------------------------------------------------------------------


def test_documents_are_byte_for_byte_those_of_the_trigger_sql(db):
    rng = random.Random(7)
    alphabet = "aBcZ09上海浦东新区ÄéÉ😀 ２３-_Ω\u00a0\t\n'\"%"
    texts = ["", "a", "ab", "AB", "上海测试1有限公司", "x" * 305, "上" * 400, "A" * 302]
    texts += ["a\x00bc", "ab\x00", "\x00", "上海\x00市"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 320))) for _ in range(500)]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(indexing._SQL_DOCUMENT, (text, text))
            assert indexing.document(text) == cursor.fetchone()[0], repr(text)
    assert indexing.python_document("a\x00b") is None  # handed to SQLite
    assert indexing.document(None) == ""


# --- imports --------------------------------------------------------------------------------


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "forked-validation"])
def test_an_import_indexes_new_entities_as_the_triggers_would(org, tmp_path, parallel):
    codes = [make_uscc() for _ in range(40)]
    import_rows(tmp_path, varied_rows(codes), parallel=parallel)
    assert triggers() == TRIGGERS
    assert Entity.objects.count() == 40
    assert_indexed_as_by_triggers()
    assert found("zhi jian") == {codes[1], codes[7], codes[13], codes[19], codes[25], codes[31],
                                 codes[37]}  # fmt: skip
    assert codes[2] in found("小店")
    assert found("欧阳娜") == {c for i, c in enumerate(codes) if i % 3 == 2}


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "forked-validation"])
def test_updates_reindex_changed_entities_as_the_triggers_would(org, tmp_path, parallel):
    codes = [make_uscc() for _ in range(12)]
    first = varied_rows(codes[:9])
    import_rows(tmp_path, first, "first.csv")
    before = assert_indexed_as_by_triggers()
    second = [dict(row) for row in first[:6]]  # 6 … 8 are not sent again
    second[0]["名称"] = "改名后的新名称有限公司"
    second[1]["住所"] = "上海市松江区叶榭镇叶旺路99号"  # another district and unit
    second[2]["法定代表人"] = "王五"
    second[3]["经营范围"] = "只改了经营范围"  # not indexed: the index stays as it was
    second += varied_rows(codes[9:])  # new ones
    batch = import_rows(tmp_path, second, "second.csv", parallel=parallel)
    assert (batch.accepted, batch.rejected) == (9, 0)
    assert Entity.objects.count() == 12
    assert Entity.objects.get(uscc=codes[1]).unit == org["yexie"]
    after = assert_indexed_as_by_triggers()
    assert after != before
    assert found("改名后的") == {codes[0]} and codes[0] not in found("ABC咨询")
    assert codes[1] in found("叶旺路99") and codes[1] not in found("锦绣路")
    assert codes[2] in found("王五") and codes[2] not in found("欧阳娜娜")
    # re-sending the same file again changes nothing (and writes no index entries)
    again = import_rows(tmp_path, second, "third.csv", parallel=parallel)
    assert (again.accepted, Entity.objects.count()) == (9, 12)
    assert index_content() == after


def test_an_edit_after_the_import_is_indexed_by_the_triggers(org, tmp_path):
    codes = [make_uscc() for _ in range(3)]
    import_rows(tmp_path, varied_rows(codes))
    entity = Entity.objects.get(uscc=codes[0])
    entity.name = "编辑后的名称"
    entity.save()
    Entity.objects.get(uscc=codes[1]).delete()
    assert found("编辑后") == {codes[0]}
    assert_indexed_as_by_triggers()


def test_the_triggers_are_back_after_every_chunk(org, tmp_path, monkeypatch):
    """Between chunks (when other connections may write) the triggers exist: a row written
    then is indexed by them, and the import's own rows by the import."""
    monkeypatch.setenv(services.CHUNK_ENV, "5")
    codes = [make_uscc() for _ in range(12)]
    seen = []

    def between_chunks(batch):
        seen.append(triggers())
        if len(seen) == 1:
            Entity.objects.create(
                uscc=make_uscc(), name="块间写入的主体", kind="私营企业", status="存续",
                established_on="2020-01-01", legal_rep_name="赵六", address="上海市",
                unit=org["city"],
            )  # fmt: skip

    batch = services.import_file(
        "entities", write_csv(tmp_path / "e.csv", varied_rows(codes)), progress=between_chunks
    )
    assert batch.accepted == 12 and len(seen) >= 3
    assert all(names == TRIGGERS for names in seen)
    assert len(found("块间写入")) == 1
    assert_indexed_as_by_triggers()


def test_a_failing_chunk_rolls_back_and_keeps_the_triggers(org, tmp_path, monkeypatch):
    codes = [make_uscc() for _ in range(3)]

    def broken(rows):
        list(rows)
        raise RuntimeError("index write failed")

    monkeypatch.setattr(indexing, "insert_documents", broken)
    batch = services.import_file("entities", write_csv(tmp_path / "e.csv", varied_rows(codes)))
    assert batch.status == "failed" and "index write failed" in batch.message
    assert Entity.objects.count() == 0 and batch.accepted == 0
    assert triggers() == TRIGGERS
    monkeypatch.undo()
    import_rows(tmp_path, varied_rows(codes), "again.csv")
    assert_indexed_as_by_triggers()


def test_suspension_restores_the_triggers_on_error(db):
    with pytest.raises(ValueError), transaction.atomic(), indexing.row_triggers_suspended() as s:
        assert s == {indexing.INSERT_TRIGGER, indexing.UPDATE_TRIGGER}
        assert triggers() == ["registry_entity_search_ad"]
        raise ValueError
    assert triggers() == TRIGGERS


def test_without_triggers_the_import_leaves_the_index_alone(org, tmp_path):
    """Inside ``search.bulk_loading()`` the triggers are gone and the index is rebuilt at its
    end: the importer then neither indexes nor re-creates the triggers."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {indexing.INSERT_TRIGGER}")
            cursor.execute(f"DROP TRIGGER {indexing.UPDATE_TRIGGER}")
        import_rows(tmp_path, varied_rows([make_uscc() for _ in range(3)]))
        assert index_content() == []
        assert triggers() == ["registry_entity_search_ad"]
        transaction.set_rollback(True)
    assert triggers() == TRIGGERS
