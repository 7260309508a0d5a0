"""The default Shanghai mapping (seeds.py): departments and scope rules, added once."""

from django.db import migrations


def seed(apps, schema_editor):
    from zhijian.dual_notification import seeds

    Department = apps.get_model("dual_notification", "Department")
    ScopeRule = apps.get_model("dual_notification", "ScopeRule")
    for order, (code, name, short, internal) in enumerate(seeds.DEPARTMENTS, start=1):
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "internal": internal, "sort_order": order},
        )
    if ScopeRule.objects.exists():
        return
    by_code = {d.code: d for d in Department.objects.all()}
    for code, keywords, prefixes, section, licence, basis, priority in seeds.RULES:
        ScopeRule.objects.create(
            department=by_code[code], keywords=keywords, industry_prefixes=prefixes,
            section=section, licence=licence, legal_basis=basis, priority=priority,
            note="默认规则（上海）",
        )


class Migration(migrations.Migration):
    dependencies = [("dual_notification", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
