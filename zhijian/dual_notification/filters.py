"""Filter sets of the notification and event lists (pages and API)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import Department, Notification, ScopeEvent, ScopeRule


class NotificationFilter(FilterSet):
    department = django_filters.ModelChoiceFilter(label=_("委办局"), queryset=None)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Notification.State.choices)
    event = django_filters.ChoiceFilter(
        label=_("告知事由"), field_name="event__kind", choices=ScopeEvent.Kind.choices
    )
    via = django_filters.ChoiceFilter(label=_("告知方式"), choices=Notification.Via.choices)
    sent_from = django_filters.DateFilter(
        label=_("推送日期自"), field_name="created_at__date", lookup_expr="gte"
    )
    sent_to = django_filters.DateFilter(
        label=_("推送日期至"), field_name="created_at__date", lookup_expr="lte"
    )

    class Meta:
        model = Notification
        fields = ["department", "state", "event", "via", "sent_from", "sent_to"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from .services import member_departments, sees_all_departments

        departments = Department.objects.all()
        user = request.user if request else None
        if user is not None and not sees_all_departments(user):
            departments = departments.filter(pk__in=member_departments(user))
        self.filters["department"].queryset = departments


class EventFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label=_("告知事由"), choices=ScopeEvent.Kind.choices)
    claimed = django_filters.BooleanFilter(label=_("已认领"), method="filter_claimed")
    occurred_from = django_filters.DateFilter(
        label=_("发生日期自"), field_name="occurred_on", lookup_expr="gte"
    )
    occurred_to = django_filters.DateFilter(
        label=_("发生日期至"), field_name="occurred_on", lookup_expr="lte"
    )

    class Meta:
        model = ScopeEvent
        fields = ["kind", "claimed", "occurred_from", "occurred_to"]

    def filter_claimed(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(notifications__isnull=not value).distinct()


class RuleFilter(FilterSet):
    department = django_filters.ModelChoiceFilter(
        label=_("委办局"), queryset=Department.objects.all()
    )
    section = django_filters.ChoiceFilter(label=_("匹配范围"), choices=ScopeRule.Section.choices)
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = ScopeRule
        fields = ["department", "section", "is_active"]
