"""REST API of inspections.

``GET /api/v1/inspections/`` lists the inspections in the caller's data scope (filters of the
list page: ``method``, ``outcome``, ``publication``, ``inspected_from``, ``inspected_to``;
``search``; ``ordering``); ``GET /api/v1/inspections/{id}/`` one inspection.

``POST /api/v1/inspections/`` records one: JSON, or multipart with the photos in ``photos``
(the phone's outbox sends its stored form this way). Fields: ``client_uuid`` (required; a retry
with the same value answers 200 with the saved inspection and ``"duplicate": true``), ``task``
(id) or ``entity`` (USCC), ``item`` (code), ``inspected_on``, ``inspectors`` (ids), ``on_site``,
``method``, ``outcome``, ``answers`` (``{key: {"result": "conforming|nonconforming|na",
"remark": ""}}``, or form fields ``answer_<key>``/``remark_<key>``), ``findings``,
``findings_count``, ``rectification_order``, ``rectification_days``. A refused submission
answers 400 with ``{"detail": "…", "errors": {field: [Chinese messages]}}``.

``POST /api/v1/inspections/publish/`` ``{"ids": [...]}`` publishes results;
``GET /api/v1/inspections/rectifications/`` lists rectification orders.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from zhijian.core.api import ScopedViewSetMixin

from . import forms, services
from .filters import InspectionFilter, RectificationFilter
from .models import Inspection, Rectification


class RectificationSerializer(serializers.ModelSerializer):
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id", "inspection", "inspection_number", "order", "ordered_on", "working_days",
            "deadline", "state", "state_display", "overdue", "follow_up", "result", "closed_on",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, rect) -> bool:
        return services.is_rectification_overdue(rect)


class InspectionSerializer(serializers.ModelSerializer):
    task_number = serializers.CharField(source="task.number", read_only=True, default=None)
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True, default=None)
    item_name = serializers.CharField(source="item.name", read_only=True, default=None)
    authority = serializers.CharField(source="inspecting_unit.name", read_only=True)
    inspectors = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    rectification = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id", "number", "client_uuid", "task", "task_number", "uscc", "entity_name",
            "item_code", "item_name", "inspected_on", "on_site", "method", "outcome", "answers",
            "findings", "findings_count", "authority", "inspectors", "photos", "rectification",
            "follow_up_of", "publish_due_on", "published_on", "created_at", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_inspectors(self, obj) -> list[dict]:
        return [{"id": p.pk, "name": str(p)} for p in obj.inspectors.all()]

    def get_photos(self, obj) -> list[dict]:
        return [
            {"id": p.pk, "url": reverse("inspections:photo", args=[p.pk]), "sha256": p.sha256,
             "size": p.size, "content_type": p.content_type}
            for p in obj.photos.all()
        ]  # fmt: skip

    def get_rectification(self, obj) -> dict | None:
        rect = Rectification.objects.filter(inspection=obj).first()
        return RectificationSerializer(rect).data if rect else None

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class InspectionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    scoped_queryset = Inspection.objects
    serializer_class = InspectionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = InspectionFilter
    search_fields = ["number", "entity__name", "entity__uscc"]
    ordering_fields = ["inspected_on", "number", "publish_due_on", "published_on"]
    ordering = ["-inspected_on", "-id"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("entity", "item", "task", "inspecting_unit")
            .prefetch_related("inspectors", "photos")
            .order_by("-inspected_on", "-id")
        )

    def create(self, request, *args, **kwargs):
        try:
            inspection, created = forms.submit(request.user, request.data, request.FILES)
        except services.InspectionInvalid as exc:
            return Response(
                {"detail": str(exc), "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        data = dict(InspectionSerializer(inspection).data)
        data["duplicate"] = not created
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RectificationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    scoped_queryset = Rectification.objects
    serializer_class = RectificationSerializer
    filterset_class = RectificationFilter
    ordering_fields = ["deadline", "ordered_on"]
    ordering = ["deadline", "id"]

    def get_queryset(self):
        return super().get_queryset().select_related("inspection").order_by("deadline", "id")


class CanPublish(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(services.PUBLISH))


class PublishSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class PublishView(APIView):
    permission_classes = [CanPublish]
    serializer_class = PublishSerializer

    def post(self, request):
        ids = request.data.get("ids") if hasattr(request.data, "get") else None
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return Response(
                {"detail": '请提交JSON：{"ids": [检查记录编号id, …]}'},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            count = services.publish(ids, user=request.user)
        except services.InspectionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"published": count})
