"""The one table component: filters, search, sort, pagination and export for every list page.

A list page declares its model, columns, filterset and permission; the queryset always starts
from ``Model.objects.visible_to(user)`` (data scope), and personal data columns are masked in
the page and in exports alike. Exports are audited.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView

from . import masking

EXPORT_LIMIT = 100_000


@dataclass
class Column:
    """A table column: a field path (``unit__name``) or a callable on the object."""

    key: str
    label: Any
    sortable: bool = True
    mask: str | None = None  # masking kind for personal data (see masking.MASKERS)
    getter: Callable[[Any], Any] | None = None
    link: bool = False  # link the cell to the object's detail page

    def raw(self, obj) -> Any:
        if self.getter is not None:
            return self.getter(obj)
        value = obj
        for part in self.key.split("__"):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
        return value

    def value(self, obj) -> str:
        raw = self.raw(obj)
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return _("是") if raw else _("否")
        if hasattr(raw, "isoformat") and hasattr(raw, "tzinfo"):
            return timezone.localtime(raw).strftime("%Y-%m-%d %H:%M:%S") if raw.tzinfo else str(raw)
        text = str(raw)
        return masking.mask(self.mask, text) if self.mask else text


class TableView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Base class of every list page. Subclasses set model, columns, permission_required."""

    template_name = "core/table.html"
    columns: list[Column] = []
    filterset_class = None
    search_fields: tuple[str, ...] = ()
    search_placeholder = ""
    default_ordering: tuple[str, ...] = ("-pk",)
    paginate_by = 50
    page_size_choices = (20, 50, 100, 200)
    title = ""
    create_url_name: str | None = None
    create_permission: str | None = None
    export_name = "export"
    raise_exception = False

    # --- queryset --------------------------------------------------------------------------

    # Reference data shared by every unit (dictionaries, the calendar) is not scoped.
    scoped = True

    def base_queryset(self):
        if not self.scoped:
            return self.model._default_manager.all()
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        qs = self.base_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=qs, request=self.request
            )
            _tidy_filter_form(self.filterset.form)
            if self.filterset.is_bound and self.filterset.is_valid():
                qs = self.filterset.qs
        query = self.request.GET.get("q", "").strip()
        if query and self.search_fields:
            qs = qs.filter(self.search_condition(query))
        return qs.order_by(*self.ordering_fields())

    def search_condition(self, query: str) -> Q:
        """What the search box matches: any search field containing the query."""
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": query})
        return condition

    def sortable_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.sortable and c.getter is None}

    def ordering_fields(self) -> list[str]:
        sort = self.request.GET.get("sort", "")
        key = sort.removeprefix("-")
        if key and key in self.sortable_keys():
            return [sort, "-pk" if sort.startswith("-") else "pk"]
        return list(self.default_ordering)

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("page_size", self.paginate_by))
        except ValueError:
            size = self.paginate_by
        return size if size in self.page_size_choices else self.paginate_by

    # --- export ----------------------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in {"csv", "xlsx"}:
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def export_rows(self, qs):
        yield [str(c.label) for c in self.columns]
        for obj in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [c.value(obj) for c in self.columns]

    def export(self, fmt: str):
        from zhijian.audit.services import log

        qs = self.get_queryset()
        count = qs[:EXPORT_LIMIT].count()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        filename = f"{self.export_name}-{stamp}.{fmt}"
        log(
            "export",
            object_type=f"{self.model._meta.app_label}.{self.model._meta.model_name}",
            detail={"format": fmt, "rows": count, "query": self.request.GET.urlencode()},
        )
        if fmt == "csv":
            response = StreamingHttpResponse(
                _csv_stream(self.export_rows(qs)), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                _xlsx_bytes(self.export_rows(qs), str(self.title)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- page ------------------------------------------------------------------------------

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = ctx["page_obj"]
        sort = self.request.GET.get("sort", "")
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(
            title=self.title,
            columns=[
                {
                    "key": c.key,
                    "label": c.label,
                    "sortable": c.sortable and c.getter is None,
                    "sorted": "asc" if sort == c.key else "desc" if sort == f"-{c.key}" else "",
                }
                for c in self.columns
            ],
            rows=[
                {"obj": obj, "cells": [(c.value(obj), c.link, c.label) for c in self.columns]}
                for obj in page.object_list
            ],
            filterset=self.filterset,
            query=self.request.GET.get("q", ""),
            search_enabled=bool(self.search_fields),
            search_placeholder=self.search_placeholder,
            querystring=params.urlencode(),
            page_size=self.get_paginate_by(None),
            page_size_choices=self.page_size_choices,
            create_url_name=self.create_url_name
            if self.create_url_name
            and (not self.create_permission or self.request.user.has_perm(self.create_permission))
            else None,
        )
        return ctx


def _tidy_filter_form(form) -> None:
    """Filter forms read "全部" where nothing is chosen, and labels carry no colon."""
    form.label_suffix = ""
    for field in form.fields.values():
        if hasattr(field, "empty_label"):
            field.empty_label = _("全部")
            if hasattr(field, "_choices"):  # django-filter's ChoiceField: rebuild the widget's list
                field.choices = [c for c in field._choices if c[0] not in ("", None)]
        choices = list(getattr(field, "choices", None) or [])
        if field.__class__.__name__ == "NullBooleanField":
            field.widget.choices = [("", _("全部")), ("true", _("是")), ("false", _("否"))]
        elif choices and choices[0][0] in ("", None) and not hasattr(field, "empty_label"):
            field.choices = [("", _("全部")), *choices[1:]]


class Echo:
    def write(self, value):
        return value


def _csv_stream(rows):
    writer = csv.writer(Echo())
    yield "\ufeff"  # BOM so that spreadsheet programs read UTF-8 Chinese correctly
    for row in rows:
        yield writer.writerow([_defuse(cell) for cell in row])


def _defuse(cell: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula (CSV injection)."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


def _xlsx_bytes(rows, title: str) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet_name = re.sub(r"[\[\]:*?/\\]", " ", title or "Sheet1").strip()[:31] or "Sheet1"
    sheet = workbook.add_worksheet(sheet_name)
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF7"})
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row, header if r == 0 else None)
    workbook.close()
    return buffer.getvalue()
