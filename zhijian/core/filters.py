import django_filters
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, Role, User


class FilterSet(django_filters.FilterSet):
    """The project's filter set: form fields are always built for this request.

    django-filter caches a filter's form field (``_field``) on first use and deep-copies it
    into every instance. If anything touches the class-level filters first (the OpenAPI
    schema generator does), a choice list or queryset narrowed to one user's data scope in
    ``__init__`` would be ignored. Dropping the cache makes per-request narrowing reliable.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            filter_.__dict__.pop("_field", None)


class UnitFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label=_("层级"), choices=OrgUnit.Kind.choices)
    parent = django_filters.ModelChoiceFilter(label=_("上级机构"), queryset=None)
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = OrgUnit
        fields = ["kind", "parent", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        self.filters["parent"].queryset = OrgUnit.objects.visible_to(user).exclude(
            kind=OrgUnit.Kind.STATION
        )


class UserFilter(FilterSet):
    unit = django_filters.ModelChoiceFilter(label=_("所属机构"), queryset=None, method="in_unit")
    role = django_filters.ModelChoiceFilter(
        label=_("角色"), queryset=Role.objects.all(), field_name="groups"
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["unit", "role", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        self.filters["unit"].queryset = OrgUnit.objects.visible_to(user)

    def in_unit(self, queryset, name, value):
        """Members of the unit and of all units below it."""
        return queryset.filter(unit__path__startswith=value.path) if value else queryset
