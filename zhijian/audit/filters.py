"""Filters of the audit log, shared by the API and the HTML list."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet
from zhijian.core.models import OrgUnit

from .models import AuditRecord, action_choices

CHANNEL_CHOICES = [
    ("web", _("网页")),
    ("api", _("接口")),
    ("cli", _("命令行")),
    ("system", _("系统")),
]


def _visible_units(request):
    if request is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.visible_to(request.user)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditRecordFilter(FilterSet):
    """Time range, action, user, unit (with its subtree), object and free text.

    ``since``/``until`` take date-times (ISO 8601, for the API); ``date_from``/``date_to`` take
    local calendar days, both inclusive (for the HTML form). All time filters are ranges on the
    indexed ``created_at`` column.
    """

    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("起始时间")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("截止时间（不含）")
    )
    date_from = django_filters.DateFilter(method="filter_date_from", label=_("起始日期"))
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("截止日期"))
    action = django_filters.ChoiceFilter(choices=[], label=_("操作"))  # see __init__
    username = django_filters.CharFilter(field_name="actor_username", label=_("用户名"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible_units,
        to_field_name="code",
        method="filter_unit",
        label=_("机构（含下级）"),
    )
    channel = django_filters.ChoiceFilter(choices=CHANNEL_CHOICES, label=_("渠道"))
    ip = django_filters.CharFilter(field_name="ip", label=_("地址"))
    object_type = django_filters.CharFilter(field_name="object_type", label=_("对象类型"))
    object_id = django_filters.CharFilter(field_name="object_id", label=_("对象标识"))
    q = django_filters.CharFilter(method="filter_text", label=_("关键字"))

    class Meta:
        model = AuditRecord
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Actions registered by apps after this module was imported are offered too.
        self.filters["action"].extra["choices"] = action_choices()

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_local_midnight(value + dt.timedelta(days=1)))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(object_repr__icontains=value)
            | Q(object_id=value)
            | Q(actor_username__icontains=value)
        )
