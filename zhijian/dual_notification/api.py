"""REST API under /api/v1/dual-notification/: notifications (read, feedback), events (the
unmatched list, claim), rules, departments, statistics. Querysets come from the services
(data scope and department isolation); changes go through the services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from zhijian.core.api import ModelPermission
from zhijian.core.pagination import Pagination

from . import services
from .filters import EventFilter, NotificationFilter, RuleFilter
from .models import Department, Notification, ScopeEvent, ScopeRule


class DualNotificationSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    department_code = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    event_kind = serializers.CharField(source="event.kind", read_only=True)
    occurred_on = serializers.DateField(source="event.occurred_on", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    feedback_display = serializers.CharField(source="get_feedback_display", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id", "event", "uscc", "entity_name", "department_code", "department_name",
            "event_kind", "occurred_on", "licence", "legal_basis", "keyword", "via", "state",
            "state_display", "created_at", "read_at", "feedback", "feedback_display",
            "feedback_note", "feedback_at", "unit_code",
        ]  # fmt: skip


class ScopeEventSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    claimed_by = serializers.SerializerMethodField()

    class Meta:
        model = ScopeEvent
        fields = ["id", "uscc", "entity_name", "kind", "occurred_on", "scope_text", "industry",
                  "matched", "unit_code", "claimed_by", "created_at"]  # fmt: skip

    def get_claimed_by(self, obj) -> list[str]:
        return [n.department.code for n in obj.notifications.all() if n.via == "claim"]


class ScopeRuleSerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.code", read_only=True)

    class Meta:
        model = ScopeRule
        fields = ["id", "department_code", "keywords", "industry_prefixes", "section", "licence",
                  "legal_basis", "priority", "valid_from", "valid_to", "is_active"]  # fmt: skip


class NotifiedDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "short_name", "contact", "phone", "internal", "is_active"]


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Notifications the user may see: their data scope, and their own departments only
    unless they hold ``view_all_departments``. Filters as on the list page."""

    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = Notification.objects.none()
    serializer_class = DualNotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = Pagination

    def get_queryset(self):
        return (
            services.visible_notifications(self.request.user)
            .select_related("entity", "department", "event", "unit")
            .order_by("-created_at", "-pk")
        )


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Events in scope; ``?matched=false`` is the published list of unmatched events."""

    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = ScopeEvent.objects.none()
    serializer_class = ScopeEventSerializer
    filterset_class = EventFilter
    pagination_class = Pagination

    def get_queryset(self):
        qs = services.visible_events(self.request.user).select_related("entity", "unit")
        matched = self.request.query_params.get("matched")
        if matched in ("true", "false"):
            qs = qs.filter(matched=matched == "true")
        return qs.prefetch_related("notifications__department").order_by("-occurred_on", "-pk")


class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = ScopeRule.objects.select_related("department").order_by("-priority", "pk")
    serializer_class = ScopeRuleSerializer
    filterset_class = RuleFilter
    pagination_class = Pagination


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = Department.objects.order_by("sort_order", "code")
    serializer_class = NotifiedDepartmentSerializer
    pagination_class = None


class _ActionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def refused(self, exc):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)


class ReadView(_ActionView):
    """POST: 签收 (members of the notification's department)."""

    @extend_schema(request=None, responses=DualNotificationSerializer)
    def post(self, request, pk):
        notice = get_object_or_404(services.visible_notifications(request.user), pk=pk)
        try:
            notice = services.mark_read(notice, request.user)
        except services.DualNotificationError as exc:
            return self.refused(exc)
        return Response(DualNotificationSerializer(notice).data)


class FeedbackView(_ActionView):
    """POST ``{"feedback": "licensed", "note": "..."}``: 反馈."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=DualNotificationSerializer)
    def post(self, request, pk):
        notice = get_object_or_404(services.visible_notifications(request.user), pk=pk)
        try:
            notice = services.give_feedback(
                notice, request.user, str(request.data.get("feedback", "")),
                str(request.data.get("note", "")),
            )  # fmt: skip
        except services.DualNotificationError as exc:
            return self.refused(exc)
        return Response(DualNotificationSerializer(notice).data)


class ClaimView(_ActionView):
    """POST ``{"department": "WJW", "licence": "..."}``: 认领 an unmatched event."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: DualNotificationSerializer})
    def post(self, request, pk):
        event = get_object_or_404(services.visible_events(request.user), pk=pk)
        code = str(request.data.get("department", "")).strip()
        department = None
        if code:
            department = Department.objects.filter(code=code).first()
            if department is None:
                return Response(
                    {"detail": f"委办局代码“{code}”不存在。"}, status=status.HTTP_400_BAD_REQUEST
                )
        try:
            notice = services.claim(
                event, request.user, department=department,
                licence=str(request.data.get("licence", "")),
            )  # fmt: skip
        except services.DualNotificationError as exc:
            return self.refused(exc)
        return Response(DualNotificationSerializer(notice).data, status=status.HTTP_201_CREATED)


class StatisticsView(_ActionView):
    """GET ``?since=YYYY-MM-DD&until=YYYY-MM-DD``: sent / read / feedback per department."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not request.user.has_perm("dual_notification.view_notification"):
            return Response({"detail": "您没有查看双告知统计的权限。"}, status=403)
        since, until = request.query_params.get("since"), request.query_params.get("until")
        try:
            since_day = parse_date(since) if since else None
            until_day = parse_date(until) if until else None
        except ValueError:
            since_day = until_day = "invalid"
        if (
            (since and not since_day)
            or (until and not until_day)
            or "invalid" in (since_day, until_day)
        ):
            return Response({"detail": "日期格式不正确（应为 YYYY-MM-DD）。"}, status=400)
        return Response({"departments": services.statistics(request.user, since=since_day,
                                                            until=until_day)})  # fmt: skip
