import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import CalendarDay, Division, Industry


class CalendarDayFilter(FilterSet):
    year = django_filters.NumberFilter(label=_("年份"), field_name="date__year")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=CalendarDay.Kind.choices)

    class Meta:
        model = CalendarDay
        fields = ["year", "kind"]


class DivisionFilter(FilterSet):
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Division.Level.choices)
    parent = django_filters.CharFilter(label=_("上级区划代码"), field_name="parent__code")
    is_current = django_filters.BooleanFilter(label=_("现行"))

    class Meta:
        model = Division
        fields = ["level", "parent", "is_current"]


class IndustryFilter(FilterSet):
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Industry.Level.choices)
    parent = django_filters.CharFilter(label=_("上级代码"), field_name="parent__code")

    class Meta:
        model = Industry
        fields = ["level", "parent"]
