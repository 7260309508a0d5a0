import django_filters
from django.utils.translation import gettext_lazy as _

from zhijian.core.filters import FilterSet

from .models import Warning


def _rule_choices():
    from .definitions import all_rules
    from .feeds import all_feeds

    rules = [(r.id, f"{r.name}（{r.id}）") for r in all_rules().values()]
    return rules + [(f.id, f"{f.name}（{f.id}）") for f in all_feeds().values()]


def _district_choices(user):
    """The districts in the user's scope (another district's name is not shown)."""
    from zhijian.core.scope import districts_in_scope

    return [(d.code, d.name) for d in districts_in_scope(user)]


class WarningFilter(FilterSet):
    rule_id = django_filters.ChoiceFilter(label=_("预警规则"), choices=_rule_choices)
    district = django_filters.ChoiceFilter(label=_("所属区"), choices=[], method="filter_district")
    level = django_filters.ChoiceFilter(label=_("预警等级"), choices=Warning.Level.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=Warning.State.choices)
    handling = django_filters.ChoiceFilter(label=_("处置方式"), choices=Warning.Handling.choices)
    as_of_from = django_filters.DateFilter(
        label=_("预警日期自"), field_name="as_of", lookup_expr="gte"
    )
    as_of_to = django_filters.DateFilter(
        label=_("预警日期至"), field_name="as_of", lookup_expr="lte"
    )
    id_number = django_filters.CharFilter(label=_("自然人证件号码"), method="filter_id_number")

    class Meta:
        model = Warning
        fields = ["rule_id", "district", "level", "state", "handling"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["district"].extra["choices"] = _district_choices(user) if user else []

    def filter_district(self, queryset, name, value):
        return queryset.filter(entity__unit__path__contains=f"/{value}/") if value else queryset

    def filter_id_number(self, queryset, name, value):
        """Warnings keyed on a person (一人多户, 任职限制): found by the exact ID number. The
        lookup is audited (the number is recorded masked); the list never shows the number."""
        from zhijian.audit.services import log
        from zhijian.core.masking import mask
        from zhijian.registry.models import Person

        value = (value or "").strip().upper()
        if not value:
            return queryset
        person = Person.objects.filter(id_number=value).first()
        log("lookup", object_type="registry.person", object_id=str(person.pk) if person else "",
            object_repr="按证件号码查询监管预警", detail={"id_number": mask("id_number", value)})  # fmt: skip
        if person is None:
            return queryset.none()
        return queryset.filter(key=f"person:{person.pk}")
