# ruff: noqa: S608  (constant DDL built from constants; no user input)
"""Search speed for broad queries (see zhijian/registry/search.py).

- SQLite: the FTS5 table ``registry_entity_search`` gets a fourth column ``unit`` holding one
  token ``u<unit_id>`` per entity, so a district or station user's data scope is applied
  inside the full-text index (``unit : (u1 OR u2 …)``) and a broad fragment ("有限") stops
  after the first page and the capped count without visiting out-of-scope rows. The table is
  rebuilt and the triggers re-created (the update trigger now also follows ``unit_id``, which
  ``services.relocate_entity`` changes).
- Both databases: an index on (unit_id, uscc): a USCC-prefix search within a data scope is an
  index-only range per unit (first page and capped count), ordered by USCC.
"""

from django.db import migrations

FIELDS = ("name", "legal_rep_name", "address")


def _bigrams(column: str) -> str:
    return (
        f"(SELECT coalesce(group_concat(hex(substr(lower({column}), n.i, 2)), ' '), '') "
        f"FROM registry_search_n n WHERE n.i < length({column}))"
    )


def _values(prefix: str) -> str:
    return ", ".join([*(_bigrams(f"{prefix}.{c}") for c in FIELDS), f"'u' || {prefix}.unit_id"])


COLUMNS = "rowid, name, legal_rep_name, address, unit"
DELETE_COLUMNS = "registry_entity_search, rowid, name, legal_rep_name, address, unit"
UNIT_USCC_INDEX = "CREATE INDEX registry_entity_unit_uscc ON registry_entity (unit_id, uscc)"
UNIT_USCC_INDEX_DROP = "DROP INDEX IF EXISTS registry_entity_unit_uscc"
DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS registry_entity_search_au",
    "DROP TRIGGER IF EXISTS registry_entity_search_ad",
    "DROP TRIGGER IF EXISTS registry_entity_search_ai",
]

SQLITE_FORWARD = [
    UNIT_USCC_INDEX,
    *DROP_TRIGGERS,
    "DROP TABLE IF EXISTS registry_entity_search",
    "CREATE VIRTUAL TABLE registry_entity_search USING fts5("
    "name, legal_rep_name, address, unit, content='', tokenize='unicode61', detail='full')",
    f"INSERT INTO registry_entity_search ({COLUMNS}) SELECT e.id, {_values('e')} "
    "FROM registry_entity e",
    "CREATE TRIGGER registry_entity_search_ai AFTER INSERT ON registry_entity BEGIN "
    f"INSERT INTO registry_entity_search ({COLUMNS}) VALUES (new.id, {_values('new')}); END",
    "CREATE TRIGGER registry_entity_search_ad AFTER DELETE ON registry_entity BEGIN "
    f"INSERT INTO registry_entity_search ({DELETE_COLUMNS}) "
    f"VALUES ('delete', old.id, {_values('old')}); END",
    "CREATE TRIGGER registry_entity_search_au "
    "AFTER UPDATE OF name, legal_rep_name, address, unit_id ON registry_entity BEGIN "
    f"INSERT INTO registry_entity_search ({DELETE_COLUMNS}) "
    f"VALUES ('delete', old.id, {_values('old')}); "
    f"INSERT INTO registry_entity_search ({COLUMNS}) VALUES (new.id, {_values('new')}); END",
]


def _old_bigrams(prefix: str) -> str:
    return ", ".join(_bigrams(f"{prefix}.{c}") for c in FIELDS)


OLD_COLUMNS = "rowid, name, legal_rep_name, address"
SQLITE_BACKWARD = [
    UNIT_USCC_INDEX_DROP,
    *DROP_TRIGGERS,
    "DROP TABLE IF EXISTS registry_entity_search",
    "CREATE VIRTUAL TABLE registry_entity_search USING fts5("
    "name, legal_rep_name, address, content='', tokenize='unicode61', detail='full')",
    f"INSERT INTO registry_entity_search ({OLD_COLUMNS}) SELECT e.id, {_old_bigrams('e')} "
    "FROM registry_entity e",
    "CREATE TRIGGER registry_entity_search_ai AFTER INSERT ON registry_entity BEGIN "
    f"INSERT INTO registry_entity_search ({OLD_COLUMNS}) VALUES (new.id, {_old_bigrams('new')});"
    " END",
    "CREATE TRIGGER registry_entity_search_ad AFTER DELETE ON registry_entity BEGIN "
    "INSERT INTO registry_entity_search (registry_entity_search, rowid, name, legal_rep_name, "
    f"address) VALUES ('delete', old.id, {_old_bigrams('old')}); END",
    "CREATE TRIGGER registry_entity_search_au AFTER UPDATE OF name, legal_rep_name, address "
    "ON registry_entity BEGIN "
    "INSERT INTO registry_entity_search (registry_entity_search, rowid, name, legal_rep_name, "
    f"address) VALUES ('delete', old.id, {_old_bigrams('old')}); "
    f"INSERT INTO registry_entity_search ({OLD_COLUMNS}) VALUES (new.id, {_old_bigrams('new')});"
    " END",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_entity_search_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": [UNIT_USCC_INDEX]}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": [UNIT_USCC_INDEX_DROP]}),
        ),
    ]
