"""Pages of the exchange app: upload, the batch list (归集信息反馈), batch detail, error report.

Background work: there is no job queue yet, so the upload page stores the file under
``MEDIA_ROOT/imports/``, creates the batch and runs the import in a daemon thread started by the
request (its own database connection, closed at the end), then redirects to the batch page,
which polls a small JSON status endpoint (``batch.js``) for the progress bar. A server restart
kills such a thread: the batch keeps its committed chunks and is marked ``interrupted`` by the
next import (see services.py); re-uploading the file completes it. A proper job queue comes with
the rules issue. Setting ``EXCHANGE_IMPORT_INLINE = True`` runs the import inside the request
(used by the tests).
"""

from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView

from zhijian.core import context
from zhijian.core.tables import Column, TableView
from zhijian.core.views import ScopedObjectMixin

from . import services, specs
from .filters import BatchFilter
from .forms import UploadForm
from .models import ImportBatch

VIEW_PERMISSION = "exchange.view_importbatch"
IMPORT_PERMISSION = "exchange.import_data"
SAFE_SUFFIXES = {".csv", ".xlsx", ".txt"}


def _table_title(batch) -> str:
    spec = specs.get_spec(batch.table)
    return spec.title if spec else batch.table


class BatchListView(TableView):
    model = ImportBatch
    permission_required = VIEW_PERMISSION
    title = _("归集信息反馈")
    filterset_class = BatchFilter
    search_fields = ("file_name", "source")
    search_placeholder = _("文件名或数据来源")
    export_name = "import-batches"
    create_url_name = "exchange:upload"
    create_permission = IMPORT_PERMISSION
    columns = [
        Column("pk", _("批次"), link=True),
        Column("table", _("数据表"), getter=_table_title),
        Column("source", _("数据来源")),
        Column("file_name", _("文件名"), link=True),
        Column("status", _("状态")),
        Column("rows_read", _("读取行数")),
        Column("accepted", _("接受")),
        Column("rejected", _("拒绝")),
        Column("started_at", _("开始时间")),
        Column("unit__name", _("导入机构")),
    ]

    def base_queryset(self):
        return services.visible_batches(self.request.user).select_related("unit")


class UploadView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = IMPORT_PERMISSION
    template_name = "exchange/upload.html"
    form_class = UploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("数据导入")
        ctx["specs"] = list(specs.SPECS.values())
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}{suffix if suffix in SAFE_SUFFIXES else '.dat'}"
        with path.open("wb") as out:
            for part in upload.chunks():
                out.write(part)
        user = self.request.user
        batch = services.create_batch(
            form.cleaned_data["table"],
            source=form.cleaned_data["source"],
            file_name=Path(upload.name).name,
            path=path,
            user=user,
        )
        start(batch, path)
        return redirect(batch.get_absolute_url())


def start(batch: ImportBatch, path: Path) -> None:
    if getattr(settings, "EXCHANGE_IMPORT_INLINE", False):
        services.run_batch(batch, path=path)
        return
    actor = context.current()
    thread = threading.Thread(
        target=_run_in_thread, args=(batch.pk, path, actor), daemon=True, name=f"import-{batch.pk}"
    )
    thread.start()


def _run_in_thread(batch_pk: int, path: Path, actor) -> None:
    try:
        with context.acting_as(actor) if actor else _nothing():
            batch = ImportBatch.objects.get(pk=batch_pk)
            services.run_batch(batch, path=path)
    finally:
        connection.close()


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class BatchDetailView(ScopedObjectMixin, DetailView):
    model = ImportBatch
    permission_required = VIEW_PERMISSION
    template_name = "exchange/batch_detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return services.visible_batches(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        batch = self.object
        ctx["title"] = _("导入批次 %(pk)s") % {"pk": batch.pk}
        ctx["table_title"] = _table_title(batch)
        ctx["reasons"] = services.reason_summary(batch)
        ctx["first_rejections"] = batch.rejected_rows.order_by("row_number")[:20]
        return ctx


def _visible_batch(request, pk) -> ImportBatch:
    from django.core.exceptions import PermissionDenied

    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return get_object_or_404(services.visible_batches(request.user), pk=pk)


def status_payload(batch: ImportBatch) -> dict:
    total = max(batch.total_estimate, batch.rows_read, 1)
    return {
        "id": batch.pk,
        "table": batch.table,
        "source": batch.source,
        "file_name": batch.file_name,
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "finished": batch.finished,
        "rows_read": batch.rows_read,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "total_estimate": batch.total_estimate,
        "percent": 100
        if batch.status == ImportBatch.Status.DONE
        else int(99 * batch.rows_read / total),
        "message": batch.message,
    }


def batch_status(request, pk):
    batch = _visible_batch(request, pk)
    return JsonResponse(status_payload(batch))


def error_report(request, pk):
    """The rejected rows as XLSX: original columns + 错误列 + 错误原因 (+ 原行号)."""
    from zhijian.audit.services import log

    batch = _visible_batch(request, pk)
    buffer = io.BytesIO()
    count = services.write_xlsx(services.error_report_rows(batch), buffer, "错误报告")
    log(
        "export",
        object_type="exchange.importbatch",
        object_id=str(batch.pk),
        detail={"report": "errors", "rows": count},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{batch.table}-{batch.pk}.xlsx"'
    return response
