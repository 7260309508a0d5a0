"""Pages of 外部预警接入 (external warning feeds): the upload form, the result of an import and
its rejected rows as XLSX. An import runs within the request (at most ``feeds.MAX_ROWS`` rows);
the result page reads what the run recorded (``feeds.ImportResult.from_run``). All of them need
``risk.run_rules`` (city officers): the results show external data on entities of the city."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView

from . import feeds
from .feed_forms import FeedUploadForm
from .models import RuleRun

PERMISSION = "risk.run_rules"
SAFE_SUFFIXES = {".csv", ".xlsx", ".txt"}
SHOWN_ROWS = 200  # rejected and duplicate rows on the result page (the report has the rest)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def save_upload(upload, folder: Path) -> Path:
    """The upload written to ``folder`` under a neutral name (the suffix only if harmless)."""
    suffix = Path(upload.name or "").suffix.lower()
    path = folder / f"upload{suffix if suffix in SAFE_SUFFIXES else '.dat'}"
    with path.open("wb") as out:
        for part in upload.chunks():
            out.write(part)
    return path


def feed_runs():
    return RuleRun.objects.filter(trigger=RuleRun.Trigger.FEED).select_related("started_by")


class FeedUploadView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = PERMISSION
    template_name = "rules/feed_upload.html"
    form_class = FeedUploadForm

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("feed") in feeds.all_feeds():
            initial["feed"] = self.request.GET["feed"]
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("外部预警接入")
        ctx["feeds"] = list(feeds.all_feeds().values())
        ctx["columns"] = feeds.COLUMNS
        ctx["runs"] = [
            (run, feeds.name_of(run.rule_id) or run.rule_id)
            for run in feed_runs().order_by("-started_at", "-pk")[:20]
        ]
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        feed = feeds.get(form.cleaned_data["feed"])
        with tempfile.TemporaryDirectory() as tmp:
            path = save_upload(upload, Path(tmp))
            result = feeds.import_file(
                feed, path, user=self.request.user, file_name=Path(upload.name).name
            )
        if result.failed:
            form.add_error("file", result.message)
            context = self.get_context_data(form=form, failed_run=result.run_id)
            return self.render_to_response(context, status=400)
        messages.success(
            self.request,
            _("已接入：新增预警 %(raised)s 条，重复跳过 %(dup)s 条，拒绝 %(rejected)s 行。")
            % {"raised": result.raised, "dup": result.duplicates, "rejected": result.rejected},
        )
        return redirect("rules:feed_result", pk=result.run_id)


def _run_for(request, pk: int) -> RuleRun:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return get_object_or_404(feed_runs(), pk=pk)


@login_required
def feed_result(request, pk: int):
    run = _run_for(request, pk)
    result = feeds.ImportResult.from_run(run)
    context = {
        "run": run,
        "result": result,
        "feed": result.feed,
        "feed_name": feeds.name_of(run.rule_id) or run.rule_id,
        "rejections": result.rejections[:SHOWN_ROWS],
        "duplicate_rows": result.duplicate_rows[:SHOWN_ROWS],
        "shown": SHOWN_ROWS,
    }
    return render(request, "rules/feed_result.html", context)


@login_required
def feed_rejected_report(request, pk: int):
    """The rejected rows of an import as XLSX: original columns + 错误列 + 错误原因 + 原行号."""
    from zhijian.audit.services import log
    from zhijian.exchange.services import write_xlsx

    run = _run_for(request, pk)
    result = feeds.ImportResult.from_run(run)
    buffer = io.BytesIO()
    count = write_xlsx(feeds.report_rows(result), buffer, "拒绝行")
    log("export", obj=run, object_repr=f"外部预警接入 {run.rule_id} 拒绝行 {count} 行",
        detail={"report": "feed_rejected", "rows": count})  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="rejected-{run.rule_id}-{run.pk}.xlsx"'
    return response
