"""REST API under /api/v1/campaigns/: campaigns (with the progress report) and their targets.
Read-only; campaigns are created and worked on the pages (services do the work)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from zhijian.core.api import ModelPermission
from zhijian.core.pagination import Pagination

from . import services
from .filters import CampaignFilter
from .models import Campaign, CampaignTarget


class CampaignSerializer(serializers.ModelSerializer):
    lead_unit_code = serializers.CharField(source="lead_unit.code", read_only=True)
    items = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "basis", "description", "starts_on", "ends_on",
                  "lead_unit_code", "items", "target_filter", "state", "created_at",
                  "tasks_generated_at", "closed_at"]  # fmt: skip


class CampaignTargetSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    task_number = serializers.CharField(source="task.number", read_only=True, default=None)
    task_state = serializers.CharField(source="task.state", read_only=True, default=None)
    task_due_on = serializers.DateField(source="task.due_on", read_only=True, default=None)

    class Meta:
        model = CampaignTarget
        fields = ["id", "campaign", "uscc", "name", "kind", "address", "district_code",
                  "industry", "unit_code", "task_number", "task_state", "task_due_on"]  # fmt: skip


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    pagination_class = Pagination

    def get_queryset(self):
        return (
            Campaign.objects.visible_to(self.request.user)
            .select_related("lead_unit")
            .prefetch_related("items")
            .order_by("-starts_on", "-pk")
        )


class CampaignTargetViewSet(viewsets.ReadOnlyModelViewSet):
    """Targets in the user's scope; ``?campaign=ID`` for one campaign."""

    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    queryset = CampaignTarget.objects.none()
    serializer_class = CampaignTargetSerializer
    pagination_class = Pagination

    def get_queryset(self):
        qs = CampaignTarget.objects.visible_to(self.request.user).select_related("unit", "task")
        campaign = self.request.query_params.get("campaign", "")
        if campaign.isdigit():
            qs = qs.filter(campaign_id=int(campaign))
        return qs.order_by("campaign_id", "unit__path", "uscc")


class ProgressView(APIView):
    """GET: the progress report of one campaign, per unit of the user's scope."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        if not request.user.has_perm("campaigns.view_campaign"):
            return Response({"detail": "您没有查看专项整治的权限。"}, status=403)
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
        report = services.progress(campaign, request.user)
        return Response(
            {
                "campaign": campaign.pk,
                "findings_available": report.findings_available,
                "units": [r.as_dict() for r in report.rows],
                "total": report.total.as_dict(),
            }
        )
