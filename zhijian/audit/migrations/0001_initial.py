import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "__first__"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("last_seq", models.BigIntegerField(default=0)),
                (
                    "last_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "审计链头",
                "verbose_name_plural": "审计链头",
            },
        ),
        migrations.CreateModel(
            name="AuditRecord",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="序号")),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="时间")),
                (
                    "actor_username",
                    models.CharField(blank=True, db_index=True, max_length=150, verbose_name="用户名"),
                ),
                ("unit_code", models.CharField(blank=True, max_length=32, verbose_name="机构代码")),
                ("ip", models.CharField(blank=True, max_length=64, verbose_name="地址")),
                ("channel", models.CharField(max_length=16, verbose_name="渠道")),
                ("action", models.CharField(db_index=True, max_length=32, verbose_name="操作")),
                ("object_type", models.CharField(blank=True, max_length=100, verbose_name="对象类型")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="对象标识")),
                ("object_repr", models.CharField(blank=True, max_length=200, verbose_name="对象")),
                (
                    "changes",
                    models.TextField(blank=True, help_text="规范化 JSON 文本", verbose_name="变更内容"),
                ),
                (
                    "detail",
                    models.TextField(blank=True, help_text="规范化 JSON 文本", verbose_name="详情"),
                ),
                ("prev_hash", models.CharField(max_length=64, verbose_name="前一记录哈希")),
                ("hash", models.CharField(max_length=64, verbose_name="SM3 哈希")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.orgunit",
                        verbose_name="机构",
                    ),
                ),
            ],
            options={
                "verbose_name": "审计记录",
                "verbose_name_plural": "审计记录",
                "ordering": ["-seq"],
                "indexes": [
                    models.Index(fields=["object_type", "object_id"], name="audit_object_idx")
                ],
            },
        ),
    ]
