"""Read-only API of the audit log: /api/v1/audit-records/ (auditors only)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, permissions, serializers, viewsets

from .filters import AuditRecordFilter
from .models import AuditRecord


class CanViewAuditLog(permissions.BasePermission):
    """Only holders of ``audit.view_auditrecord`` (the auditor role) read the audit log."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("audit.view_auditrecord"))


class AuditRecordSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(read_only=True)
    unit_name = serializers.SerializerMethodField()
    changes = serializers.JSONField(source="changes_data", read_only=True)
    detail = serializers.JSONField(source="detail_data", read_only=True)

    class Meta:
        model = AuditRecord
        fields = [
            "seq",
            "created_at",
            "actor",
            "actor_username",
            "unit",
            "unit_code",
            "unit_name",
            "ip",
            "channel",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "detail",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    def get_unit_name(self, record) -> str:
        return record.unit.name if record.unit_id and record.unit else ""


class AuditRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log, newest first, limited to the viewer's data scope."""

    serializer_class = AuditRecordSerializer
    lookup_field = "seq"
    lookup_value_regex = r"\d+"
    permission_classes = [CanViewAuditLog]
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    filterset_class = AuditRecordFilter
    ordering_fields = ["seq", "created_at"]
    ordering = ["-seq"]

    def get_queryset(self):
        return AuditRecord.objects.visible_to(self.request.user).select_related("unit")
