"""The audit log pages: the list (common table component) and one record."""

from __future__ import annotations

import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from zhijian.core.tables import Column, TableView
from zhijian.core.views import ScopedObjectMixin

from .filters import AuditRecordFilter
from .models import AuditRecord


class AuditRecordListView(TableView):
    model = AuditRecord
    permission_required = "audit.view_auditrecord"
    title = _("审计日志")
    filterset_class = AuditRecordFilter
    default_ordering = ("-seq",)
    export_name = "audit-log"
    columns = [
        Column("seq", _("序号"), link=True),
        Column("created_at", _("时间")),
        Column("actor_username", _("用户名")),
        Column("unit__name", _("机构"), sortable=False),
        Column("ip", _("地址"), sortable=False),
        Column("action", _("操作"), sortable=False, getter=lambda r: r.action_label),
        Column("object_type", _("对象类型"), sortable=False),
        Column("object_repr", _("对象"), sortable=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("unit")


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class AuditRecordDetailView(ScopedObjectMixin, DetailView):
    model = AuditRecord
    permission_required = "audit.view_auditrecord"
    template_name = "audit/record_detail.html"
    context_object_name = "record"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        model = None
        if "." in record.object_type:
            try:
                model = apps.get_model(record.object_type)
            except LookupError:
                model = None
        rows = []
        changes = record.changes_data
        is_diff = record.action == "update"
        if isinstance(changes, dict):
            for name, value in sorted(changes.items()):
                if is_diff and isinstance(value, list) and len(value) == 2:
                    before, after = value
                else:
                    before, after = None, value
                rows.append(
                    {
                        "name": name,
                        "label": _field_label(model, name),
                        "before": _shown(before),
                        "after": _shown(after),
                    }
                )
        ctx["change_rows"] = rows
        ctx["is_diff"] = is_diff
        detail = record.detail_data
        ctx["detail_text"] = (
            "" if detail is None else json.dumps(detail, ensure_ascii=False, indent=2)
        )
        return ctx
