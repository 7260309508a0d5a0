"""REST API of the core app (/api/v1/): units, users, roles. Read-only; masked personal data."""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from . import masking
from .filters import UnitFilter, UserFilter
from .models import OrgUnit, Role, User


class ModelPermission(permissions.DjangoModelPermissions):
    """Reading needs the view permission too (DRF's default lets any user read)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class ScopedViewSetMixin:
    """Every API queryset goes through the data scope."""

    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    scoped_queryset = None

    def get_queryset(self):
        return self.scoped_queryset.visible_to(self.request.user)


class MaskedField(serializers.CharField):
    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return masking.mask(self.kind, value)


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)
    streets = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "parent",
            "parent_code",
            "path",
            "streets",
            "is_active",
        ]


class UnitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    scoped_queryset = OrgUnit.objects.select_related("parent").prefetch_related("streets")
    queryset = OrgUnit.objects.none()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "path"]
    ordering = ["path"]


class UserSerializer(serializers.ModelSerializer):
    mobile = MaskedField("mobile")
    id_number = MaskedField("id_number")
    unit_code = serializers.CharField(source="unit.code", read_only=True, default=None)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "unit",
            "unit_code",
            "roles",
            "mobile",
            "id_number",
            "badge_number",
            "is_active",
            "last_login",
        ]

    def get_roles(self, obj) -> list[str]:
        return [g.role.code for g in obj.groups.all() if hasattr(g, "role")]


class UserViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    scoped_queryset = User.objects.select_related("unit").prefetch_related("groups__role")
    queryset = User.objects.none()
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "full_name"]
    ordering_fields = ["username", "last_login"]
    ordering = ["username"]


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "permissions"]

    def get_permissions(self, obj) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in obj.permissions.all())


class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """Role definitions are configuration shared by all units, not scoped records."""

    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = Role.objects.prefetch_related("permissions__content_type")
    serializer_class = RoleSerializer
    pagination_class = None
