"""Special campaigns (专项整治): a time-boxed set of targets and supervision items, one task per
target, and a progress report per unit.

* ``Campaign``: name, basis, period, lead unit, items (``SupervisionItem``), the target filter
  it was built with, and its state (draft → active once its tasks exist → closed).
* ``CampaignTarget``: one entity chosen by the filter, snapshotted when the campaign was built
  (name, address, industry … as they were), with the unit that holds its task (the entity's
  home station) and the task itself.

Data scope: a target belongs to its unit. A campaign is visible to the users of its lead
unit's subtree and to the users of every unit that holds one of its targets (a district sees
the city's campaign, and only its own part of the targets and of the progress report).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager, ScopedQuerySet, scope_prefix


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        taking_part = CampaignTarget.objects.filter(unit__path__startswith=prefix).values(
            "campaign_id"
        )
        return self.filter(Q(lead_unit__path__startswith=prefix) | Q(pk__in=taking_part))


class CampaignManager(models.Manager.from_queryset(CampaignQuerySet)):
    pass


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草拟")
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("专项名称"), max_length=200)
    basis = models.TextField(_("工作依据"), help_text=_("文件名称与文号、法律依据"))
    description = models.TextField(_("工作要求"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), db_index=True)
    lead_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("牵头机构"), on_delete=models.PROTECT, related_name="+"
    )
    items = models.ManyToManyField(
        "supervision.SupervisionItem", verbose_name=_("检查事项"), related_name="campaigns"
    )
    target_filter = models.JSONField(_("对象筛选条件"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    tasks_generated_at = models.DateTimeField(_("任务生成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    scope_path = "lead_unit__path"
    objects = CampaignManager()

    class Meta:
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")
        ordering = ["-starts_on", "-id"]
        permissions = [("manage_campaign", _("创建专项整治、筛选对象、生成任务和结束专项"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", args=[self.pk])

    @property
    def source_ref(self) -> str:
        """The ``source_ref`` of the campaign's tasks."""
        return f"campaigns.campaign:{self.pk}"


class CampaignTarget(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项整治"), on_delete=models.CASCADE, related_name="targets"
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("市场主体"),
        on_delete=models.PROTECT,
        related_name="campaign_targets",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("承办机构"), on_delete=models.PROTECT, related_name="+"
    )
    # The snapshot: the entity as it was when the campaign was built.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("主体类型"), max_length=16)
    address = models.CharField(_("住所"), max_length=300)
    district_code = models.CharField(_("所属区"), max_length=6, blank=True)
    industry = models.CharField(_("行业代码"), max_length=4, blank=True)
    task = models.OneToOneField(
        "supervision.Task",
        verbose_name=_("监管任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_target",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("整治对象")
        verbose_name_plural = _("整治对象")
        ordering = ["campaign", "unit__path", "uscc"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "entity"], name="campaign_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.name}"

    def get_absolute_url(self) -> str:
        if self.task_id:
            return reverse("supervision:task_detail", args=[self.task_id])
        return reverse("campaigns:campaign_detail", args=[self.campaign_id])
