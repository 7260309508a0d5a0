# ruff: noqa: S608  (SQL built from constants; values are parameters)
"""Keeping the SQLite entity search index current during imports, set-wise.

The search index (``search.SEARCH_TABLE``, a contentless FTS5 table; see ``search.py`` and
registry migrations 0002/0003) is kept by per-row triggers on ``registry_entity``. They compute
the bigram documents in SQL (a correlated sub-query over a numbers table per column), which
costs about 100 µs per written row. An importer writes thousands of rows per transaction, so
it does the triggers' work itself, for the whole chunk at once:

1. ``row_triggers_suspended()`` drops the insert and update triggers *inside the chunk's
   transaction* and re-creates them from their stored definitions before the transaction
   ends. SQLite DDL is transactional: no other connection ever sees the table without its
   triggers (they are blocked from writing while the chunk holds the write lock, and readers
   see the last committed state), and a process killed or failing between the DROP and the
   re-creation leaves an uncommitted transaction, which is rolled back with the DROP in it.
2. The chunk's writes run with the triggers gone; the writer then calls ``insert_documents``
   for the inserted rows and ``delete_documents`` + ``insert_documents`` for updated rows whose
   indexed values changed (what the triggers would have done; an update that leaves the four
   indexed values as they were changes nothing in the index, so it is skipped).
3. ``document()`` computes in Python exactly the text the triggers compute in SQL (the
   hex-encoded bigrams, upper case, separated by single spaces), so the index holds the same
   tokens either way and a later trigger (or ``rebuild_search_index()``) deletes them cleanly.
   Text that Python and SQLite might count differently (NUL characters, unpaired surrogates)
   is handed to SQLite itself.

Only the triggers that exist are suspended, and the caller indexes only for those (inside
``search.bulk_loading()`` there are none: the rebuild at its exit covers the rows). PostgreSQL
needs none of this: its index is maintained by the database (``row_triggers_suspended`` yields
an empty set).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import add

from django.db import connection

from .search import SEARCH_TABLE

# Names fixed by registry migrations 0002/0003 (the columns and the triggers).
INSERT_TRIGGER = "registry_entity_search_ai"
UPDATE_TRIGGER = "registry_entity_search_au"
ROW_TRIGGERS = (INSERT_TRIGGER, UPDATE_TRIGGER)
MAX_BIGRAMS = 300  # rows of registry_search_n (migration 0002): bigrams at positions 1 … 300

_COLUMNS = "rowid, name, legal_rep_name, address, unit"
_INSERT = f"INSERT INTO {SEARCH_TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s)"
_DELETE = (
    f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, {_COLUMNS}) VALUES ('delete', %s, %s, %s, %s, %s)"
)
# The triggers' own expression (migrations 0002/0003), for text handed to SQLite.
_SQL_DOCUMENT = (
    "SELECT coalesce(group_concat(hex(substr(lower(%s), n.i, 2)), ' '), '') "
    "FROM registry_search_n n WHERE n.i < length(%s)"
)


class _HexPairs(dict):
    """Character → upper-case hex of its UTF-8 bytes, filled on first use."""

    def __missing__(self, char: str) -> str:
        value = self[char] = char.encode("utf-8").hex().upper()
        return value


_HEX = _HexPairs()
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = re.compile("[A-Z]")


def document(text: str | None) -> str:
    """The index text of one column, byte for byte what the triggers write:
    ``hex(substr(lower(text), i, 2))`` for i = 1 … min(length - 1, 300), joined by spaces.

    ``lower()`` is SQLite's built-in one (ASCII letters only), ``hex()`` is upper case.
    """
    computed = python_document(text)
    return computed if computed is not None else _sqlite_document(text)


def python_document(text: str | None) -> str | None:
    """``document()`` without the database; ``None`` for text only SQLite can count."""
    if not text or len(text) < 2:
        return ""
    if "\x00" in text:  # SQLite's length() stops at a NUL
        return None
    if _ASCII_UPPER.search(text):
        text = text.translate(_ASCII_LOWER)
    try:
        pairs = list(map(_HEX.__getitem__, text[: MAX_BIGRAMS + 1]))
    except UnicodeEncodeError:  # an unpaired surrogate: no UTF-8 form
        return None
    return " ".join(map(add, pairs, pairs[1:]))


def _sqlite_document(text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_SQL_DOCUMENT, (text, text))
        return cursor.fetchone()[0]


def unit_token(unit_id: int | None) -> str | None:
    return None if unit_id is None else f"u{unit_id}"


def entity_documents(
    name: str, legal_rep_name: str, address: str, unit_id: int | None
) -> tuple[str, str, str, str | None]:
    """The four indexed columns of one entity (name, legal representative, address, unit)."""
    return document(name), document(legal_rep_name), document(address), unit_token(unit_id)


@contextmanager
def row_triggers_suspended() -> Iterator[frozenset[str]]:
    """Inside a transaction: drop the search triggers of ``registry_entity`` and re-create
    them before the block ends. Yields the names of the triggers suspended (empty on
    PostgreSQL and wherever they do not exist): the caller indexes the rows those triggers
    would have indexed.

    Must run inside ``transaction.atomic()``: the drop and the re-creation commit together
    or not at all (an exception in the block re-creates them as well, then the transaction
    rolls both back).
    """
    if connection.vendor != "sqlite":
        yield frozenset()
        return
    if not connection.in_atomic_block:
        raise RuntimeError("row_triggers_suspended() needs a transaction (transaction.atomic)")
    placeholders = ", ".join(["%s"] * len(ROW_TRIGGERS))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name = 'registry_entity' AND name IN ({placeholders}) ORDER BY name",
            ROW_TRIGGERS,
        )
        saved = cursor.fetchall()
        for name, _sql in saved:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield frozenset(name for name, _sql in saved)
    finally:
        with connection.cursor() as cursor:
            for _name, sql in saved:
                cursor.execute(sql)


def insert_documents(rows: Iterable[tuple]) -> None:
    """Index entities: rows of (id, name doc, legal rep doc, address doc, unit token)."""
    rows = list(rows)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT, rows)


def delete_documents(rows: Iterable[tuple]) -> None:
    """Remove entities from the index: rows of (id, and the documents indexed for it)."""
    rows = list(rows)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_DELETE, rows)
