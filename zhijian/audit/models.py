"""The audit log: one hash-chained record per write, login, unmasked view and export.

See ``zhijian/audit/services.py`` for how records are written and verified and
``zhijian/audit/canonical.py`` for exactly what a record's SM3 hash covers.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager, ScopedQuerySet, scope_prefix

from .canonical import GENESIS_HASH


class Action(models.TextChoices):
    """The actions of the platform itself. Apps may add more with ``register_action``.

    The ``action`` column is a plain CharField (no database choices), so adding an action
    needs no migration; ``action_label`` finds the label of any registered action.
    """

    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    UNMASK = "unmask", _("查看个人信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")


_ACTION_LABELS: dict[str, object] = dict(Action.choices)


def register_action(code: str, label) -> None:
    """Make an app-specific action known (label shown in lists and filters).

    Call it from the app's ``AppConfig.ready``; e.g. ``register_action("print", _("打印"))``.
    """
    if len(code) > 32:
        raise ValueError("action codes have at most 32 characters")
    _ACTION_LABELS[code] = label


def action_choices() -> list[tuple[str, object]]:
    return list(_ACTION_LABELS.items())


def action_label(code: str):
    return _ACTION_LABELS.get(code, code)


class AuditRecordQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Records of the viewer's unit subtree.

        Records without a unit (command line, system jobs, failed logins with an unknown
        username, accounts without a unit) are visible only to whole-installation viewers and
        to viewers whose unit is a root of the organisation tree (the city bureau).
        """
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        condition = Q(unit__path__startswith=prefix)
        unit = getattr(user, "unit", None)
        if unit is not None and unit.parent_id is None:
            condition |= Q(unit__isnull=True)
        return self.filter(condition)


class AuditRecordManager(ScopedManager.from_queryset(AuditRecordQuerySet)):
    pass


class AuditRecord(models.Model):
    """One audit record. Written only by ``services.log``; never updated or deleted.

    ``seq`` is assigned by the writer from the chain head (not an auto-increment sequence),
    so the chain has no gaps even when transactions roll back; a gap means a deleted record.
    """

    seq = models.BigIntegerField(_("序号"), primary_key=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_code = models.CharField(_("机构代码"), max_length=32, blank=True)
    ip = models.CharField(_("地址"), max_length=64, blank=True)
    channel = models.CharField(_("渠道"), max_length=16)
    action = models.CharField(_("操作"), max_length=32, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.TextField(_("变更内容"), blank=True, help_text=_("规范化 JSON 文本"))
    detail = models.TextField(_("详情"), blank=True, help_text=_("规范化 JSON 文本"))
    prev_hash = models.CharField(_("前一记录哈希"), max_length=64)
    hash = models.CharField(_("SM3 哈希"), max_length=64)

    scope_path = "unit__path"
    objects = AuditRecordManager()
    audit_exclude = True

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action_label} {self.object_repr}".strip()

    def get_absolute_url(self) -> str:
        return reverse("audit:record_detail", args=[self.seq])

    @property
    def action_label(self):
        return action_label(self.action)

    @cached_property
    def changes_data(self):
        """The changes as Python data: ``{field: [before, after]}`` or ``{field: value}``."""
        return json.loads(self.changes) if self.changes else None

    @cached_property
    def detail_data(self):
        return json.loads(self.detail) if self.detail else None


class AuditChainHead(models.Model):
    """The one row that says where the chain ends: the last record's seq and hash.

    Writers lock it (``SELECT … FOR UPDATE`` on PostgreSQL; the IMMEDIATE transaction on
    SQLite) so that concurrent writers append one after another and never fork the chain.
    ``audit verify`` compares the last record with it to detect deleted tail records.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = True

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash}"
