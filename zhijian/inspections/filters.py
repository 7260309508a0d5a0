import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Inspection, Method, Outcome, Rectification


class InspectionFilter(django_filters.FilterSet):
    method = django_filters.ChoiceFilter(label=_("检查方式"), choices=Method.choices)
    outcome = django_filters.ChoiceFilter(label=_("检查结果"), choices=Outcome.choices)
    publication = django_filters.ChoiceFilter(
        label=_("公示"),
        choices=[
            ("published", _("已公示")),
            ("pending", _("待公示")),
            ("overdue", _("逾期未公示")),
        ],
        method="filter_publication",
    )
    inspected_from = django_filters.DateFilter(
        label=_("检查日期起"), field_name="inspected_on", lookup_expr="gte"
    )
    inspected_to = django_filters.DateFilter(
        label=_("检查日期止"), field_name="inspected_on", lookup_expr="lte"
    )

    class Meta:
        model = Inspection
        fields = ["method", "outcome", "publication", "inspected_from", "inspected_to"]

    def filter_publication(self, queryset, name, value):
        if value == "published":
            return queryset.filter(published_on__isnull=False)
        if value == "pending":
            return queryset.filter(published_on__isnull=True)
        if value == "overdue":
            return queryset.filter(
                published_on__isnull=True, publish_due_on__lt=timezone.localdate()
            )
        return queryset


class RectificationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("整改状态"), choices=Rectification.State.choices)
    overdue = django_filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")

    class Meta:
        model = Rectification
        fields = ["state", "overdue"]

    def filter_overdue(self, queryset, name, value):
        late = Q(state=Rectification.State.ORDERED, deadline__lt=timezone.localdate())
        if value is True:
            return queryset.filter(late)
        if value is False:
            return queryset.exclude(late)
        return queryset
