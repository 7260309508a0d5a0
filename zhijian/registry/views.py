"""Pages of the register: entity search (the table component) and the entity file (一户一档).

The entity file is built by ``entity_file(user, entity)``, shared by the page and the API. Its
record sections come from a small registry: ``register_section(Section(...))``. This module
registers the register's own tables (tables 3–9 of the exchange format); later apps (warnings,
tasks, cases, equipment) register theirs the same way from their ``AppConfig.ready``, and their
sections and timeline events appear on the page and in ``GET /api/v1/entities/{uscc}``.
Every section query goes through ``visible_to(user)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from zhijian.core import masking
from zhijian.core.tables import Column, TableView
from zhijian.core.views import ScopedObjectMixin

from . import models as m
from .filters import EntityFilter
from .search import CappedPaginator, search_entities

SECTION_LIMIT = 20  # rows shown per section; the section header shows the full count
RELATED_LIMIT = 20
RELATED_CANDIDATES = 2000


# --- the section registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A timeline event taken from a record: its date field and a label built from it."""

    date_field: str
    label: Callable[[Any], str]


@dataclass(frozen=True)
class Section:
    """One table of records about an entity on the entity file."""

    key: str
    title: Any
    model: type
    order_by: tuple[str, ...]
    columns: tuple[tuple[str, Any], ...]  # (field or "get_x_display", label)
    entity_field: str = "entity"
    events: tuple[Event, ...] = ()
    masked: dict[str, str] = field(default_factory=dict)  # field → masking kind
    select_related: tuple[str, ...] = ()
    permission: str | None = None  # default: view permission of the model


SECTIONS: list[Section] = []


def register_section(section: Section) -> Section:
    if any(s.key == section.key for s in SECTIONS):
        raise ValueError(f"entity-file section {section.key!r} registered twice")
    SECTIONS.append(section)
    return section


def _perm(section: Section) -> str:
    opts = section.model._meta
    return section.permission or f"{opts.app_label}.view_{opts.model_name}"


register_section(
    Section(
        "persons", gettext_lazy("主要人员"), m.EntityPerson, ("role", "pk"),
        (("person__name", gettext_lazy("姓名")), ("get_role_display", gettext_lazy("职务")),
         ("person__id_number", gettext_lazy("证件号码")),
         ("subscribed_capital", gettext_lazy("认缴出资额（万元）"))),
        masked={"person__id_number": "id_number"}, select_related=("person",),
    )
)  # fmt: skip
register_section(
    Section(
        "licences", gettext_lazy("行政许可"), m.Licence, ("-issued_on", "-pk"),
        (("number", gettext_lazy("许可证编号")), ("licence_type", gettext_lazy("许可类型")),
         ("issuer", gettext_lazy("发证机关")), ("issued_on", gettext_lazy("发证日期")),
         ("valid_until", gettext_lazy("有效期至")), ("get_status_display", gettext_lazy("状态"))),
        events=(
            Event("issued_on", lambda r: _("取得%(type)s %(number)s")
                  % {"type": r.licence_type, "number": r.number}),
            Event("valid_until", lambda r: _("%(type)s %(number)s 有效期届满")
                  % {"type": r.licence_type, "number": r.number}),
        ),
    )
)  # fmt: skip
register_section(
    Section(
        "annual_reports", gettext_lazy("年度报告"), m.AnnualReport, ("-year", "-pk"),
        (("year", gettext_lazy("年度")), ("filed_on", gettext_lazy("报送日期")),
         ("employees", gettext_lazy("从业人数")), ("revenue", gettext_lazy("营业总收入（万元）")),
         ("tax_paid", gettext_lazy("纳税总额（万元）"))),
        events=(Event("filed_on", lambda r: _("报送%(year)s年度报告") % {"year": r.year}),),
    )
)  # fmt: skip
register_section(
    Section(
        "inspections", gettext_lazy("检查记录"), m.InspectionRecord, ("-inspected_on", "-pk"),
        (("number", gettext_lazy("检查编号")), ("inspected_on", gettext_lazy("检查日期")),
         ("get_method_display", gettext_lazy("检查方式")), ("item", gettext_lazy("监管事项")),
         ("authority", gettext_lazy("检查机关")), ("get_outcome_display", gettext_lazy("检查结果"))),
        events=(Event("inspected_on", lambda r: _("%(method)s：%(outcome)s")
                      % {"method": r.get_method_display(), "outcome": r.get_outcome_display()}),),
    )
)  # fmt: skip
register_section(
    Section(
        "penalties", gettext_lazy("行政处罚"), m.PenaltyRecord, ("-decided_on", "-pk"),
        (("number", gettext_lazy("决定书文号")), ("violation", gettext_lazy("违法类型")),
         ("measures", gettext_lazy("处罚种类")), ("amount", gettext_lazy("罚没金额（元）")),
         ("decided_on", gettext_lazy("决定日期")), ("authority", gettext_lazy("处罚机关"))),
        events=(Event("decided_on", lambda r: _("行政处罚 %(number)s（%(violation)s）")
                      % {"number": r.number, "violation": r.violation}),),
    )
)  # fmt: skip
register_section(
    Section(
        "complaints", gettext_lazy("投诉举报"), m.ComplaintRecord, ("-received_at", "-pk"),
        (("number", gettext_lazy("工单编号")), ("get_kind_display", gettext_lazy("类型")),
         ("received_at", gettext_lazy("登记时间")), ("claimant_name", gettext_lazy("诉求人")),
         ("issue_category", gettext_lazy("问题类别")), ("status", gettext_lazy("处理状态"))),
        masked={"claimant_name": "name"},
        events=(Event("received_at", lambda r: _("%(kind)s登记 %(number)s")
                      % {"kind": r.get_kind_display(), "number": r.number}),),
    )
)  # fmt: skip
register_section(
    Section(
        "samplings", gettext_lazy("监督抽检"), m.Sampling, ("-sampled_on", "-pk"),
        (("number", gettext_lazy("抽样单号")), ("category", gettext_lazy("产品类别")),
         ("product", gettext_lazy("产品名称")), ("sampled_on", gettext_lazy("抽样日期")),
         ("get_result_display", gettext_lazy("检验结论")),
         ("failed_items", gettext_lazy("不合格项目"))),
        events=(Event("sampled_on", lambda r: _("抽检%(product)s：%(result)s")
                      % {"product": r.product, "result": r.get_result_display()}),),
    )
)  # fmt: skip
register_section(
    Section(
        "credit_listings", gettext_lazy("信用名单"), m.CreditListing, ("-listed_on", "-pk"),
        (("get_list_type_display", gettext_lazy("名单类型")), ("reason", gettext_lazy("列入原因")),
         ("listed_on", gettext_lazy("列入日期")), ("authority", gettext_lazy("列入机关")),
         ("removed_on", gettext_lazy("移出日期"))),
        events=(
            Event("listed_on", lambda r: _("列入%(list)s") % {"list": r.get_list_type_display()}),
            Event("removed_on", lambda r: _("移出%(list)s") % {"list": r.get_list_type_display()}),
        ),
    )
)  # fmt: skip


# --- the entity file ---------------------------------------------------------------------------


def _value(obj, path: str):
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        attr = getattr(value, part, None)
        value = attr() if callable(attr) else attr
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else str(value)
    return str(value)


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if value.tzinfo else value.date()
    return value


def _newest_related(visible, **lookup) -> list:
    """The newest ``RELATED_LIMIT`` entities of ``visible`` matching an equality ``lookup``.

    Two steps, so that the plan cannot go wrong on a large table: the ids come from the
    lookup's own index (no ordering, no scope join to tempt the planner into walking the
    established-date index or the scope's units), then the scope and the order apply to
    those few rows. At most ``RELATED_CANDIDATES`` candidates are considered (a person who
    leads more entities than that is not a case the register has).
    """
    ids = list(m.Entity.objects.filter(**lookup).values_list("pk", flat=True)[:RELATED_CANDIDATES])
    if not ids:
        return []
    return list(visible.filter(pk__in=ids).order_by("-established_on", "-pk")[:RELATED_LIMIT])


def related_entities(user, entity) -> dict[str, list]:
    """Entities in the user's scope with the same legal representative or the same address."""
    visible = (
        m.Entity.objects.visible_to(user)
        .exclude(pk=entity.pk)
        .only("uscc", "name", "status", "legal_rep_name", "address")
    )
    if entity.legal_rep_id:
        same_rep = _newest_related(visible, legal_rep_id=entity.legal_rep_id)
    elif entity.legal_rep_name:
        # Without an identified person: the same name in the same district (names repeat).
        same_rep = _newest_related(
            visible, legal_rep_name=entity.legal_rep_name, district_code=entity.district_code
        )
    else:
        same_rep = []
    address = (entity.address or "").strip()
    return {
        "same_legal_rep": same_rep,
        "same_address": _newest_related(visible, address=address) if address else [],
    }


def entity_file(user, entity) -> dict:
    """Everything the entity file shows, limited to the user's data scope and permissions."""
    sections, timeline = [], []
    if entity.established_on:
        timeline.append({"date": entity.established_on, "kind": "entity", "label": _("成立")})
    if entity.deregistered_on:
        timeline.append(
            {"date": entity.deregistered_on, "kind": "entity", "label": entity.get_status_display()}
        )
    for section in SECTIONS:
        if not user.has_perm(_perm(section)):
            continue
        qs = section.model.objects.visible_to(user).filter(**{section.entity_field: entity})
        if section.select_related:
            qs = qs.select_related(*section.select_related)
        records = list(qs.order_by(*section.order_by)[: SECTION_LIMIT + 1])
        more = len(records) > SECTION_LIMIT
        records = records[:SECTION_LIMIT]
        count = qs.count() if more else len(records)
        rows = []
        for record in records:
            cells = []
            for path, _label in section.columns:
                text = _text(_value(record, path))
                kind = section.masked.get(path)
                cells.append(masking.mask(kind, text) if kind and text else text)
            rows.append({"pk": record.pk, "cells": cells})
            for event in section.events:
                when = _as_date(_value(record, event.date_field))
                if when:
                    timeline.append(
                        {"date": when, "kind": section.key, "label": event.label(record)}
                    )
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "headers": [label for _path, label in section.columns],
                "fields": [path for path, _label in section.columns],
                "rows": rows,
                "count": count,
                "truncated": more,
            }
        )
    # Events of the newest SECTION_LIMIT records per section, newest first.
    timeline.sort(key=lambda e: (e["date"], e["kind"]), reverse=True)
    return {"sections": sections, "timeline": timeline, "related": related_entities(user, entity)}


# --- pages -------------------------------------------------------------------------------------


class EntitySearchView(TableView):
    """The search page: one search box plus the filters of the API."""

    model = m.Entity
    permission_required = "registry.view_entity"
    title = gettext_lazy("市场主体查询")
    filterset_class = EntityFilter
    search_fields = ("name", "legal_rep_name", "address")  # shows the box; see get_queryset
    search_placeholder = gettext_lazy("名称、统一社会信用代码、法定代表人或住所（至少2个字）")
    default_ordering = ("-established_on", "-pk")
    paginator_class = CappedPaginator
    export_name = "entities"
    columns = [
        Column("uscc", gettext_lazy("统一社会信用代码"), link=True),
        Column("name", gettext_lazy("名称"), link=True),
        Column("legal_rep_name", gettext_lazy("法定代表人")),
        Column("kind", gettext_lazy("主体类型")),
        Column("status", gettext_lazy("登记状态")),
        Column("established_on", gettext_lazy("成立日期")),
        Column("registered_capital", gettext_lazy("注册资本（万元）")),
        Column("industry", gettext_lazy("行业代码")),
        Column("address", gettext_lazy("住所"), sortable=False),
    ]

    def get_queryset(self):
        qs = self.base_queryset()
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=qs, request=self.request
        )
        from zhijian.core.tables import _tidy_filter_form

        _tidy_filter_form(self.filterset.form)
        if self.filterset.is_bound and self.filterset.is_valid():
            qs = self.filterset.qs
        query = self.request.GET.get("q", "").strip()
        sort = self.request.GET.get("sort", "")
        if query:
            qs = search_entities(qs, query, user=self.request.user)
            if sort.removeprefix("-") not in self.sortable_keys():
                return qs  # relevance order chosen by search_entities
        return qs.order_by(*self.ordering_fields())


class EntityDetailView(ScopedObjectMixin, DetailView):
    """The entity file (一户一档) at /entities/<uscc>/."""

    model = m.Entity
    permission_required = "registry.view_entity"
    template_name = "registry/entity_detail.html"
    slug_field = "uscc"
    slug_url_kwarg = "uscc"
    context_object_name = "entity"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "legal_rep")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        entity = self.object
        ctx.update(entity_file(self.request.user, entity))
        ctx["phone_masked"] = masking.mask_mobile(entity.phone)
        ctx["can_unmask"] = masking.can_unmask(self.request.user)
        return ctx
