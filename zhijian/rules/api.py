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
