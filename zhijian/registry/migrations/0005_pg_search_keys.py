# ruff: noqa: S608  (constant DDL built from constants; no user input)
"""PostgreSQL search index with the data scope inside (see zhijian/registry/search.py).

Replaces the GIN index of migration 0002 by one on ``registry_search_keys(name,
legal_rep_name, address, unit_id)``: the character bigrams of the three fields plus one key
``#u<unit id>`` for the unit the entity belongs to. A district or station user's query then
names its units inside the index (``keys && '{#u3,#u4,…}'``), so GIN intersects the bigram
postings with the scope instead of fetching every matching row of the city and discarding
those of other districts. Keys of three or more characters never collide with a bigram.

The function is declared expensive (COST 10000) so that the planner never evaluates it row by
row as a filter (measured: a broad query took 356 ms that way, 35 µs per row); the column
statistics target is raised so that ``pg_stats`` lists the frequencies of the ~10,000 most
common bigrams, which search.py reads to choose between the index and an ordered walk.

SQLite: nothing (its FTS5 table carries the unit since migration 0003).
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE OR REPLACE FUNCTION registry_search_keys(name text, rep text, address text, "
    "unit bigint) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 10000 AS $$ "
    "SELECT registry_bigrams(coalesce(name, '') || ' ' || coalesce(rep, '') || ' ' || "
    "coalesce(address, '')) || ('#u' || coalesce(unit, 0)::text) $$",
    "DROP INDEX IF EXISTS registry_entity_bigrams",
    "CREATE INDEX IF NOT EXISTS registry_entity_search_keys ON registry_entity "
    "USING gin (registry_search_keys(name, legal_rep_name, address, unit_id))",
    "ALTER INDEX registry_entity_search_keys ALTER COLUMN 1 SET STATISTICS 1000",
    # USCC prefixes are ranges on the unique index; a finer histogram keeps the estimate of
    # a narrow range close (100 buckets estimated 18 rows for 53,154 at 3.4 M entities).
    "ALTER TABLE registry_entity ALTER COLUMN uscc SET STATISTICS 1000",
    # Every unit a most-common value: search_pg.py estimates a scope's share of entities.
    "ALTER TABLE registry_entity ALTER COLUMN unit_id SET STATISTICS 1000",
]
PG_BACKWARD = [
    "ALTER TABLE registry_entity ALTER COLUMN unit_id SET STATISTICS -1",
    "ALTER TABLE registry_entity ALTER COLUMN uscc SET STATISTICS -1",
    "DROP INDEX IF EXISTS registry_entity_search_keys",
    "DROP FUNCTION IF EXISTS registry_search_keys(text, text, text, bigint)",
    "CREATE INDEX IF NOT EXISTS registry_entity_bigrams ON registry_entity "
    "USING gin (registry_bigrams((name || ' ' || legal_rep_name || ' ' || address)))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_labels")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
