"""Plan numbers move to the core number sequences (zhijian/core/numbers.py).

Plans were numbered "SJ" + YYYY + 4 digits from the highest existing number of the year. Each
year's sequence "SJ" + YYYY starts at the highest sequence number among that year's plans (or
stays at its own value, if that is already higher), so that numbering continues after them.
"""

import re

from django.db import migrations

NUMBER = re.compile(r"SJ([0-9]{4})([0-9]+)")


def seed_sequences(apps, schema_editor):
    Plan = apps.get_model("random_inspections", "Plan")
    Sequence = apps.get_model("core", "NumberSequence")
    highest: dict[str, int] = {}
    for number in Plan.objects.filter(number__startswith="SJ").values_list("number", flat=True):
        match = NUMBER.fullmatch(number)
        if match:  # compared as numbers: "SJ202610000" comes after "SJ20269999"
            key = f"SJ{match[1]}"
            highest[key] = max(highest.get(key, 0), int(match[2]))
    for key, last in sorted(highest.items()):
        row, created = Sequence.objects.get_or_create(key=key, defaults={"last": last})
        if not created and row.last < last:
            row.last = last
            row.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_numbersequence"),
        ("random_inspections", "0002_draw_published_at"),
    ]

    # Backwards the sequences stay (core's migration removes them); plans need nothing.
    operations = [migrations.RunPython(seed_sequences, migrations.RunPython.noop)]
