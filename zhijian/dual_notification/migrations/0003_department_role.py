"""Department users move from the app's own group to the core role 委办局用户."""

from django.db import migrations

OLD_GROUP = "委办局用户（双告知）"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Role = apps.get_model("core", "Role")
    old = Group.objects.filter(name=OLD_GROUP).first()
    if old is None:
        return
    role = Role.objects.filter(code="department_user").first()
    if role is None:  # sync_roles (after migrate) gives it its permissions
        role = Role.objects.create(
            code="department_user", name="委办局用户",
            description="其他部门的工作人员：签收、反馈本部门的告知与数据",
        )  # fmt: skip
    for user in old.user_set.all():
        user.groups.add(role)
    old.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dual_notification", "0002_default_mapping"),
        ("core", "0002_numbersequence"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
