"""Inspection numbers move to the core number sequences (zhijian/core/numbers.py).

Each day's counter becomes the sequence "JC" + YYYYMMDD with the same last number (or the
sequence's own, if that is already higher), so that no inspection number is given out twice
after the upgrade; then the old counter table goes.
"""

from django.db import migrations

PREFIX = "JC"


def copy_counters(apps, schema_editor):
    Counter = apps.get_model("inspections", "InspectionNumberCounter")
    Sequence = apps.get_model("core", "NumberSequence")
    for day, last in Counter.objects.values_list("day", "last"):
        key = f"{PREFIX}{day:%Y%m%d}"
        row, created = Sequence.objects.get_or_create(key=key, defaults={"last": last})
        if not created and row.last < last:
            row.last = last
            row.save(update_fields=["last"])


def copy_back(apps, schema_editor):
    Counter = apps.get_model("inspections", "InspectionNumberCounter")
    Sequence = apps.get_model("core", "NumberSequence")
    for key, last in Sequence.objects.filter(key__regex=rf"^{PREFIX}[0-9]{{8}}$").values_list(
        "key", "last"
    ):
        day = f"{key[2:6]}-{key[6:8]}-{key[8:10]}"
        Counter.objects.update_or_create(day=day, defaults={"last": last})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_numbersequence"),
        ("inspections", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
        migrations.DeleteModel(name="InspectionNumberCounter"),
    ]
