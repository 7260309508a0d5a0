"""Task numbers move to the core number sequences (zhijian/core/numbers.py).

Each day's counter becomes the sequence "RW" + YYYYMMDD with the same last number (or the
sequence's own, if that is already higher), so that no task number is given out twice after
the upgrade; then the old counter table goes.
"""

from django.db import migrations

PREFIX = "RW"


def copy_counters(apps, schema_editor):
    Counter = apps.get_model("supervision", "TaskNumberCounter")
    Sequence = apps.get_model("core", "NumberSequence")
    for day, last in Counter.objects.values_list("day", "last"):
        key = f"{PREFIX}{day:%Y%m%d}"
        row, created = Sequence.objects.get_or_create(key=key, defaults={"last": last})
        if not created and row.last < last:
            row.last = last
            row.save(update_fields=["last"])


def copy_back(apps, schema_editor):
    Counter = apps.get_model("supervision", "TaskNumberCounter")
    Sequence = apps.get_model("core", "NumberSequence")
    for key, last in Sequence.objects.filter(key__regex=rf"^{PREFIX}[0-9]{{8}}$").values_list(
        "key", "last"
    ):
        day = f"{key[2:6]}-{key[6:8]}-{key[8:10]}"
        Counter.objects.update_or_create(day=day, defaults={"last": last})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_numbersequence"),
        ("supervision", "0003_remove_task_sup_task_assignee_due_and_more"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
        migrations.DeleteModel(name="TaskNumberCounter"),
    ]
