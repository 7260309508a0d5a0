"""The SQLite search index of a generated city, filled in the generator's own pipeline.

``zhijian.registry.search.bulk_loading`` drops the per-row triggers of the FTS5 table
``registry_entity_search`` and rebuilds the whole table at exit with one set-based statement
(about a minute per million entities, over half of it spent cutting the texts into bigrams
in SQL). Here the bigram documents are computed in Python by the row maker (the worker
process) and inserted chunk by chunk, in the same transactions as their entities, so that the
end of the load only has to ``optimize`` the index (measured at 400,000 entities: 0.7–0.9 s
instead of 12.7–12.9 s after the load, and about a tenth less processor time in all).

The documents are exactly those of ``rebuild_search_index`` / the triggers of migration
0003: per text column the hex of every 2-character substring of the ASCII-lower-cased text
(``hex(substr(lower(x), i, 2))`` for ``i`` from 1 to ``min(300, length(x) - 1)``: the numbers
table ``registry_search_n`` stops at 300), separated by spaces, and ``u<unit id>``. (The
generator's texts hold no NUL characters or unpaired surrogates, which Python and SQLite
could count differently.) ``tests/demo`` compares the tables with those made by
``rebuild_search_index``: byte for byte when the city fits in one transaction; over several
transactions the same terms, positions and document sizes (FTS5 writes a segment per
transaction, so the merged segment of the final ``optimize`` gets another number).

While the load runs, rows of ``registry_entity`` written by anybody else are not indexed:
at exit the index is rebuilt in full if its row count does not match the entity table.
PostgreSQL and connections other than the default one: ``bulk_loading`` as before.
"""

from __future__ import annotations

from contextlib import contextmanager
from operator import add

SEARCH_TABLE = "registry_entity_search"
MAX_BIGRAMS = 300  # rows of registry_search_n (migration 0002)
INSERT_HEAD = f"INSERT INTO {SEARCH_TABLE} (rowid, name, legal_rep_name, address, unit) VALUES "  # noqa: S608
INSERT_WIDTH = 5
# Written one row per statement (executemany) after all other rows of the transaction, so
# that FTS5 receives them as from the rebuild's INSERT … SELECT: a statement that needs a
# statement journal (a multi-row INSERT) after FTS5 writes in the same transaction makes it
# flush its pending terms into a new segment, and the optimised index then differs in its
# segment numbers (same terms, not the same bytes).
_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
    "AND tbl_name = 'registry_entity' AND name LIKE 'registry_entity_search_%' ORDER BY name"
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _HexOfChar(dict):
    """Character → upper-case hex of its UTF-8 bytes after SQLite's ``lower()`` (ASCII only),
    as SQLite's ``hex()`` writes it."""

    def __missing__(self, char: str) -> str:
        value = self[char] = char.translate(_ASCII_LOWER).encode("utf-8").hex().upper()
        return value


_HEX = _HexOfChar()


def bigram_document(text: str) -> str:
    """The indexed document of one text column (see the module docstring)."""
    if len(text) < 2:
        return ""
    hexes = list(map(_HEX.__getitem__, text[: MAX_BIGRAMS + 1]))
    return " ".join(map(add, hexes, hexes[1:]))


def documents(entity_rows, columns: tuple[int, int, int, int, int]) -> list[tuple]:
    """The search rows (rowid, name, legal_rep_name, address, unit) of entity rows;
    ``columns``: positions of id, name, legal representative, address and unit id."""
    i_id, i_name, i_rep, i_address, i_unit = columns
    return [
        (
            row[i_id],
            bigram_document(row[i_name]),
            bigram_document(row[i_rep]),
            bigram_document(row[i_address]),
            f"u{row[i_unit]}",
        )
        for row in entity_rows
    ]


def fills_in_pipeline(connection) -> bool:
    """Whether the load fills the index itself (SQLite, default connection)."""
    return connection.vendor == "sqlite" and connection.alias == "default"


@contextmanager
def search_loading(connection, *, fill: bool = True):
    """Search index maintenance for the duration of a load.

    ``fill`` (SQLite, default connection): the per-row triggers are dropped, the loader
    inserts the documents (``INSERT``), and at exit the index is optimised (or rebuilt if
    rows are missing) and the triggers are re-created, also when the load fails. Otherwise
    ``bulk_loading`` (rebuild at exit); connections other than the default: nothing.
    """
    if connection.alias != "default":
        yield  # bulk_loading works on the default connection; the triggers stay
        return
    if not (fill and fills_in_pipeline(connection)):
        from zhijian.registry.search import bulk_loading

        with bulk_loading():
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute(_TRIGGERS)
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    try:
        yield
    finally:
        _complete(connection)
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)


def _complete(connection) -> None:
    """Optimise the filled index; rebuild it if some entity has no row in it."""
    from zhijian.registry.search import rebuild_search_index

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SEARCH_TABLE}_docsize")  # noqa: S608
        indexed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_entity")
        if cursor.fetchone()[0] != indexed:
            rebuild_search_index()  # ends with 'optimize'
            return
        cursor.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")  # noqa: S608
