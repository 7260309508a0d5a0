# ruff: noqa: S608  (constant DDL built from constants; no user input)
"""Full-text search index over entity name, legal representative name and address.

See zhijian/registry/search.py for the design. Every fragment of two or more characters is
found through an index of character bigrams:

- SQLite: a contentless FTS5 table ``registry_entity_search`` whose documents are the
  hex-encoded bigrams of the three fields (one token per bigram, unicode61 tokenizer), kept in
  step by triggers written in plain SQL (a numbers table ``registry_search_n`` drives the
  bigram split), so every writer — ORM, bulk_create, raw SQL, the sqlite3 shell — keeps the
  index current. A fragment is the phrase of its bigrams. (The trigram tokenizer is not used:
  it cannot find 2-character fragments, and its LIKE support is wrong for CJK on SQLite 3.40.)
- PostgreSQL: an IMMUTABLE SQL function ``registry_bigrams(text) → text[]`` and a GIN index on
  the bigram array of the three fields; no extension (pg_trgm) and no superuser needed, and
  it works under any LC_CTYPE.
"""

from django.db import migrations

MAX_LEN = 300  # the longest indexed field (address)


def _sqlite_bigrams(column: str) -> str:
    # Tokens are the hex of each 2-character substring of the (ASCII-lower-cased) text.
    return (
        f"(SELECT coalesce(group_concat(hex(substr(lower({column}), n.i, 2)), ' '), '') "
        f"FROM registry_search_n n WHERE n.i < length({column}))"
    )


def _sqlite_values(prefix: str) -> str:
    return ", ".join(
        _sqlite_bigrams(f"{prefix}.{c}") for c in ("name", "legal_rep_name", "address")
    )


# Related entities on the entity file: "same address" is an equality lookup.
ADDRESS_INDEX = "CREATE INDEX registry_entity_address ON registry_entity (address)"
ADDRESS_INDEX_DROP = "DROP INDEX IF EXISTS registry_entity_address"

SQLITE_FORWARD = [
    ADDRESS_INDEX,
    "CREATE TABLE registry_search_n (i INTEGER PRIMARY KEY)",
    f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {MAX_LEN}) "
    "INSERT INTO registry_search_n (i) SELECT i FROM c",
    "CREATE VIRTUAL TABLE registry_entity_search USING fts5("
    "name, legal_rep_name, address, content='', tokenize='unicode61', detail='full')",
    "INSERT INTO registry_entity_search (rowid, name, legal_rep_name, address) "
    f"SELECT e.id, {_sqlite_values('e')} FROM registry_entity e",
    "CREATE TRIGGER registry_entity_search_ai AFTER INSERT ON registry_entity BEGIN "
    "INSERT INTO registry_entity_search (rowid, name, legal_rep_name, address) "
    f"VALUES (new.id, {_sqlite_values('new')}); END",
    "CREATE TRIGGER registry_entity_search_ad AFTER DELETE ON registry_entity BEGIN "
    "INSERT INTO registry_entity_search (registry_entity_search, rowid, name, legal_rep_name, "
    f"address) VALUES ('delete', old.id, {_sqlite_values('old')}); END",
    "CREATE TRIGGER registry_entity_search_au AFTER UPDATE OF name, legal_rep_name, address "
    "ON registry_entity BEGIN "
    "INSERT INTO registry_entity_search (registry_entity_search, rowid, name, legal_rep_name, "
    f"address) VALUES ('delete', old.id, {_sqlite_values('old')}); "
    "INSERT INTO registry_entity_search (rowid, name, legal_rep_name, address) "
    f"VALUES (new.id, {_sqlite_values('new')}); END",
]
SQLITE_BACKWARD = [
    ADDRESS_INDEX_DROP,
    "DROP TRIGGER IF EXISTS registry_entity_search_au",
    "DROP TRIGGER IF EXISTS registry_entity_search_ad",
    "DROP TRIGGER IF EXISTS registry_entity_search_ai",
    "DROP TABLE IF EXISTS registry_entity_search",
    "DROP TABLE IF EXISTS registry_search_n",
]

PG_DOCUMENT = "(name || ' ' || legal_rep_name || ' ' || address)"
PG_FORWARD = [
    ADDRESS_INDEX,
    "CREATE OR REPLACE FUNCTION registry_bigrams(t text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ "
    "SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}'::text[]) "
    "FROM generate_series(1, length(t) - 1) AS i $$",
    "CREATE INDEX IF NOT EXISTS registry_entity_bigrams ON registry_entity "
    f"USING gin (registry_bigrams{PG_DOCUMENT})",
]
PG_BACKWARD = [
    ADDRESS_INDEX_DROP,
    "DROP INDEX IF EXISTS registry_entity_bigrams",
    "DROP FUNCTION IF EXISTS registry_bigrams(text)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
