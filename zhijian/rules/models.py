"""Rule versions, rule runs and risk warnings (监管预警).

``Warning`` rows are written only by ``engine.py`` (raising) and ``services.py`` (handling);
their data scope is the unit the warning was routed to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager


class RuleVersion(models.Model):
    """The text of every rule version that ever ran: a warning's ``rule_version`` leads here."""

    rule_id = models.CharField(_("规则标识"), max_length=64)
    version = models.CharField(_("规则版本"), max_length=16)
    name = models.CharField(_("规则名称"), max_length=100)
    definition = models.TextField(_("规则定义（YAML）"))
    sql = models.TextField(_("规则实现（SQL）"), blank=True)
    python = models.CharField(_("规则实现（Python）"), max_length=200, blank=True)
    first_used_at = models.DateTimeField(_("首次运行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        constraints = [
            models.UniqueConstraint(fields=["rule_id", "version"], name="rules_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.version}"


class RuleRun(models.Model):
    """One run of one rule: when, on which day's data, what it looked at and raised."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("定时运行")
        MANUAL = "manual", _("手动运行")
        FEED = "feed", _("外部接入")

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("已跳过")

    rule_id = models.CharField(_("规则标识"), max_length=64, db_index=True)
    version = models.CharField(_("规则版本"), max_length=16)
    as_of = models.DateField(_("数据日期"))
    trigger = models.CharField(_("触发方式"), max_length=16, choices=Trigger.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rows_examined = models.BigIntegerField(_("检查数据行数"), default=0)
    candidates = models.PositiveIntegerField(_("命中主体数"), default=0)
    raised = models.PositiveIntegerField(_("新增预警数"), default=0)
    duplicates = models.PositiveIntegerField(_("去重跳过数"), default=0)
    parameters = models.JSONField(_("参数取值"), default=dict)
    error = models.TextField(_("错误信息"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("运行人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    audit_exclude = True  # a run is itself the record of what the engine did

    class Meta:
        verbose_name = _("规则运行记录")
        verbose_name_plural = _("规则运行记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.as_of} {self.get_status_display()}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Warning(models.Model):  # noqa: A001 - the glossary's name (监管预警)
    class Level(models.TextChoices):
        NORMAL = "normal", _("一般")
        HIGH = "high", _("较高")

    class Handling(models.TextChoices):
        TASK = "task", _("待办任务")
        ACKNOWLEDGE = "acknowledge", _("阅知")

    class State(models.TextChoices):
        OPEN = "open", _("待处置")
        CLOSED = "closed", _("已处置")

    class Disposition(models.TextChoices):
        NO_PROBLEM = "no_problem", _("已核查，无问题")
        RECTIFIED = "rectified", _("已整改")
        CASE_OPENED = "case_opened", _("已立案")
        NOT_OURS = "not_ours", _("非本单位管辖（转办）")
        ACKNOWLEDGED = "acknowledged", _("已阅知")

    rule_id = models.CharField(_("规则标识"), max_length=64)
    rule_version = models.CharField(_("规则版本"), max_length=16)
    run = models.ForeignKey(
        RuleRun, verbose_name=_("运行记录"), on_delete=models.PROTECT, related_name="warnings"
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("市场主体"),
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    key = models.CharField(_("归集键"), max_length=300, help_text=_("例如规范化后的地址"))
    as_of = models.DateField(_("数据日期"), db_index=True)
    level = models.CharField(_("预警等级"), max_length=8, choices=Level.choices)
    parameters = models.JSONField(_("参数取值"), default=dict)
    evidence = models.JSONField(_("触发数据"), default=list)
    evidence_total = models.PositiveIntegerField(_("触发数据行数"), default=0)
    route = models.CharField(_("推送对象"), max_length=32)
    department = models.CharField(_("承办部门"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("承办机构"), on_delete=models.PROTECT, related_name="+"
    )
    handling = models.CharField(_("处置方式"), max_length=16, choices=Handling.choices)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    task = models.OneToOneField(
        "supervision.Task",
        verbose_name=_("待办任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warning",
    )
    disposition = models.CharField(
        _("处置结果"), max_length=16, choices=Disposition.choices, blank=True
    )
    disposition_note = models.TextField(_("处置说明"), blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    disposed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("预警时间"), auto_now_add=True, db_index=True)

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("监管预警")
        verbose_name_plural = _("监管预警")
        ordering = ["-as_of", "-id"]
        indexes = [
            # deduplication: the latest warning of a rule for an entity and key
            models.Index(fields=["rule_id", "entity", "key", "as_of"], name="rules_warning_dedup"),
            models.Index(fields=["unit", "state", "as_of"], name="rules_warning_unit"),
            models.Index(fields=["rule_id", "as_of"], name="rules_warning_rule"),
        ]
        permissions = [
            ("dispose_warning", _("处置预警")),
            ("run_rules", _("运行预警规则")),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.entity_id} {self.as_of}"

    def get_absolute_url(self) -> str:
        return reverse("rules:warning_detail", args=[self.pk])

    @property
    def rule_name(self) -> str:
        from .definitions import all_rules
        from .feeds import name_of

        rule = all_rules().get(self.rule_id)
        return rule.name if rule else (name_of(self.rule_id) or self.rule_id)
