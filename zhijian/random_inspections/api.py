"""REST API of random inspections (/api/v1/random-inspections/).

Staff (data scope, permissions): ``plans/`` (list, retrieve, create), ``plans/{id}/draw/``
(POST: public_random, public_random_source, reason), ``draws/{id}/`` and
``draws/{id}/verify/``; ``inspectors/``.
Public (no sign-in, published by law): ``public/draws/``, ``public/draws/{id}/`` and
``public/draws/{id}/verify/`` (the draw repeated from its published inputs on the server).
"""

from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from zhijian.core.api import MaskedField, ModelPermission, ScopedViewSetMixin
from zhijian.core.models import OrgUnit

from . import services
from .models import Draw, InspectorProfile, Plan

VERIFY_CACHE_SECONDS = 60


class PlanSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    current_draw = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id", "number", "name", "item", "item_code", "unit", "unit_code", "pool_filter",
            "ratios", "ratios_basis", "inspectors_per_check", "participants", "due_days",
            "working_days", "state", "created_at", "current_draw",
        ]  # fmt: skip
        read_only_fields = ["number", "state", "created_at", "ratios_basis"]
        extra_kwargs = {"ratios": {"required": False}}

    def get_current_draw(self, plan) -> int | None:
        record = plan.current_draw()
        return record.pk if record else None


class DrawSerializer(serializers.ModelSerializer):
    plan_number = serializers.CharField(source="plan.number", read_only=True)

    class Meta:
        model = Draw
        fields = [
            "id", "plan", "plan_number", "sequence", "is_current", "reason", "algorithm",
            "public_random", "public_random_source", "plan_snapshot", "plan_hash", "pool_hash",
            "pool_size", "pool_counts", "inspectors_hash", "seed", "result", "result_hash",
            "target_count", "drawn_at", "published_at",
        ]  # fmt: skip
        read_only_fields = fields


class DrawRequestSerializer(serializers.Serializer):
    public_random = serializers.CharField(max_length=200)
    public_random_source = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    publish = serializers.BooleanField(required=False, default=False)


class PlanViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    scoped_queryset = Plan.objects.select_related("item", "unit")
    serializer_class = PlanSerializer
    queryset = Plan.objects.all()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = data["unit"]
        if not OrgUnit.objects.visible_to(request.user).filter(pk=unit.pk).exists():
            return Response({"detail": "机构不在您的数据范围内。"}, status=400)
        try:
            plan = services.create_plan(
                user=request.user, name=data["name"], item=data["item"], unit=unit,
                pool_filter=data.get("pool_filter"), ratios=data.get("ratios"),
                inspectors_per_check=data.get("inspectors_per_check", 2),
                participants=data.get("participants"), due_days=data.get("due_days", 20),
                working_days=data.get("working_days", True),
            )  # fmt: skip
        except services.PlanError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=DrawRequestSerializer)
    def draw(self, request, pk=None):
        if not request.user.has_perm("random_inspections.add_draw"):
            return Response({"detail": "您没有抽取的权限。"}, status=403)
        plan = self.get_object()
        body = DrawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        publish = data.pop("publish", False)
        try:
            record = services.draw_plan(plan, user=request.user, **data)
            if publish:
                services.publish_draw(record, user=request.user)
        except services.PlanError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(DrawSerializer(record).data, status=status.HTTP_201_CREATED)


class DrawViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    scoped_queryset = Draw.objects.select_related("plan")
    serializer_class = DrawSerializer
    queryset = Draw.objects.all()

    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        return Response(services.verify_draw(self.get_object()).as_dict())


class InspectorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name", read_only=True)
    badge_number = serializers.CharField(source="user.badge_number", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    address = MaskedField("address")

    class Meta:
        model = InspectorProfile
        fields = ["id", "name", "badge_number", "department", "unit", "unit_code",
                  "expertise", "address", "is_active"]  # fmt: skip


class InspectorViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    scoped_queryset = InspectorProfile.objects.select_related("user", "unit")
    serializer_class = InspectorSerializer
    queryset = InspectorProfile.objects.all()
    permission_classes = [permissions.IsAuthenticated, ModelPermission]


# --- public ---------------------------------------------------------------------------------


def _public_summary(record: Draw) -> dict:
    return {
        "id": record.pk,
        "plan_number": record.plan.number,
        "plan_name": record.plan.name,
        "item": record.plan.item.name,
        "unit": record.plan.unit.name,
        "sequence": record.sequence,
        "drawn_at": record.drawn_at,
        "target_count": record.target_count,
    }


class PublicDrawList(APIView):
    """Published draws of every plan (一公开); not limited by data scope."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request):
        rows = services.published_draws().order_by("-drawn_at", "-pk")[:500]
        return Response({"results": [_public_summary(r) for r in rows]})


class PublicDrawDetail(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request, pk: int):
        record = get_object_or_404(services.published_draws(), pk=pk)
        return Response(
            {
                **_public_summary(record),
                "algorithm": record.algorithm,
                "public_random": record.public_random,
                "public_random_source": record.public_random_source,
                "plan_snapshot": record.plan_snapshot,
                "plan_hash": record.plan_hash,
                "pool_hash": record.pool_hash,
                "pool_size": record.pool_size,
                "inspectors_hash": record.inspectors_hash,
                "seed": record.seed,
                "result_hash": record.result_hash,
                "result": services.public_result(record),
            }
        )


class PublicDrawVerify(APIView):
    """Repeat the draw from its published inputs.

    The answer is cached for a minute under a digest of everything stored for the draw, so a
    change of any stored input or of the result is verified afresh at once, while repeated
    requests cannot make the server re-read a large pool again and again.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request, pk: int):
        record = get_object_or_404(services.published_draws(), pk=pk)
        key = f"random-verify:{record.pk}:{services.stored_digest(record)}"
        answer = cache.get(key)
        if answer is None:
            answer = services.verify_draw(record).as_dict()
            cache.set(key, answer, VERIFY_CACHE_SECONDS)
        return Response(answer)
