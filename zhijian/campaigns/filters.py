import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import Campaign


class CampaignFilter(FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Campaign.State.choices)
    active_on = django_filters.DateFilter(label=_("进行日期"), method="filter_active_on")

    class Meta:
        model = Campaign
        fields = ["state", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value) if value else queryset
