"""The SQLite search index of a generated city, filled in the generator's own pipeline.

``zhijian.registry.search.bulk_loading`` drops the per-row triggers of the FTS5 table
``registry_entity_search`` and rebuilds the whole table at exit with one set-based statement
(about a minute per million entities, over half of it spent cutting the texts into bigrams
in SQL). Here the bigram documents are computed in Python by the row maker (the worker
process) and inserted chunk by chunk, in the same transactions as their entities, so that the
end of the load only has to ``optimize`` the index (measured at 400,000 entities: 0.7–0.9 s
instead of 12.7–12.9 s after the load, and about a tenth less processor time in all).

The documents are exactly those of ``rebuild_search_index`` / the triggers of migration
0003, computed by ``zhijian.registry.indexing.python_document`` (the importer's).
``tests/demo`` compares the tables with those made by ``rebuild_search_index``: byte for byte when the city fits in one transaction; over several
transactions the same terms, positions and document sizes (FTS5 writes a segment per
transaction, so the merged segment of the final ``optimize`` gets another number).

While the load runs, rows of ``registry_entity`` written by anybody else are not indexed:
at exit (``bulk_loading(filled=True)``) the index is rebuilt in full if its row count does
not match the entity table. PostgreSQL: ``bulk_loading`` as for any bulk load.
"""

from __future__ import annotations

from contextlib import contextmanager

from zhijian.registry.indexing import python_document, unit_token
from zhijian.registry.search import SEARCH_TABLE, bulk_loading

INSERT_HEAD = f"INSERT INTO {SEARCH_TABLE} (rowid, name, legal_rep_name, address, unit) VALUES "  # noqa: S608
INSERT_WIDTH = 5
# Written one row per statement (executemany) after all other rows of the transaction, so
# that FTS5 receives them as from the rebuild's INSERT … SELECT: a statement that needs a
# statement journal (a multi-row INSERT) after FTS5 writes in the same transaction makes it
# flush its pending terms into a new segment, and the optimised index then differs in its
# segment numbers (same terms, not the same bytes).


def bigram_document(text: str) -> str:
    """The indexed document of one text column, as the triggers write it
    (``indexing.python_document``), computed without the database: the worker process that
    calls it has none."""
    document = python_document(text)
    if document is None:
        raise ValueError(f"text only SQLite can index (NUL or unpaired surrogate): {text!r}")
    return document


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
            unit_token(row[i_unit]),
        )
        for row in entity_rows
    ]


def fills_in_pipeline(connection) -> bool:
    """Whether the load fills the index itself (SQLite, default connection)."""
    return connection.vendor == "sqlite" and connection.alias == "default"


@contextmanager
def search_loading(connection, *, fill: bool = True):
    """Search index maintenance for the duration of a load: ``bulk_loading``, which drops
    the per-row triggers and re-creates them at exit, also when the load fails. With
    ``fill`` (SQLite, default connection) the loader inserts the documents (``INSERT_HEAD``)
    and the exit only optimises the index (or rebuilds it if rows are missing); otherwise the
    exit rebuilds it. Connections other than the default: nothing (``bulk_loading`` works on
    the default connection; the triggers stay).
    """
    if connection.alias != "default":
        yield
        return
    with bulk_loading(filled=fill and fills_in_pipeline(connection)):
        yield
