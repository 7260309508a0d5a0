"""Shared helpers of the demo tests."""

from __future__ import annotations

import hashlib

from django.db import connection

from zhijian.demo.city import ORDER
from zhijian.registry import models as rm

FTS_SHADOW_TABLES = ("data", "idx", "docsize", "config")


def city_digest() -> str:
    """A digest of every registry row (without the timestamps)."""
    digest = hashlib.sha256()
    for model in ORDER:
        # Auto ids of the record tables continue after a delete on SQLite: leave them out
        # (insertion order is kept by ordering on them); entity and person ids are explicit.
        skip = {"created_at", "updated_at"} | (set() if model in (rm.Entity, rm.Person) else {"id"})
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def fts_tables() -> dict[str, list[tuple]]:
    """The rows of the FTS5 shadow tables of the SQLite search index."""
    with connection.cursor() as cursor:
        tables = {}
        for name in FTS_SHADOW_TABLES:
            cursor.execute(f"SELECT * FROM registry_entity_search_{name} ORDER BY 1")  # noqa: S608
            tables[name] = cursor.fetchall()
        return tables


def fts_instances() -> list[tuple]:
    """Every (term, document, column, offset) of the SQLite search index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms "
            "USING fts5vocab(main, registry_entity_search, instance)"
        )
        cursor.execute("SELECT term, doc, col, offset FROM temp.search_terms")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE temp.search_terms")
        return rows


def schema() -> list[tuple]:
    """Indexes and triggers of the registry tables (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND tbl_name LIKE 'registry_%' ORDER BY name"
        )
        return cursor.fetchall()
