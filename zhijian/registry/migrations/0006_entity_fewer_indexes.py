"""Drop two single-column indexes of registry_entity that duplicate the leading column of a
composite index (unit_id: (unit_id, status) and (unit_id, uscc); district_code:
(district_code, kind, status)). Every index costs each imported row about 2 µs.

Only the indexes are dropped (``DROP INDEX IF EXISTS`` under the names Django gave them): an
``AlterField`` would make SQLite rebuild the whole table, and with it lose the search triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = ("unit_id", "district_code")


def index_names(schema_editor):
    table = "registry_entity"
    for column in COLUMNS:
        name = schema_editor._create_index_name(table, [column])
        yield name
        if schema_editor.connection.vendor == "postgresql":
            yield schema_editor._create_index_name(table, [column], suffix="_like")


def drop(apps, schema_editor):
    for name in index_names(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    for column in COLUMNS:
        name = schema_editor._create_index_name("registry_entity", [column])
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON registry_entity ({schema_editor.quote_name(column)})"
        )
    if schema_editor.connection.vendor == "postgresql":  # Django's LIKE index of a CharField
        name = schema_editor._create_index_name("registry_entity", ["district_code"], "_like")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            "ON registry_entity (district_code varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("registry", "0005_pg_search_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="entity",
                    name="district_code",
                    field=models.CharField(blank=True, max_length=6, verbose_name="所属区"),
                ),
                migrations.AlterField(
                    model_name="entity",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.orgunit",
                        verbose_name="属地机构",
                    ),
                ),
            ],
        )
    ]
