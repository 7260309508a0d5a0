"""Dual notification (双告知): tell the licensing department about a new entity or a change of
its business scope, and tell the entity which licence it needs.

* ``Department`` (委办局): a licensing or supervising department. Reference data shared by
  every unit (not scoped); ``internal`` marks the bureau's own licensing divisions (food
  business licence, drug retail, medical devices …), which are notified like any other.
* ``DepartmentMember``: a user who works for a department. A member sees only the
  notifications of their own department(s) (see ``services.visible_notifications``).
* ``ScopeRule``: the maintained mapping from business-scope keywords and industry-code prefixes
  to a department, the licence it requires and the legal basis; dated, with a priority
  (matching is described in ``matching.py``).
* ``ScopeEvent``: one occasion to notify: an entity was established, or its business scope
  changed. It keeps the scope text it was matched on. An event that no rule matched is
  *unmatched*: it is published for the departments to claim (认领).
* ``Notification``: one department told about one event (pushed by a rule, or claimed by the
  department from the unmatched list), with its read (签收) and feedback (反馈) states.

Events and notifications copy the entity's unit, so data scope is one prefix query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager


class Department(models.Model):
    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    internal = models.BooleanField(
        _("本局内设"), default=False, help_text=_("市场监管部门自身负责的许可（如食品经营许可）")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("委办局")
        verbose_name_plural = _("委办局")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("dual_notification:department_update", args=[self.pk])


class DepartmentMember(models.Model):
    """A user working for a department (until the core has department units, see the docs)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("委办局"), on_delete=models.CASCADE, related_name="members"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_path = "user__unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("委办局用户")
        verbose_name_plural = _("委办局用户")
        ordering = ["department__sort_order", "department__code", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="dn_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("dual_notification:member_detail", args=[self.pk])


class ScopeRule(models.Model):
    """Keywords of the business scope and/or industry-code prefixes → department and licence."""

    class Section(models.TextChoices):
        LICENSED = "licensed", _("许可项目")
        ANY = "any", _("全部经营范围")

    department = models.ForeignKey(
        Department, verbose_name=_("委办局"), on_delete=models.PROTECT, related_name="rules"
    )
    keywords = models.CharField(
        _("经营范围关键词"), max_length=500, blank=True, help_text=_("多个关键词以“、”或逗号分隔")
    )
    industry_prefixes = models.CharField(
        _("行业代码前缀"), max_length=200, blank=True, help_text=_("多个前缀以“、”或逗号分隔")
    )
    section = models.CharField(
        _("匹配范围"),
        max_length=10,
        choices=Section.choices,
        default=Section.LICENSED,
        help_text=_("经营范围分“一般项目”“许可项目”时，关键词只在所选部分中匹配"),
    )
    licence = models.CharField(_("所需许可"), max_length=100)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    priority = models.PositiveIntegerField(
        _("优先级"), default=100, help_text=_("数值大者先匹配，先匹配的规则占用所匹配的文字")
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("告知规则")
        verbose_name_plural = _("告知规则")
        ordering = ["-priority", "id"]
        permissions = [("import_scoperule", _("导入告知规则"))]

    def __str__(self) -> str:
        return f"{self.department} {self.licence}"

    def get_absolute_url(self) -> str:
        return reverse("dual_notification:rule_update", args=[self.pk])

    def keyword_list(self) -> list[str]:
        return split_list(self.keywords)

    def prefix_list(self) -> list[str]:
        return split_list(self.industry_prefixes)

    def in_force(self, day) -> bool:
        if not self.is_active:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


def split_list(text: str) -> list[str]:
    """Items of a list typed as "a、b，c,d；e" (empty items dropped, order kept, no repeats)."""
    import re

    items = [part.strip() for part in re.split(r"[、,，;；\s]+", text or "")]
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


class ScopeEvent(models.Model):
    """An entity's registration or change of business scope, to be told to departments."""

    class Kind(models.TextChoices):
        ESTABLISHED = "established", _("新设登记")
        SCOPE_CHANGED = "scope_changed", _("经营范围变更")

    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("市场主体"),
        on_delete=models.CASCADE,
        related_name="scope_events",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("属地机构"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("告知事由"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"), db_index=True)
    scope_text = models.TextField(_("经营范围"), blank=True)
    scope_digest = models.CharField(_("经营范围摘要"), max_length=64)
    industry = models.CharField(_("行业代码"), max_length=4, blank=True)
    matched = models.BooleanField(_("已匹配审批部门"), default=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("告知事项")
        verbose_name_plural = _("告知事项")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "kind", "scope_digest"], name="dn_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.get_kind_display()} {self.occurred_on}"

    def get_absolute_url(self) -> str:
        return reverse("dual_notification:event_detail", args=[self.pk])


class Notification(models.Model):
    class State(models.TextChoices):
        SENT = "sent", _("已推送")
        READ = "read", _("已签收")
        CLAIMED = "claimed", _("已认领")
        FEEDBACK = "feedback", _("已反馈")

    class Via(models.TextChoices):
        RULE = "rule", _("规则匹配推送")
        CLAIM = "claim", _("部门认领")

    class Feedback(models.TextChoices):
        LICENSED = "licensed", _("已办理许可")
        UNDER_REVIEW = "under_review", _("许可审查中")
        NOT_LICENSED = "not_licensed", _("未办理许可，已纳入监管")
        NOT_REQUIRED = "not_required", _("经核查无需许可")
        NOT_OPERATING = "not_operating", _("未实际开展相关经营")
        OTHER = "other", _("其他")

    event = models.ForeignKey(
        ScopeEvent,
        verbose_name=_("告知事项"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("市场主体"),
        on_delete=models.CASCADE,
        related_name="dual_notifications",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("属地机构"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("委办局"), on_delete=models.PROTECT, related_name="notifications"
    )
    rule = models.ForeignKey(
        ScopeRule,
        verbose_name=_("匹配规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    keyword = models.CharField(_("匹配依据"), max_length=100, blank=True)
    licence = models.CharField(_("所需许可"), max_length=100, blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    via = models.CharField(_("告知方式"), max_length=8, choices=Via.choices, default=Via.RULE)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SENT, db_index=True
    )
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feedback = models.CharField(_("反馈结果"), max_length=16, choices=Feedback.choices, blank=True)
    feedback_note = models.TextField(_("反馈说明"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("告知记录")
        verbose_name_plural = _("告知记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "department"], name="dn_notice_once")
        ]
        indexes = [models.Index(fields=["department", "state"], name="dn_notice_dept_state")]
        permissions = [
            ("respond_notification", _("签收、反馈告知和认领未匹配事项（委办局）")),
            ("view_all_departments", _("查看全部委办局的告知记录（市场监管部门）")),
            ("run_dual_notification", _("执行双告知匹配")),
        ]

    def __str__(self) -> str:
        return f"{self.entity} → {self.department}"

    def get_absolute_url(self) -> str:
        return reverse("dual_notification:notification_detail", args=[self.pk])
