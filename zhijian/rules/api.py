"""API of 外部预警接入: ``POST /api/v1/warnings/feeds/{feed_id}/``.

The body is JSON rows, either a bare list ``[{"uscc": …, "key": …, "as_of": …,
"description": …, …}]`` or ``{"rows": [...]}`` (same columns as the file, English or Chinese
names; rows count from 1), or a multipart upload (field ``file``: CSV or XLSX). The import runs
within the request and the answer is its result (``feeds.ImportResult.as_dict``): run id,
status, counts (``rows_read = accepted + rejected``, ``accepted = raised + duplicates``), the
rejected rows with their Chinese reasons and the rows skipped as duplicates. A request refused
as a whole (no data row, a missing column, an unreadable file) answers 400 with the same body
and the reason in ``message``; an unknown feed 404. Needs ``risk.run_rules``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import feeds
from .feed_forms import MAX_UPLOAD_BYTES
from .feed_views import save_upload


class CanRunRules(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("risk.run_rules"))


class FeedImportView(APIView):
    permission_classes = [CanRunRules]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="外部预警接入：提交其他系统生成的预警（JSON行或CSV/XLSX文件）",
        request={"application/json": OpenApiTypes.ANY, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def post(self, request, feed_id: str):
        try:
            feed = feeds.get(feed_id)
        except feeds.FeedDefinitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                return Response(
                    {"detail": "文件超过50MB，请拆分后提交"}, status=status.HTTP_400_BAD_REQUEST
                )
            with tempfile.TemporaryDirectory() as tmp:
                path = save_upload(upload, Path(tmp))
                result = feeds.import_file(
                    feed, path, user=request.user, file_name=Path(upload.name).name
                )
        else:
            data = request.data
            rows = data.get("rows") if isinstance(data, dict) else data
            if not isinstance(rows, list):
                return Response(
                    {"detail": '请上传文件（file）或提交JSON行：[{"uscc": …}] 或 {"rows": [...]}'},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if len(rows) > feeds.MAX_ROWS:
                return Response(
                    {"detail": f"一次最多提交{feeds.MAX_ROWS}行"},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            result = feeds.import_records(feed, rows, user=request.user)
        body = result.as_dict()
        body["result_page"] = reverse("rules:feed_result", args=[result.run_id])
        if result.rejected and not result.failed:
            body["rejected_report"] = reverse("rules:feed_rejected", args=[result.run_id])
        code = status.HTTP_400_BAD_REQUEST if result.failed else status.HTTP_200_OK
        return Response(body, status=code)


# --- warnings: list, detail, disposition, acknowledgement ----------------------------------------
#
# ``GET /api/v1/warnings/`` (filters as the warning centre: ``rule_id``, ``district``, ``level``,
# ``state``, ``handling``, ``as_of_from``, ``as_of_to``, ``search``), ``GET …/{id}/`` with the
# parameters used and the evidence, ``POST …/{id}/dispose/`` ``{"disposition": "no_problem",
# "note": "…", "to_unit": 12}`` and ``POST …/{id}/acknowledge/`` ``{"note": "…"}``: 200 with the
# warning, 400 ``{"detail": "<Chinese reason>"}``, 404 outside the data scope.

from django.shortcuts import get_object_or_404  # noqa: E402
from django_filters import rest_framework as drf_filters  # noqa: E402
from rest_framework import filters as drf_search  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402
from rest_framework.decorators import action  # noqa: E402

from zhijian.core.api import ModelPermission  # noqa: E402
from zhijian.core.models import OrgUnit  # noqa: E402
from zhijian.core.pagination import Pagination  # noqa: E402

from . import services  # noqa: E402
from .filters import WarningFilter  # noqa: E402
from .models import Warning  # noqa: E402


class WarningSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(read_only=True)
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    task_number = serializers.CharField(source="task.number", read_only=True, default=None)

    class Meta:
        model = Warning
        fields = [
            "id", "rule_id", "rule_name", "rule_version", "uscc", "entity_name", "key", "as_of",
            "level", "route", "department", "unit_code", "handling", "state", "task_number",
            "disposition", "disposition_note", "disposed_at", "created_at",
        ]  # fmt: skip


class WarningDetailSerializer(WarningSerializer):
    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "parameters", "evidence", "evidence_total"]


class DisposeSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(
        choices=[(d.value, d.label) for d in services.TASK_DISPOSITIONS],
        error_messages={
            "invalid_choice": "未知的处置结果“{input}”。",
            "required": "请选择处置结果。",
        },
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    to_unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class CanViewWarnings(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("risk.view_warning")


class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Warning.objects.none()
    permission_classes = [permissions.IsAuthenticated, ModelPermission]
    pagination_class = Pagination
    filter_backends = [drf_filters.DjangoFilterBackend, drf_search.SearchFilter]
    filterset_class = WarningFilter
    search_fields = ["entity__name", "entity__uscc", "key"]

    def get_queryset(self):
        return (
            services.visible_warnings(self.request.user)
            .select_related("entity", "unit", "task")
            .order_by("-as_of", "-id")
        )

    def get_serializer_class(self):
        return WarningSerializer if self.action == "list" else WarningDetailSerializer

    def get_permissions(self):
        if self.action in ("dispose", "acknowledge"):  # services.dispose decides who may
            return [permissions.IsAuthenticated(), CanViewWarnings()]
        return super().get_permissions()

    def _answer(self, request, warning):
        warning = self.get_queryset().get(pk=warning.pk)
        return Response(WarningDetailSerializer(warning, context={"request": request}).data)

    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        warning = get_object_or_404(self.get_queryset(), pk=pk)
        data = DisposeSerializer(data=request.data)
        if not data.is_valid():
            first = next(iter(data.errors.values()))[0]
            return Response({"detail": str(first), "errors": data.errors}, status=400)
        values = data.validated_data
        to_unit = None
        if values["to_unit"] is not None:
            to_unit = OrgUnit.objects.visible_to(request.user).filter(pk=values["to_unit"]).first()
            if to_unit is None:
                return Response({"detail": "所选机构不存在或不在您的数据范围内。"}, status=400)
        try:
            warning = services.dispose(
                warning, user=request.user, disposition=values["disposition"],
                note=values["note"], to_unit=to_unit,
            )  # fmt: skip
        except services.WarningError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return self._answer(request, warning)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        warning = get_object_or_404(self.get_queryset(), pk=pk)
        note = str(request.data.get("note", "") or "")[:2000]
        try:
            warning = services.acknowledge(warning, user=request.user, note=note)
        except services.WarningError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return self._answer(request, warning)
