"""Filters of the item and task lists (pages and API share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet
from zhijian.core.models import OrgUnit

from .models import SupervisionItem, Task

OPEN = "open"
STATE_CHOICES = [(OPEN, _("未办结")), *Task.State.choices]


class ItemFilter(FilterSet):
    department = django_filters.CharFilter(label=_("责任部门"), lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = SupervisionItem
        fields = ["department", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class TaskFilter(FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=STATE_CHOICES, method="by_state")
    source = django_filters.ChoiceFilter(label=_("任务来源"), choices=Task.Source.choices)
    overdue = django_filters.BooleanFilter(label=_("已逾期"), method="by_overdue")
    unit = django_filters.ModelChoiceFilter(
        label=_("承办机构（含下级）"), queryset=OrgUnit.objects.none(), method="in_unit"
    )
    item = django_filters.ModelChoiceFilter(
        label=_("监管事项"), queryset=SupervisionItem.objects.all()
    )
    mine = django_filters.BooleanFilter(label=_("分派给我"), method="by_mine")
    due_before = django_filters.DateFilter(
        label=_("期限不晚于"), field_name="due_on", lookup_expr="lte"
    )

    class Meta:
        model = Task
        fields = ["state", "source", "overdue", "unit", "item", "mine", "due_before"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = request.user if request else None
        self.filters["unit"].queryset = OrgUnit.objects.visible_to(user)

    def by_state(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(state__in=Task.OPEN_STATES)
        return queryset.filter(state=value) if value else queryset

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(state__in=Task.OPEN_STATES, due_on__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def in_unit(self, queryset, name, value):
        if not value:
            return queryset
        ids = OrgUnit.objects.filter(path__startswith=value.path).values_list("pk", flat=True)
        return queryset.filter(unit_id__in=list(ids))

    def by_mine(self, queryset, name, value):
        if value is None or self.request is None:
            return queryset
        user = self.request.user
        return queryset.filter(assignee_id=user.pk) if value else queryset
