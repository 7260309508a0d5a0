"""Filter sets of the random-inspection list pages (shared with the API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet
from zhijian.registry.filters import district_choices
from zhijian.registry.models import Entity, Licence

from .forms import CLASS_CHOICES
from .models import InspectorProfile, NonIntrusiveEntry, Plan, Recusal


class PlanFilter(FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Plan.State.choices)

    class Meta:
        model = Plan
        fields = ["state"]


class InspectorFilter(FilterSet):
    department = django_filters.CharFilter(label=_("所属部门"), lookup_expr="icontains")
    expertise = django_filters.CharFilter(label=_("执法领域"), method="has_expertise")
    is_active = django_filters.BooleanFilter(label=_("在库"))

    class Meta:
        model = InspectorProfile
        fields = ["department", "expertise", "is_active"]

    def has_expertise(self, queryset, name, value):
        return queryset.filter(expertise__icontains=value) if value else queryset


class RecusalFilter(FilterSet):
    class Meta:
        model = Recusal
        fields: list = []


class NonIntrusiveFilter(FilterSet):
    current = django_filters.BooleanFilter(
        label=_("仍在名单内"), field_name="removed_on", lookup_expr="isnull"
    )

    class Meta:
        model = NonIntrusiveEntry
        fields = ["current"]


class TargetFilter(FilterSet):
    """The target directory's conditions (a pool filter, see directory.py)."""

    district = django_filters.ChoiceFilter(
        label=_("所属区"), field_name="district_code", choices=[]
    )
    kind = django_filters.ChoiceFilter(label=_("主体类型"), choices=Entity.Kind.choices)
    industry = django_filters.CharFilter(
        label=_("行业代码前缀"), field_name="industry", lookup_expr="startswith"
    )
    licence_type = django_filters.CharFilter(label=_("许可类型"), method="with_licence")
    risk_class = django_filters.ChoiceFilter(
        label=_("信用风险分类"), choices=CLASS_CHOICES, method="in_class"
    )
    non_intrusive = django_filters.BooleanFilter(
        label=_("含无感监管名单内主体"), method="keep_non_intrusive"
    )

    class Meta:
        model = Entity
        fields = ["district", "kind", "industry", "licence_type", "risk_class", "non_intrusive"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["district"].extra["choices"] = district_choices(
            request.user if request else None
        )

    def with_licence(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Licence.objects.filter(licence_type=value, status=Licence.Status.VALID).values(
                "entity_id"
            )
        )

    def in_class(self, queryset, name, value):
        return queryset.filter(risk_class=value) if value else queryset

    def keep_non_intrusive(self, queryset, name, value):
        return queryset  # applied by the view (the default leaves listed entities out)

    @staticmethod
    def non_intrusive_q(day):
        current = NonIntrusiveEntry.objects.filter(listed_on__lte=day).filter(
            Q(removed_on__isnull=True) | Q(removed_on__gt=day)
        )
        return Q(pk__in=current.values("entity_id"))
