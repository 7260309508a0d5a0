"""Pages of the supervision app: the item catalogue, tasks (to-dos), performance management.

Thin: queries start from the data scope, every change goes through ``services``/``items``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView

from zhijian.core.models import OrgUnit
from zhijian.core.tables import Column, TableView, _csv_stream, _xlsx_bytes
from zhijian.core.views import FormPageMixin, ScopedObjectMixin
from zhijian.exchange.readers import FileError

from . import items, performance, services
from .filters import ItemFilter, TaskFilter
from .forms import ItemForm, ItemImportForm, TaskCreateForm, TransitionForm, UrgeForm
from .models import SupervisionItem, Task

ITEM_VIEW = "supervision.view_supervisionitem"
TASK_VIEW = "supervision.view_task"
REJECTS_SESSION_KEY = "supervision_item_rejections"


# --- the item catalogue -------------------------------------------------------------------------


class ItemListView(TableView):
    model = SupervisionItem
    scoped = False  # the catalogue is shared by every unit
    permission_required = ITEM_VIEW
    title = gettext_lazy("监管事项清单")
    template_name = "supervision/item_list.html"
    filterset_class = ItemFilter
    search_fields = ("code", "name", "legal_basis")
    search_placeholder = gettext_lazy("事项编码、名称或设定依据")
    default_ordering = ("code",)
    export_name = "supervision-items"
    create_url_name = "supervision:item_create"
    create_permission = "supervision.add_supervisionitem"
    columns = [
        Column("code", gettext_lazy("事项编码"), link=True),
        Column("name", gettext_lazy("事项名称"), link=True),
        Column("department", gettext_lazy("责任部门")),
        Column("checks", gettext_lazy("检查要点"), getter=lambda i: len(i.checklist or [])),
        Column(
            "kinds", gettext_lazy("适用主体类型"),
            getter=lambda i: items.format_list(i.entity_kinds) or _("全部"),
        ),
        Column("is_active", gettext_lazy("启用")),
    ]  # fmt: skip

    def export_rows(self, qs):
        """The export is the import format (so it can be edited and imported again)."""
        yield [label for _key, label in items.COLUMNS]
        for item in qs.iterator(chunk_size=500):
            yield items.export_row(item)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_import"] = self.request.user.has_perm("supervision.import_supervisionitem")
        return ctx


class ItemDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    model = SupervisionItem
    permission_required = ITEM_VIEW
    template_name = "supervision/item_detail.html"
    context_object_name = "item"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = self.request.user.has_perm("supervision.change_supervisionitem")
        ctx["open_tasks"] = (
            Task.objects.visible_to(self.request.user)
            .filter(item=self.object, state__in=Task.OPEN_STATES)
            .count()
        )
        return ctx


class ItemCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, CreateView):
    model = SupervisionItem
    form_class = ItemForm
    permission_required = "supervision.add_supervisionitem"
    title = gettext_lazy("新增监管事项")


class ItemUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, UpdateView):
    model = SupervisionItem
    form_class = ItemForm
    permission_required = "supervision.change_supervisionitem"
    title = gettext_lazy("修改监管事项")


class ItemImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "supervision.import_supervisionitem"
    template_name = "supervision/item_import.html"
    form_class = ItemImportForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("导入监管事项清单")
        ctx["columns"] = [label for _key, label in items.COLUMNS]
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix if suffix in (".csv", ".xlsx") else "") as f:
            for part in upload.chunks():
                f.write(part)
            f.flush()
            try:
                result = items.import_items(f.name, file_name=Path(upload.name).name)
            except FileError as exc:
                form.add_error("file", str(exc))
                return self.form_invalid(form)
        rejections = [
            {"row": r.row, "column": r.column, "value": r.value, "reason": r.reason,
             "cells": r.cells}
            for r in result.rejections
        ]  # fmt: skip
        self.request.session[REJECTS_SESSION_KEY] = rejections
        return render(
            self.request,
            "supervision/item_import_result.html",
            {"title": _("导入结果"), "result": result, "rejections": rejections[:200]},
        )


@login_required
def item_rejections(request):
    """The rejected rows of the user's last import, as a spreadsheet to correct and re-import."""
    if not request.user.has_perm("supervision.import_supervisionitem"):
        raise PermissionDenied
    rejections = request.session.get(REJECTS_SESSION_KEY) or []
    if not rejections:
        raise Http404
    rows = items.rejection_rows(rejections)
    if request.GET.get("format") == "csv":
        response = HttpResponse("".join(_csv_stream(rows)), content_type="text/csv; charset=utf-8")
        name = "supervision-items-rejected.csv"
    else:
        response = HttpResponse(
            _xlsx_bytes(rows, "拒绝行"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = "supervision-items-rejected.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- tasks --------------------------------------------------------------------------------------


def _overdue_badge(task) -> str:
    """The page's overdue cell: a red badge with the days overdue, and an urged mark."""
    parts = []
    if services.is_overdue(task):
        days = (timezone.localdate() - task.due_on).days
        parts.append(
            format_html(
                '<span class="badge badge-danger">{}</span>', _("逾期%(n)s天") % {"n": days}
            )
        )
    if task.urged_at and task.is_open:
        parts.append(format_html('<span class="badge badge-urged">{}</span>', _("已督办")))
    return format_html_join("", "{}", ((p,) for p in parts))


def _overdue_text(task) -> str:
    if services.is_overdue(task):
        return _("逾期%(n)s天") % {"n": (timezone.localdate() - task.due_on).days}
    return ""


class TaskListView(TableView):
    """All tasks of the user's unit and the units below it (data scope)."""

    model = Task
    permission_required = TASK_VIEW
    title = gettext_lazy("本单位任务")
    template_name = "supervision/task_list.html"
    filterset_class = TaskFilter
    search_fields = ("number", "title", "entity__name")
    search_placeholder = gettext_lazy("任务编号、名称或检查对象")
    default_ordering = ("due_on", "id")
    paginate_by = 20  # a to-do list is read on a phone too
    export_name = "supervision-tasks"
    create_url_name = "supervision:task_create"
    create_permission = "supervision.add_task"
    columns = [
        Column("number", gettext_lazy("任务编号"), link=True),
        Column("title", gettext_lazy("任务名称"), link=True),
        Column("state", gettext_lazy("状态")),
        Column("source", gettext_lazy("任务来源")),
        Column("unit__name", gettext_lazy("承办机构")),
        Column("assignee__full_name", gettext_lazy("承办人")),
        Column("entity__name", gettext_lazy("检查对象")),
        Column("due_on", gettext_lazy("办结期限")),
        Column("overdue", gettext_lazy("逾期"), getter=_overdue_text),
        Column("urged_at", gettext_lazy("督办时间")),
    ]

    def base_queryset(self):
        return services.tasks_in_scope(self.request.user).select_related(
            "unit", "assignee", "entity"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # On the page (not in exports) the overdue cell is a red badge and urged tasks are marked.
        index = next(i for i, c in enumerate(self.columns) if c.key == "overdue")
        for row in ctx["rows"]:
            cells = list(row["cells"])
            value, link, label = cells[index]
            cells[index] = (_overdue_badge(row["obj"]), link, label)
            row["cells"] = cells
        ctx["overdue_url"] = "?overdue=true&state=open"
        ctx["overdue_total"] = self.overdue_total(ctx)
        return ctx

    def overdue_total(self, ctx) -> int:
        get = self.request.GET
        only_overdue = get.get("overdue") == "true" and get.get("state", "open") in ("", "open")
        if only_overdue and set(get) <= {"overdue", "state", "page", "page_size", "sort"}:
            return ctx["paginator"].count  # the list shown is exactly the overdue tasks
        return self.base_queryset().filter(services.overdue_q()).count()


class MyTodoView(TaskListView):
    """The user's to-dos (services.visible_todos): urged first, then by due date."""

    title = gettext_lazy("我的待办")
    default_ordering = services.TODO_ORDER
    export_name = "my-todos"

    def overdue_total(self, ctx) -> int:
        listed = ctx["paginator"].object_list
        if isinstance(listed, services.TodoQuerySet) and listed._parts_usable():
            return listed.overdue_count()  # the unfiltered list: reuses the page's counts
        return services.visible_todos(self.request.user).overdue_count()

    def base_queryset(self):
        return services.visible_todos(self.request.user).select_related(
            "unit", "assignee", "entity"
        )


ACTION_HELP = {
    "assign": gettext_lazy("分派给本机构或下级机构的人员"),
    "delegate": gettext_lazy("下派到下级机构（只能向下）"),
    "claim": gettext_lazy("由本人承办"),
    "start": gettext_lazy("开始办理"),
    "complete": gettext_lazy("办结任务"),
    "return": gettext_lazy("退回上一级机构，须说明原因"),
    "reopen": gettext_lazy("重新办理"),
    "cancel": gettext_lazy("撤销任务，须说明原因"),
}


def _action_forms(task, user, bound=None):
    forms = []
    for action in services.allowed_actions(task, user):
        form = bound if bound is not None and bound.data.get("action") == action else None
        if form is None:
            form = TransitionForm(user=user, task=task, initial={"action": action})
        form.auto_id = f"id_{action}_%s"  # one page holds a form per action
        # Each action shows only the fields it uses.
        if action != "delegate":
            form.fields.pop("to_unit", None)
        if action not in ("assign", "delegate"):
            form.fields.pop("assignee", None)
        if action == "delegate" and "to_unit" in form.fields:
            form.fields["to_unit"].queryset = form.fields["to_unit"].queryset.exclude(
                pk=task.unit_id
            )
        forms.append(
            {"action": action, "label": services.ACTION_LABELS[action],
             "help": ACTION_HELP[action], "form": form}
        )  # fmt: skip
    return forms


def _history(task) -> list[dict]:
    states = dict(Task.State.choices)
    rows = []
    for event in task.events.select_related("actor", "unit").order_by("at", "id"):
        change = ""
        if event.from_state != event.to_state:
            before = states.get(event.from_state, "")
            change = (
                f"{before} → {states.get(event.to_state, '')}"
                if before
                else states.get(event.to_state, "")
            )
        rows.append(
            {"event": event, "action": services.ACTION_LABELS.get(event.action, event.action),
             "change": change}
        )  # fmt: skip
    return rows


class TaskDetailView(ScopedObjectMixin, DetailView):
    model = Task
    permission_required = TASK_VIEW
    template_name = "supervision/task_detail.html"
    context_object_name = "task"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit", "assignee", "entity", "item", "created_by")
        )

    def get_context_data(self, bound=None, error=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        task, user = self.object, self.request.user
        ctx["title"] = f"{task.number} {task.title}"
        ctx["events"] = _history(task)
        ctx["action_forms"] = _action_forms(task, user, bound)
        ctx["action_error"] = error
        ctx["overdue"] = services.is_overdue(task)
        ctx["overdue_days"] = (timezone.localdate() - task.due_on).days if ctx["overdue"] else 0
        ctx["can_urge"] = user.has_perm(services.URGE) and task.is_open
        ctx["urge_form"] = UrgeForm()
        return ctx


def _scoped_task(request, pk) -> Task:
    if not request.user.has_perm(TASK_VIEW):
        raise PermissionDenied
    return get_object_or_404(Task.objects.visible_to(request.user).select_related("unit"), pk=pk)


@login_required
@require_POST
def task_action(request, pk):
    task = _scoped_task(request, pk)
    form = TransitionForm(request.POST, user=request.user, task=task)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transition(
                task, data["action"], user=request.user, note=data["note"],
                to_unit=data["to_unit"], assignee=data["assignee"],
            )  # fmt: skip
        except services.TaskError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("已%(action)s。") % {"action": services.ACTION_LABELS[data["action"]]}
            )
            return redirect("supervision:task_detail", pk=task.pk)
    else:
        error = _("请检查填写的内容。")
    view = TaskDetailView()
    view.setup(request, pk=pk)
    view.object = task
    ctx = view.get_context_data(object=task, bound=form, error=error)
    return render(request, view.template_name, ctx, status=400)


@login_required
@require_POST
def task_urge(request, pk):
    task = _scoped_task(request, pk)
    form = UrgeForm(request.POST)
    form.is_valid()
    try:
        services.urge(task, user=request.user, note=form.cleaned_data.get("note", ""))
    except services.TaskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已督办，该任务将置顶显示在承办人的待办中。"))
    target = request.POST.get("next") or reverse("supervision:task_detail", args=[task.pk])
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("supervision:task_detail", args=[task.pk])
    return redirect(target)


class TaskCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = TaskCreateForm
    permission_required = "supervision.add_task"
    title = gettext_lazy("新建监管任务")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            task = services.create_task(
                title=data["title"], unit=data["unit"], source=Task.Source.MANUAL,
                item=data["item"], entity=data["entity_uscc"], due_days=data["due_days"],
                working_days=data["working_days"], due_basis=data["due_basis"],
                description=data["description"], created_by=self.request.user,
            )  # fmt: skip
        except services.TaskError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("任务 %(number)s 已创建。") % {"number": task.number})
        return redirect(task.get_absolute_url())


# --- performance management ---------------------------------------------------------------------


def _parse_date(text, default):
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return None


class PerformanceView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "supervision.view_performance"
    template_name = "supervision/performance.html"

    def _params(self):
        user, get = self.request.user, self.request.GET
        today = timezone.localdate()
        errors = []
        start = _parse_date(get.get("start"), today.replace(day=1))
        end = _parse_date(get.get("end"), today)
        if start is None or end is None:
            errors.append(_("日期格式应为 YYYY-MM-DD。"))
            start, end = today.replace(day=1), today
        elif start > end:
            errors.append(_("开始日期不能晚于结束日期。"))
            start, end = end, start
        units = OrgUnit.objects.visible_to(user).exclude(kind=OrgUnit.Kind.STATION)
        unit = user.unit
        if get.get("unit"):
            unit = (
                OrgUnit.objects.visible_to(user).filter(pk=get["unit"]).first()
                if get["unit"].isdigit()
                else None
            )
            if unit is None:
                errors.append(_("所选机构不在您的数据范围内。"))
                unit = user.unit
        return start, end, unit, units, errors

    def get(self, request, *args, **kwargs):
        if request.user.unit is None:
            raise PermissionDenied
        fmt = request.GET.get("export")
        if fmt in ("csv", "xlsx"):
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start, end, unit, units, errors = self._params()
        user = self.request.user
        unit_rows = performance.by_unit(user, unit, start, end)
        person_rows = performance.by_person(user, unit, start, end)
        overdue = performance.overdue_tasks(user, unit)
        ctx.update(
            title=_("效能管理"),
            start=start,
            end=end,
            unit=unit,
            units=units,
            errors=errors,
            unit_rows=unit_rows,
            unit_total=performance.totals(unit_rows),
            person_rows=person_rows[:200],
            person_total=performance.totals(person_rows),
            overdue_count=overdue.count(),
            overdue=[(task, (timezone.localdate() - task.due_on).days) for task in overdue[:50]],
            today=timezone.localdate(),
            can_urge=user.has_perm(services.URGE),
            querystring=self.request.GET.urlencode(),
        )
        return ctx

    def export(self, fmt):
        from zhijian.audit.services import log

        start, end, unit, _units, _errors = self._params()
        user = self.request.user
        rows = [["按机构", f"{start} 至 {end}", str(unit)]]
        rows += performance.table(performance.by_unit(user, unit, start, end))
        rows += [[], ["按人员"]]
        rows += performance.table(performance.by_person(user, unit, start, end))
        rows += [
            [],
            ["逾期任务"],
            ["任务编号", "任务名称", "承办机构", "承办人", "办结期限", "督办时间"],
        ]
        for task in performance.overdue_tasks(user, unit)[:10_000]:
            rows.append([
                task.number, task.title, str(task.unit), str(task.assignee or ""),
                str(task.due_on), timezone.localtime(task.urged_at).strftime("%Y-%m-%d %H:%M")
                if task.urged_at else "",
            ])  # fmt: skip
        rows = [[str(c) for c in r] for r in rows]
        log("export", object_type="supervision.task",
            detail={"format": fmt, "report": "performance", "unit": unit.code,
                    "start": str(start), "end": str(end)})  # fmt: skip
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        if fmt == "csv":
            response = HttpResponse(
                "".join(_csv_stream(rows)), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                _xlsx_bytes(rows, "效能管理"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="performance-{stamp}.{fmt}"'
        return response
