"""Pages: the officer's lists and detail, the inspector's phone pages, the public results.

Views are thin: ``forms.submit`` reads a submission and ``services`` records, publishes and
follows up. The phone pages work without JavaScript (a plain multipart form); with it,
``static/inspections/outbox.js`` keeps every submission in IndexedDB until the server has it
(see docs/user-guide/inspections.md). The public pages need no login and read only
published results (``services.public_results``).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from zhijian.core import masking
from zhijian.core.tables import Column, TableView
from zhijian.core.views import ScopedObjectMixin
from zhijian.registry.models import Entity

from . import forms, services, teams
from .filters import InspectionFilter, RectificationFilter
from .models import Answer, Inspection, InspectionPhoto, Method, Outcome, Rectification

VIEW = "inspections.view_inspection"
PUBLIC_PAGE_SIZE = 20
PUBLIC_MAX_PAGES = 100


def _overdue_label(obj) -> str:
    if obj.published_on is None and obj.publish_due_on < services.today():
        return _("逾期未公示")
    return _("已公示") if obj.published_on else _("待公示")


def _rect_overdue(rect) -> str:
    return _("是") if services.is_rectification_overdue(rect) else _("否")


class InspectionListView(TableView):
    model = Inspection
    permission_required = VIEW
    title = gettext_lazy("检查记录")
    filterset_class = InspectionFilter
    search_fields = ("number", "entity__name", "entity__uscc")
    search_placeholder = gettext_lazy("检查编号、主体名称或统一社会信用代码")
    default_ordering = ("-inspected_on", "-pk")
    export_name = "inspections"
    columns = [
        Column("number", gettext_lazy("检查编号"), link=True),
        Column("entity__name", gettext_lazy("检查对象")),
        Column("entity__uscc", gettext_lazy("统一社会信用代码")),
        Column("item__name", gettext_lazy("监管事项")),
        Column("inspected_on", gettext_lazy("检查日期")),
        Column("method", gettext_lazy("检查方式")),
        Column("outcome", gettext_lazy("检查结果")),
        Column("findings_count", gettext_lazy("问题数")),
        Column("inspecting_unit__name", gettext_lazy("检查机关")),
        Column("publish_due_on", gettext_lazy("公示期限")),
        Column("published_on", gettext_lazy("公示日期")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("entity", "item", "inspecting_unit")


class PublicationListView(InspectionListView):
    """Results not yet published, the most urgent first; overdue ones are marked."""

    title = gettext_lazy("待公示检查结果")
    default_ordering = ("publish_due_on", "pk")
    export_name = "inspections-to-publish"
    columns = [
        *InspectionListView.columns[:-1],
        Column("publication", gettext_lazy("公示状态"), getter=_overdue_label),
    ]

    def base_queryset(self):
        return super().base_queryset().filter(published_on__isnull=True)


class RectificationListView(TableView):
    model = Rectification
    permission_required = "inspections.view_rectification"
    title = gettext_lazy("整改跟踪")
    filterset_class = RectificationFilter
    search_fields = ("inspection__number", "inspection__entity__name", "inspection__entity__uscc")
    search_placeholder = gettext_lazy("检查编号、主体名称或统一社会信用代码")
    default_ordering = ("deadline", "pk")
    export_name = "rectifications"
    columns = [
        Column("inspection__number", gettext_lazy("检查编号"), link=True),
        Column("inspection__entity__name", gettext_lazy("检查对象")),
        Column("order", gettext_lazy("整改要求"), sortable=False),
        Column("ordered_on", gettext_lazy("责令日期")),
        Column("deadline", gettext_lazy("整改期限")),
        Column("state", gettext_lazy("整改状态")),
        Column("overdue", gettext_lazy("已逾期"), getter=_rect_overdue),
        Column("closed_on", gettext_lazy("完结日期")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("inspection__entity")


class InspectionDetailView(ScopedObjectMixin, DetailView):
    model = Inspection
    permission_required = VIEW
    template_name = "inspections/inspection_detail.html"
    context_object_name = "inspection"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("entity", "item", "task", "inspecting_unit", "recorded_by", "unit")
            .prefetch_related("inspectors", "photos")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = self.object
        user = self.request.user
        rect = Rectification.objects.filter(inspection=inspection).first()
        ctx.update(
            title=inspection.number,
            answers=answer_rows(inspection),
            rectification=rect,
            rectification_overdue=bool(rect and services.is_rectification_overdue(rect)),
            can_publish=user.has_perm(services.PUBLISH) and not inspection.is_published,
            can_follow_up=bool(
                rect
                and rect.state == Rectification.State.ORDERED
                and user.has_perm(services.FOLLOW_UP)
            ),
            publication_overdue=inspection.published_on is None
            and inspection.publish_due_on < services.today(),
            follows=inspection.follow_up_of,
        )
        return ctx


def answer_rows(inspection) -> list[dict]:
    labels = dict(Answer.choices)
    questions = {q["key"]: q["question"] for q in services.checklist_of(inspection.item)}
    if inspection.follow_up_of_id:
        original = inspection.follow_up_of.inspection
        questions = {q["key"]: q["question"] for q in services.checklist_of(original.item)}
    rows = []
    for key, answer in (inspection.answers or {}).items():
        rows.append(
            {
                "key": key,
                "question": questions.get(key, key),
                "result": answer.get("result"),
                "label": labels.get(answer.get("result"), answer.get("result")),
                "remark": answer.get("remark", ""),
            }
        )
    return rows


@login_required
def photo(request, pk):
    if not request.user.has_perm("inspections.view_inspectionphoto"):
        raise PermissionDenied
    record = get_object_or_404(InspectionPhoto.objects.visible_to(request.user), pk=pk)
    try:
        handle = record.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=record.content_type)
    response["Content-Disposition"] = f'inline; filename="{record.sha256[:16]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def publish(request, pk):
    inspection = get_object_or_404(Inspection.objects.visible_to(request.user), pk=pk)
    try:
        services.publish([inspection], user=request.user)
    except services.InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("检查结果已公示。"))
    return redirect(inspection.get_absolute_url())


# --- the phone pages -------------------------------------------------------------------------


@login_required
@permission_required(services.RECORD, raise_exception=True)
def my_tasks(request):
    """我的任务: the user's open tasks (supervision to-dos) with their entity and a record link."""
    from zhijian.supervision import services as supervision

    tasks = list(
        supervision.visible_todos(request.user).select_related("entity", "item", "unit")[:100]
    )
    for task in tasks:
        task.overdue = supervision.is_overdue(task)
    return render(
        request,
        "inspections/my_tasks.html",
        {"title": _("我的任务"), "tasks": tasks, "body_class": "phone"},
    )


def _record_context(request, task, entity, item, values, errors):
    user = request.user
    questions = services.checklist_of(item)
    answers = forms.read_answers(values) if values else {}
    for q in questions:
        answer = answers.get(q["key"]) or {}
        q["result"] = answer.get("result", "")
        q["remark"] = answer.get("remark", "")
        q["errors"] = errors.get(f"answer_{q['key']}", [])
    people = forms.team_candidates(user, task)
    if values:
        chosen = {str(v) for v in forms._getlist(values, "inspectors")}
    else:  # the user and the team proposed for the task
        chosen = {str(user.pk)} | {str(p.pk) for p in teams.proposed_team(task)}
    extra = [
        p
        for p in forms.selectable_inspectors(user).filter(pk__in=[c for c in chosen if c.isdigit()])
        if p not in people
    ]
    method = services.METHOD_FOR_SOURCE.get(task.source, Method.ROUTINE) if task else Method.ROUTINE
    return {
        "title": _("记录检查"),
        "body_class": "phone",
        "task": task,
        "entity": entity,
        "item": item,
        "questions": questions,
        "answer_choices": Answer.choices,
        "outcomes": Outcome.choices,
        "methods": Method.choices,
        "people": [*people, *extra],
        "chosen": chosen,
        "values": values or {},
        "errors": errors,
        "default_method": values.get("method", method) if values else method,
        "default_days": services.RECTIFICATION_DAYS.on(services.today()),
        "today": services.today().isoformat(),
        "client_uuid": (values.get("client_uuid") if values else "") or uuid.uuid4(),
        "non_field_errors": errors.get("", [])
        + errors.get("client_uuid", [])
        + errors.get("task", []),
    }


@login_required
@permission_required(services.RECORD, raise_exception=True)
def record(request):
    """The recording form: ``?task=<id>`` (a to-do) or ``?entity=<USCC>`` (standalone)."""
    from zhijian.supervision.models import SupervisionItem, Task

    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    task = entity = item = None
    if params.get("task", "").isdigit():
        task = get_object_or_404(
            Task.objects.visible_to(user).select_related("entity__unit", "item"), pk=params["task"]
        )
        entity, item = task.entity, task.item
    uscc = params.get("entity", "").strip().upper()
    if entity is None and uscc:
        entity = Entity.objects.visible_to(user).select_related("unit").filter(uscc=uscc).first()
        if entity is None:
            messages.error(
                request,
                _("统一社会信用代码为“%(uscc)s”的主体不存在或不在您的数据范围内。")
                % {"uscc": uscc[:40]},
            )
    if item is None and params.get("item"):
        item = SupervisionItem.objects.filter(code=params["item"], is_active=True).first()
    if entity is None:
        return render(
            request,
            "inspections/record_start.html",
            {
                "title": _("记录检查"),
                "body_class": "phone",
                "items": SupervisionItem.objects.filter(is_active=True).only("code", "name"),
            },
        )
    errors = {}
    if request.method == "POST":
        try:
            inspection, created = forms.submit(
                user, request.POST, request.FILES, task=task, entity=entity
            )
        except services.InspectionInvalid as exc:
            errors = exc.errors
        else:
            if created:
                messages.success(
                    request, _("检查已记录：%(number)s") % {"number": inspection.number}
                )
            else:
                messages.info(
                    request, _("该检查此前已提交：%(number)s") % {"number": inspection.number}
                )
            return redirect(inspection.get_absolute_url())
    ctx = _record_context(
        request, task, entity, item, request.POST if request.method == "POST" else None, errors
    )
    return render(request, "inspections/record.html", ctx, status=400 if errors else 200)


@login_required
def follow_up(request, pk):
    """The follow-up check (复查) of a rectification."""
    user = request.user
    if not user.has_perm(services.FOLLOW_UP):
        raise PermissionDenied
    rect = get_object_or_404(
        Rectification.objects.visible_to(user).select_related(
            "inspection__entity", "inspection__item"
        ),
        pk=pk,
    )
    questions = services.questions_for(
        services.Submission(client_uuid=None, entity=None, inspected_on=None, follow_up_of=rect)
    )
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        submission, errors = forms.read_submission(
            user, request.POST, request.FILES, entity=rect.inspection.entity
        )
        if not errors:
            try:
                follow = services.record_follow_up(
                    rect,
                    user=user,
                    inspected_on=submission.inspected_on,
                    inspectors=submission.inspectors,
                    rectified=request.POST.get("rectified") == "yes",
                    result=request.POST.get("result", ""),
                    answers=submission.answers,
                    client_uuid=submission.client_uuid,
                    photos=submission.photos,
                    on_site=submission.on_site,
                )
            except services.InspectionInvalid as exc:
                errors = exc.errors
            except services.InspectionError as exc:
                errors = {"": [str(exc)]}
            else:
                messages.success(request, _("复查已记录：%(number)s") % {"number": follow.number})
                return redirect(rect.inspection.get_absolute_url())
    answers = forms.read_answers(values) if values else {}
    for q in questions:
        q["result"] = (answers.get(q["key"]) or {}).get("result", "")
        q["remark"] = (answers.get(q["key"]) or {}).get("remark", "")
        q["errors"] = errors.get(f"answer_{q['key']}", [])
    chosen = {str(v) for v in forms._getlist(values, "inspectors")} if values else {str(user.pk)}
    return render(
        request,
        "inspections/follow_up.html",
        {
            "title": _("整改复查"),
            "body_class": "phone",
            "rect": rect,
            "questions": questions,
            "answer_choices": Answer.choices,
            "people": forms.team_candidates(user),
            "chosen": chosen,
            "values": values,
            "errors": errors,
            "today": services.today().isoformat(),
            "client_uuid": values.get("client_uuid") or uuid.uuid4(),
            "non_field_errors": errors.get("", []) + errors.get("client_uuid", []),
        },
        status=400 if errors else 200,
    )


# --- the public pages (no login) ----------------------------------------------------------------


def _public_row(inspection) -> dict:
    try:
        rect = inspection.rectification
    except Rectification.DoesNotExist:
        rect = None
    return {
        "number": inspection.number,
        "entity_name": inspection.entity.name,
        "uscc": inspection.entity.uscc,
        "item": inspection.item.name if inspection.item else "",
        "inspected_on": inspection.inspected_on,
        "method": inspection.get_method_display(),
        "outcome": inspection.get_outcome_display(),
        "findings_count": inspection.findings_count,
        "authority": inspection.inspecting_unit.name,
        "published_on": inspection.published_on,
        "rectification": rect.get_state_display() if rect else "",
        "rectification_deadline": rect.deadline if rect else None,
    }


def public_list(request):
    """双随机、一公开: published inspection results, searchable by entity name or USCC."""
    query = request.GET.get("q", "").strip()[:60]
    qs = services.public_results(query)
    paginator = Paginator(qs, PUBLIC_PAGE_SIZE)
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), PUBLIC_MAX_PAGES)
    except ValueError:
        number = 1
    page = paginator.get_page(number)
    return render(
        request,
        "inspections/public_list.html",
        {
            "title": _("检查结果公示"),
            "rows": [_public_row(i) for i in page.object_list],
            "page_obj": page,
            "query": query,
        },
    )


def public_detail(request, number):
    inspection = get_object_or_404(
        Inspection.objects.filter(published_on__isnull=False).select_related(
            "entity", "item", "inspecting_unit"
        ),
        number=number,
    )
    row = _public_row(inspection)
    row["inspectors"] = [
        masking.mask_name(p.full_name or p.username) for p in inspection.inspectors.all()
    ]
    return render(
        request, "inspections/public_detail.html", {"title": inspection.number, "row": row}
    )
