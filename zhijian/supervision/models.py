"""Supervision items (监管事项清单), tasks (监管任务/待办) and their history.

A ``SupervisionItem`` says what may be checked, on what legal basis and by which department;
it is not scoped (every member of staff reads the catalogue). A ``Task`` is work held by one
organisation unit (``unit``, the unit currently responsible) and possibly one inspector
(``assignee``); it is scoped by that unit's path, so a parent unit sees its whole subtree.
Every change of a task's state is one ``TaskEvent`` (the per-task history); the audit log
records the same changes automatically (signals), and bulk creation writes one audit record
per batch. State changes go through ``services.transition`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager


class SupervisionItem(models.Model):
    """One entry of the supervision item catalogue."""

    code = models.CharField(_("事项编码"), max_length=32, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    legal_basis = models.TextField(_("设定依据"))
    department = models.CharField(_("责任部门"), max_length=100)
    checklist = models.JSONField(
        _("检查内容"),
        default=list,
        blank=True,
        help_text=_('检查要点列表：[{"key": "...", "question": "..."}]'),
    )
    entity_kinds = models.JSONField(_("适用主体类型"), default=list, blank=True)
    industries = models.JSONField(
        _("适用行业"), default=list, blank=True, help_text=_("国民经济行业代码前缀，空表示全部")
    )
    licence_types = models.JSONField(_("适用许可类型"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("监管事项")
        verbose_name_plural = _("监管事项")
        ordering = ["code"]
        permissions = [("import_supervisionitem", _("导入监管事项清单"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:item_detail", args=[self.pk])

    def applies_to(self, entity, licence_types=None) -> bool:
        """True if the item may be checked at ``entity`` (kind, industry prefix, licence).

        Empty lists mean "all". ``licence_types`` may be given to avoid a query per entity;
        otherwise the entity's valid licences are read.
        """
        if self.entity_kinds and entity.kind not in self.entity_kinds:
            return False
        if self.industries:
            industry = entity.industry or ""
            if not any(industry.startswith(str(prefix)) for prefix in self.industries):
                return False
        if self.licence_types:
            if licence_types is None:
                licence_types = set(
                    entity.licences.filter(status="有效").values_list("licence_type", flat=True)
                )
            if not set(licence_types) & set(self.licence_types):
                return False
        return True


class Task(models.Model):
    """A supervision task (to-do) held by a unit and possibly one inspector."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工创建")
        RANDOM = "random", _("双随机抽查")
        CAMPAIGN = "campaign", _("专项整治")
        WARNING = "warning", _("风险预警")

    class State(models.TextChoices):
        NEW = "new", _("新建")
        ASSIGNED = "assigned", _("已分派")
        IN_PROGRESS = "in_progress", _("办理中")
        DONE = "done", _("已办结")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已撤销")

    OPEN_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.RETURNED)
    CLOSED_STATES = (State.DONE, State.CANCELLED)

    number = models.CharField(_("任务编号"), max_length=20, unique=True)
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务说明"), blank=True)
    source = models.CharField(_("任务来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源标识"), max_length=100, blank=True, db_index=True)
    item = models.ForeignKey(
        SupervisionItem,
        verbose_name=_("监管事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("检查对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("承办机构"),
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.NEW)
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    due_basis = models.CharField(_("期限依据"), max_length=300, blank=True)
    due_days = models.PositiveIntegerField(_("办理时限（天）"), null=True, blank=True)
    working_days = models.BooleanField(_("按工作日计算"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    urged_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    result_ref = models.CharField(
        _("办理结果"), max_length=100, blank=True, help_text=_("例如 inspections.inspection:7")
    )

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("监管任务")
        verbose_name_plural = _("监管任务")
        ordering = ["due_on", "id"]
        # The to-do list reads its parts from these indexes alone (urged_at and id are the
        # sort keys of the list): one person's tasks, a unit's tasks by state and due date,
        # a unit's unassigned tasks.
        indexes = [
            models.Index(
                fields=["assignee", "state", "due_on", "urged_at", "id"],
                name="sup_task_assignee_due",
            ),
            models.Index(
                fields=["unit", "state", "due_on", "urged_at", "id"], name="sup_task_unit_due"
            ),
            models.Index(
                fields=["unit", "assignee", "state", "due_on", "urged_at", "id"],
                name="sup_task_unit_open",
            ),
            models.Index(fields=["state", "due_on"], name="sup_task_state_due"),
        ]
        permissions = [
            ("manage_task", _("分派、下派、撤销和重启监管任务")),
            ("work_task", _("认领、办理和办结监管任务")),
            ("urge_task", _("督办逾期任务")),
            ("view_performance", _("查看效能管理统计")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:task_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class TaskEvent(models.Model):
    """One step in a task's history (creation, assignment, delegation, completion, …)."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=16)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("承办机构"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("操作后负责该任务的机构"),
    )
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_path = "task__unit__path"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("任务记录")
        verbose_name_plural = _("任务记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"
