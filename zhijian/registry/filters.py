"""The entity filter set, shared by the search page and the API (``/api/v1/entities``)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import Entity


def district_choices(user) -> list[tuple[str, str]]:
    """Current districts the user's data scope reaches (all of them for the city bureau)."""
    from zhijian.dictionaries.models import Division

    unit = getattr(user, "unit", None)
    districts = Division.objects.filter(level=Division.Level.DISTRICT, is_current=True)
    if unit is None:
        if not getattr(user, "is_superuser", False):
            return []
    elif unit.kind == "city":
        districts = districts.filter(code__startswith=unit.code[:2])
    else:
        districts = districts.filter(code=unit.code[:6])
    return list(districts.order_by("code").values_list("code", "name"))


class EntityFilter(FilterSet):
    district = django_filters.ChoiceFilter(
        label=_("所属区"), field_name="district_code", choices=[]
    )
    kind = django_filters.ChoiceFilter(label=_("主体类型"), choices=Entity.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("登记状态"), choices=Entity.Status.choices)
    industry = django_filters.CharFilter(
        label=_("行业代码"), field_name="industry", lookup_expr="startswith"
    )
    established_from = django_filters.DateFilter(
        label=_("成立日期自"), field_name="established_on", lookup_expr="gte"
    )
    established_to = django_filters.DateFilter(
        label=_("成立日期至"), field_name="established_on", lookup_expr="lte"
    )
    capital_min = django_filters.NumberFilter(
        label=_("注册资本不低于（万元）"), field_name="registered_capital", lookup_expr="gte"
    )
    capital_max = django_filters.NumberFilter(
        label=_("注册资本不高于（万元）"), field_name="registered_capital", lookup_expr="lte"
    )

    class Meta:
        model = Entity
        fields = [
            "district",
            "kind",
            "status",
            "industry",
            "established_from",
            "established_to",
            "capital_min",
            "capital_max",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        self.filters["district"].extra["choices"] = district_choices(user)
