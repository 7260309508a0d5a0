"""Writing the city: worker process, search index filled in the pipeline, indexes restored."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from zhijian.demo import city, load, search_fill
from zhijian.demo.city import delete_city, generate_city
from zhijian.registry import models as rm
from zhijian.registry.search import bigram_tokens, rebuild_search_index, search_entities

from .helpers import city_digest, fts_instances, fts_tables, schema

TODAY = date(2026, 3, 15)
N = 1200


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


@pytest.fixture
def small_chunks(monkeypatch):
    """Several chunks and transactions for a small city."""
    monkeypatch.setattr(city, "CHUNK", 250)
    monkeypatch.setattr(load, "TRANSACTION_CHUNKS", 2)


def test_worker_makes_the_same_rows(shanghai, small_chunks):
    local = generate_city(N, seed=5, today=TODAY, parallel=False)
    first = city_digest()
    delete_city()
    worker = generate_city(N, seed=5, today=TODAY, parallel=True)
    assert city_digest() == first
    assert worker.ground_truth == local.ground_truth
    assert worker.rows == local.rows
    assert worker.rows["entity"] == N and rm.Entity.objects.count() == N


def test_generated_entities_are_found_by_search(shanghai, small_chunks):
    generate_city(N, seed=6, today=TODAY, parallel=True)
    queryset = rm.Entity.objects.all()
    for entity in list(rm.Entity.objects.order_by("pk"))[::250]:
        fragment = entity.name[2:5]
        assert entity in search_entities(queryset, fragment)
        assert entity in search_entities(queryset, entity.address[-6:])


def test_bigram_documents_are_those_of_sqlite(shanghai):
    if not is_sqlite():
        pytest.skip("SQLite search index")
    texts = [
        "",
        "a",
        "AB",
        "ABC有限公司",
        "上海市浦东新区张江路１００号Ａ座1203室",
        "x😀y",
        "长" * 350,  # more characters than the numbers table has rows
    ]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(
                "SELECT coalesce(group_concat(hex(substr(lower(%s), n.i, 2)), ' '), '') "
                "FROM registry_search_n n WHERE n.i < length(%s)",
                [text, text],
            )
            assert search_fill.bigram_document(text) == cursor.fetchone()[0], text
    assert search_fill.bigram_document("Ab上海").lower() == " ".join(bigram_tokens("Ab上海"))


def test_search_index_is_the_rebuilt_one(shanghai):
    """One transaction: the FTS5 tables are byte for byte those of rebuild_search_index()."""
    if not is_sqlite():
        pytest.skip("SQLite search index")
    generate_city(N, seed=8, today=TODAY)
    filled = fts_tables()
    assert len(filled["docsize"]) == N
    rebuild_search_index()
    assert fts_tables() == filled


def test_search_index_over_several_transactions(shanghai, small_chunks):
    """Several transactions: the same documents (terms, positions, sizes) as the rebuilt
    index. (The bytes of the segments may differ in their numbering: FTS5 writes a segment
    per transaction, and the final merge numbers its result after them.)"""
    if not is_sqlite():
        pytest.skip("SQLite search index")
    generate_city(N, seed=9, today=TODAY, parallel=True)
    filled, terms = fts_tables(), fts_instances()
    assert len(terms) > N * 20
    rebuild_search_index()
    rebuilt = fts_tables()
    assert fts_instances() == terms
    for name in ("docsize", "config"):
        assert filled[name] == rebuilt[name], name


def test_rebuild_option_gives_the_same_index(shanghai):
    if not is_sqlite():
        pytest.skip("SQLite search index")
    generate_city(N, seed=10, today=TODAY, fill_search=False)
    rebuilt = fts_tables()
    delete_city()
    rebuild_search_index()  # a fresh, empty index, as in a new database
    generate_city(N, seed=10, today=TODAY)
    assert fts_tables() == rebuilt


def test_indexes_triggers_and_settings_are_restored(shanghai, small_chunks):
    if not is_sqlite():
        pytest.skip("SQLite load settings")
    before = schema()
    assert any(name.startswith("registry_entity_name") for _, name, _, _ in before)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        generate_city(N, seed=11, today=TODAY, parallel=True)
        assert schema() == before
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == cache
        cursor.execute("PRAGMA foreign_key_check")
        assert cursor.fetchall() == []


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failed_load_restores_everything(shanghai, small_chunks, monkeypatch, parallel):
    before = schema() if is_sqlite() else None
    made = 0
    original = city.CityGenerator._entity

    def failing(self, planted):
        nonlocal made
        made += 1
        if made > 700:
            raise ValueError("planted failure")
        original(self, planted)

    monkeypatch.setattr(city.CityGenerator, "_entity", failing)
    expected = RuntimeError if parallel else ValueError
    with pytest.raises(expected, match="planted failure"):
        generate_city(N, seed=12, today=TODAY, parallel=parallel)
    written = rm.Entity.objects.count()
    assert written == 500  # the two chunks of the first transaction
    if is_sqlite():
        assert schema() == before
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM registry_entity_search_docsize")
            assert cursor.fetchone()[0] == written
    entity = rm.Entity.objects.first()
    assert entity in search_entities(rm.Entity.objects.all(), entity.name[2:5])
