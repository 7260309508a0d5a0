"""Inspections (检查), their photos and rectification orders (整改).

Scope: an inspection belongs to the unit of the entity it inspected (``unit`` is copied from
``entity.unit`` when it is recorded), like every record of the register: the home station and
the bureaus above it see every check of their entities, whoever did it, and the entity file,
the register's ``InspectionRecord`` and this record agree on who sees what. The unit that did
the check is kept apart (``inspecting_unit``, shown as 检查机关). Photos and rectifications
follow their inspection's unit.

``method`` and ``outcome`` use the enumerations of exchange-format table 5 (the register's
``InspectionRecord``); every recorded inspection writes its ``InspectionRecord`` (same
``number``), so the entity file, the search and the exchange export show it.

State changes go through ``services`` only; single saves are audited by the signals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager
from zhijian.registry.models import InspectionRecord

Method = InspectionRecord.Method
Outcome = InspectionRecord.Outcome


class Answer(models.TextChoices):
    """The answer to one checklist question."""

    CONFORMING = "conforming", _("符合")
    NONCONFORMING = "nonconforming", _("不符合")
    NOT_APPLICABLE = "na", _("不适用")


class Inspection(models.Model):
    """One check of one entity (against a task or standalone)."""

    number = models.CharField(_("检查编号"), max_length=20, unique=True)
    task = models.ForeignKey(
        "supervision.Task",
        verbose_name=_("监管任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("检查对象"),
        on_delete=models.PROTECT,
        related_name="site_inspections",
    )
    item = models.ForeignKey(
        "supervision.SupervisionItem",
        verbose_name=_("监管事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("属地机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspecting_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("检查机关"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_on = models.DateField(_("检查日期"), db_index=True)
    on_site = models.BooleanField(
        _("现场检查"), default=True, help_text=_("现场检查须有两名以上执法人员")
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), related_name="inspections"
    )
    method = models.CharField(_("检查方式"), max_length=8, choices=Method.choices)
    outcome = models.CharField(_("检查结果"), max_length=12, choices=Outcome.choices)
    answers = models.JSONField(
        _("检查要点结果"),
        default=dict,
        blank=True,
        help_text=_('{"要点编码": {"result": "conforming|nonconforming|na", "remark": "..."}}'),
    )
    findings = models.TextField(_("发现问题"), blank=True)
    findings_count = models.PositiveIntegerField(_("问题数"), default=0)
    follow_up_of = models.ForeignKey(
        "Rectification",
        verbose_name=_("复查的整改"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_uuid = models.UUIDField(_("提交标识"), unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publish_due_on = models.DateField(_("公示期限"), db_index=True)
    publication_rule = models.JSONField(_("公示时限依据"), default=dict, blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公示人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["published_on", "id"], name="insp_published"),
            models.Index(fields=["entity", "published_on"], name="insp_entity_published"),
            models.Index(fields=["unit", "published_on", "publish_due_on"], name="insp_unit_pub"),
        ]
        permissions = [("publish_inspection", _("公示检查结果"))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_on is not None


class InspectionPhoto(models.Model):
    """A photo taken during an inspection, stored under ``MEDIA_ROOT/inspections/``."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to="inspections/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_path = "inspection__unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.original_name or self.sha256[:12]}"


class Rectification(models.Model):
    """A rectification order (责令整改) issued with an inspection, and its follow-up check."""

    class State(models.TextChoices):
        ORDERED = "ordered", _("整改中")
        RECTIFIED = "rectified", _("已整改")
        ESCALATED = "escalated", _("整改不到位，已移交立案")

    inspection = models.OneToOneField(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="rectification"
    )
    order = models.TextField(_("整改要求"))
    ordered_on = models.DateField(_("责令日期"))
    working_days = models.PositiveIntegerField(_("整改期限（工作日）"))
    deadline_rule = models.JSONField(_("期限依据"), default=dict, blank=True)
    deadline = models.DateField(_("整改期限"), db_index=True)
    state = models.CharField(
        _("整改状态"), max_length=12, choices=State.choices, default=State.ORDERED, db_index=True
    )
    follow_up = models.OneToOneField(
        Inspection,
        verbose_name=_("复查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_rectification",
    )
    result = models.TextField(_("复查结论"), blank=True)
    closed_on = models.DateField(_("完结日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "inspection__unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["state", "deadline"], name="insp_rect_state_deadline")]

    def __str__(self) -> str:
        return f"{self.inspection} {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:detail", args=[self.inspection_id]) + "#rectification"
