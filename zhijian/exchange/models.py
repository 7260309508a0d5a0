"""Import batches and their rejected rows (归集批次与信息反馈).

One ``ImportBatch`` per file (or JSON request) sent by a provider; its counters are updated in
the same transaction as each chunk of rows it writes, so they always describe what is committed.
``RejectedRow`` keeps every rejected row with its number, the failing column(s), the value and
the Chinese reason, plus the whole raw row so that the error report can be corrected and
re-imported. Rejected rows are reached only through a batch (no route of their own), so they
are not scoped themselves; the batch is (``unit__path``: the importing user's unit).

Both models opt out of the automatic auditing (``audit_exclude``): one ``import`` audit record
per batch is written by the importer instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijian.core.scope import ScopedManager


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        INTERRUPTED = "interrupted", _("已中断")

    table = models.CharField(_("数据表"), max_length=32, db_index=True)
    source = models.CharField(_("数据来源"), max_length=100, blank=True, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file_path = models.CharField(_("存储路径"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    format = models.CharField(_("格式"), max_length=8, blank=True)
    encoding = models.CharField(_("编码"), max_length=16, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True
    )
    headers = models.JSONField(_("表头"), default=list, blank=True)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    accepted = models.PositiveIntegerField(_("接受行数"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝行数"), default=0)
    total_estimate = models.PositiveIntegerField(_("估计总行数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "unit__path"
    objects = ScopedManager()
    audit_exclude = True

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        permissions = [("import_data", _("导入数据"))]
        indexes = [models.Index(fields=["table", "sha256"])]

    def __str__(self) -> str:
        return f"{self.table} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("exchange:batch_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status != self.Status.RUNNING


class RejectedRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("错误列"), max_length=100, blank=True)
    value = models.CharField(_("值"), max_length=200, blank=True)
    reason = models.CharField(_("错误原因"), max_length=500)
    errors = models.JSONField(_("全部错误"), default=list)  # [[column, value, reason], …]
    raw = models.JSONField(_("原始行"), default=dict)  # {header: cell text}

    audit_exclude = True

    class Meta:
        verbose_name = _("拒绝行")
        verbose_name_plural = _("拒绝行")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
