"""Batch API of the exchange format.

``POST /api/v1/exchange/{table}/``: a multipart file (field ``file``, optional ``source``) or
JSON ``{"source": "…", "rows": [{english_field: value, …}]}``. The import runs within the
request (API clients want the outcome; use the CLI or the page for very large files) and the
answer is the batch summary: id, status, counts, the first 20 rejections and the error report
link. A file refused as a whole answers 400 with the same summary.

``GET /api/v1/exchange/batches/`` lists the batches in the caller's data scope;
``GET /api/v1/exchange/batches/{id}/`` one batch.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services, specs
from .forms import MAX_UPLOAD_BYTES
from .models import ImportBatch

FIRST_REJECTIONS = 20
MAX_JSON_ROWS = 50_000


class HasPerm(permissions.BasePermission):
    perm = ""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.perm))


class CanImport(HasPerm):
    perm = "exchange.import_data"


class CanViewBatches(HasPerm):
    perm = "exchange.view_importbatch"


class BatchSerializer(serializers.ModelSerializer):
    error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id", "table", "source", "file_name", "sha256", "format", "encoding", "status",
            "rows_read", "accepted", "rejected", "message", "started_at", "finished_at",
            "error_report",
        ]  # fmt: skip
        read_only_fields = fields

    def get_error_report(self, batch) -> str | None:
        if not batch.rejected:
            return None
        return reverse("exchange:error_report", args=[batch.pk])


def summary(batch: ImportBatch) -> dict:
    data = BatchSerializer(batch).data
    data["rejections"] = [
        {"row": r.row_number, "column": r.column, "value": r.value, "reason": r.reason}
        for r in batch.rejected_rows.order_by("row_number")[:FIRST_REJECTIONS]
    ]
    return data


class ImportView(APIView):
    permission_classes = [CanImport]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = BatchSerializer

    def post(self, request, table: str):
        if specs.get_spec(table) is None:
            return Response({"detail": f"未知的数据表“{table}”"}, status=status.HTTP_404_NOT_FOUND)
        source = str(request.data.get("source", "") or "")[:100]
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                return Response({"detail": "文件超过200MB"}, status=status.HTTP_400_BAD_REQUEST)
            suffix = Path(upload.name).suffix.lower()[:8]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                with path.open("wb") as out:
                    for part in upload.chunks():
                        out.write(part)
                batch = services.import_file(
                    table, path, source=source, user=request.user, file_name=upload.name
                )
        else:
            rows = request.data.get("rows") if hasattr(request.data, "get") else None
            if not isinstance(rows, list):
                return Response(
                    {"detail": '请上传文件（file）或提交JSON：{"rows": [{字段: 值}]}'},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if len(rows) > MAX_JSON_ROWS:
                return Response(
                    {"detail": f"一次最多提交{MAX_JSON_ROWS}行"}, status=status.HTTP_400_BAD_REQUEST
                )
            batch = services.import_records(table, rows, source=source, user=request.user)
        code = status.HTTP_400_BAD_REQUEST if batch.status == "failed" else status.HTTP_200_OK
        return Response(summary(batch), status=code)


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BatchSerializer
    permission_classes = [CanViewBatches]
    filterset_fields = ["table", "source", "status"]
    ordering_fields = ["id", "started_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return services.visible_batches(self.request.user).order_by("-id")
