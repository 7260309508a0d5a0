"""Pages of dual notification. Thin: querysets come from ``services.visible_*`` (data scope and
department isolation), every change from the services."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView

from zhijian.core.tables import Column, TableView, _xlsx_bytes
from zhijian.core.views import FormPageMixin

from . import services
from .filters import EventFilter, NotificationFilter, RuleFilter
from .forms import (
    ClaimForm,
    DepartmentForm,
    FeedbackForm,
    MemberForm,
    RuleImportForm,
    ScopeRuleForm,
)
from .models import Department, DepartmentMember, Notification, ScopeEvent, ScopeRule

VIEW_NOTIFICATION = "dual_notification.view_notification"
VIEW_EVENT = "dual_notification.view_scopeevent"


def _short(text: str, n: int = 40) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


# --- notifications -------------------------------------------------------------------------------


class NotificationListView(TableView):
    model = Notification
    permission_required = VIEW_NOTIFICATION
    title = gettext_lazy("双告知记录")
    template_name = "dual_notification/notification_list.html"
    filterset_class = NotificationFilter
    search_fields = ("entity__name", "entity__uscc", "licence", "keyword")
    search_placeholder = gettext_lazy("主体名称、统一社会信用代码、许可或匹配依据")
    default_ordering = ("-created_at", "-pk")
    export_name = "dual-notifications"
    columns = [
        Column("entity__name", gettext_lazy("市场主体"), link=True),
        Column("entity__uscc", gettext_lazy("统一社会信用代码")),
        Column("department__name", gettext_lazy("委办局")),
        Column("licence", gettext_lazy("所需许可")),
        Column("keyword", gettext_lazy("匹配依据"), sortable=False),
        Column("event__kind", gettext_lazy("告知事由")),
        Column("via", gettext_lazy("告知方式")),
        Column("state", gettext_lazy("状态")),
        Column("created_at", gettext_lazy("推送时间")),
        Column("feedback", gettext_lazy("反馈结果")),
        Column("unit__name", gettext_lazy("属地机构")),
    ]

    def base_queryset(self):
        return services.visible_notifications(self.request.user).select_related(
            "entity", "department", "event", "unit"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["stats"] = services.statistics(self.request.user)
        ctx["is_member"] = bool(services.member_departments(self.request.user))
        return ctx


class NotificationDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    model = Notification
    permission_required = VIEW_NOTIFICATION
    template_name = "dual_notification/notification_detail.html"
    context_object_name = "notice"

    def get_queryset(self):
        return services.visible_notifications(self.request.user).select_related(
            "entity", "department", "event", "rule", "unit", "read_by", "feedback_by"
        )

    def get_context_data(self, feedback_form=None, error=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, notice = self.request.user, self.object
        can_respond = user.has_perm(services.RESPOND) and (
            notice.department_id in services.member_departments(user)
        )
        ctx.update(
            can_respond=can_respond,
            feedback_form=feedback_form
            or FeedbackForm(initial={"feedback": notice.feedback, "note": notice.feedback_note}),
            action_error=error,
        )
        return ctx


def _notice_for(request, pk) -> Notification:
    if not request.user.has_perm(VIEW_NOTIFICATION):
        raise PermissionDenied
    return get_object_or_404(services.visible_notifications(request.user), pk=pk)


@login_required
@require_POST
def notification_read(request, pk):
    notice = _notice_for(request, pk)
    try:
        services.mark_read(notice, request.user)
    except services.DualNotificationError as exc:
        return _detail_with_error(request, notice, str(exc))
    messages.success(request, _("已签收。"))
    return redirect(notice.get_absolute_url())


@login_required
@require_POST
def notification_feedback(request, pk):
    notice = _notice_for(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _detail_with_error(request, notice, None, form)
    try:
        services.give_feedback(
            notice, request.user, form.cleaned_data["feedback"], form.cleaned_data["note"]
        )
    except services.DualNotificationError as exc:
        form.add_error(None, str(exc))
        return _detail_with_error(request, notice, None, form)
    messages.success(request, _("反馈已提交。"))
    return redirect(notice.get_absolute_url())


def _detail_with_error(request, notice, error, form=None):
    view = NotificationDetailView(request=request, kwargs={"pk": notice.pk}, object=notice)
    ctx = view.get_context_data(object=notice, feedback_form=form, error=error)
    return render(request, view.template_name, ctx, status=400)


# --- events and the unmatched list ------------------------------------------------------------


def _claims(event) -> str:
    names = [n.department.short_name or n.department.name for n in event.notifications.all()]
    return "、".join(names) if names else _("待认领")


class UnmatchedListView(TableView):
    model = ScopeEvent
    permission_required = VIEW_EVENT
    title = gettext_lazy("未匹配事项（待认领）")
    filterset_class = EventFilter
    search_fields = ("entity__name", "entity__uscc", "scope_text")
    search_placeholder = gettext_lazy("主体名称、统一社会信用代码或经营范围")
    default_ordering = ("-occurred_on", "-pk")
    export_name = "dual-notification-unmatched"
    columns = [
        Column("entity__name", gettext_lazy("市场主体"), link=True),
        Column("entity__uscc", gettext_lazy("统一社会信用代码")),
        Column("kind", gettext_lazy("告知事由")),
        Column("occurred_on", gettext_lazy("发生日期")),
        Column("industry", gettext_lazy("行业代码")),
        Column("scope", gettext_lazy("经营范围"), getter=lambda e: _short(e.scope_text)),
        Column("claims", gettext_lazy("认领情况"), getter=_claims),
        Column("unit__name", gettext_lazy("属地机构")),
    ]

    def base_queryset(self):
        return (
            services.visible_events(self.request.user)
            .filter(matched=False)
            .select_related("entity", "unit")
            .prefetch_related("notifications__department")
        )


class EventDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    model = ScopeEvent
    permission_required = VIEW_EVENT
    template_name = "dual_notification/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return services.visible_events(self.request.user).select_related("entity", "unit")

    def get_context_data(self, claim_form=None, error=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, event = self.request.user, self.object
        claimed = set(event.notifications.values_list("department_id", flat=True))
        open_departments = [d for d in services.member_departments(user) if d not in claimed]
        can_claim = not event.matched and user.has_perm(services.RESPOND) and bool(open_departments)
        ctx.update(
            notices=services.visible_notifications(user)
            .filter(event=event)
            .select_related("department"),
            entity_notice=services.entity_notice(event, user),
            items=_scope_items(event.scope_text),
            can_claim=can_claim,
            claim_form=claim_form
            or (ClaimForm(departments=open_departments) if can_claim else None),
            action_error=error,
        )
        return ctx


def _scope_items(text: str) -> list[dict]:
    from .matching import parse_scope

    labels = {"licensed": _("许可项目"), "general": _("一般项目"), "unstructured": _("经营范围")}
    return [{"section": labels[i.section], "text": i.text} for i in parse_scope(text)]


@login_required
@require_POST
def event_claim(request, pk):
    if not request.user.has_perm(VIEW_EVENT):
        raise PermissionDenied
    event = get_object_or_404(services.visible_events(request.user), pk=pk)
    form = ClaimForm(request.POST, departments=services.member_departments(request.user))
    error = None
    if form.is_valid():
        try:
            notice = services.claim(
                event,
                request.user,
                department=form.cleaned_data["department"],
                licence=form.cleaned_data["licence"],
            )
        except services.DualNotificationError as exc:
            error = str(exc)
        else:
            messages.success(request, _("已认领。"))
            return redirect(notice.get_absolute_url())
    elif not services.member_departments(request.user):
        error = _("您不是委办局工作人员，不能认领。")
    view = EventDetailView(request=request, kwargs={"pk": event.pk}, object=event)
    ctx = view.get_context_data(object=event, claim_form=form, error=error)
    return render(request, view.template_name, ctx, status=400)


# --- statistics --------------------------------------------------------------------------------


def _parse_day(text):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return "invalid"


class StatisticsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = VIEW_NOTIFICATION
    template_name = "dual_notification/statistics.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if request.GET.get("export") == "xlsx" and not ctx["errors"]:
            from zhijian.audit.services import log

            log("export", object_type="dual_notification.notification",
                detail={"format": "xlsx", "report": "statistics", "rows": len(ctx["rows"])})  # fmt: skip
            header = [_("委办局"), _("推送"), _("签收"), _("反馈"), _("认领"), _("签收率（%）"),
                      _("反馈率（%）")]  # fmt: skip
            rows = [header] + [
                [r["department"], r["sent"], r["read"], r["feedback"], r["claimed"],
                 "" if r["read_rate"] is None else r["read_rate"],
                 "" if r["feedback_rate"] is None else r["feedback_rate"]]
                for r in ctx["rows"]
            ]  # fmt: skip
            response = HttpResponse(
                _xlsx_bytes(rows, _("双告知统计")),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            response["Content-Disposition"] = (
                f'attachment; filename="dual-notification-statistics-{stamp}.xlsx"'
            )
            return response
        return self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        since = _parse_day(self.request.GET.get("since", ""))
        until = _parse_day(self.request.GET.get("until", ""))
        errors = []
        if since == "invalid":
            errors.append(_("开始日期格式不正确（应为 YYYY-MM-DD）。"))
        if until == "invalid":
            errors.append(_("结束日期格式不正确（应为 YYYY-MM-DD）。"))
        if not errors and since and until and until < since:
            errors.append(_("结束日期不能早于开始日期。"))
        rows = [] if errors else services.statistics(self.request.user, since=since, until=until)
        totals = {k: sum(r[k] for r in rows) for k in ("sent", "read", "feedback", "claimed")}
        totals["read_rate"] = services._rate(totals["read"], totals["sent"])
        totals["feedback_rate"] = services._rate(totals["feedback"], totals["sent"])
        ctx.update(
            title=_("双告知统计"),
            rows=rows,
            totals=totals,
            errors=errors,
            since=self.request.GET.get("since", ""),
            until=self.request.GET.get("until", ""),
            querystring=self.request.GET.urlencode(),
        )
        return ctx


# --- rules (the mapping) -----------------------------------------------------------------------


class RuleListView(TableView):
    model = ScopeRule
    scoped = False  # the mapping is shared by every unit
    permission_required = "dual_notification.view_scoperule"
    title = gettext_lazy("告知规则（经营范围与审批部门对应）")
    template_name = "dual_notification/rule_list.html"
    filterset_class = RuleFilter
    search_fields = ("keywords", "industry_prefixes", "licence", "legal_basis")
    search_placeholder = gettext_lazy("关键词、行业代码、许可或法律依据")
    default_ordering = ("-priority", "pk")
    export_name = "dual-notification-rules"
    create_url_name = "dual_notification:rule_create"
    create_permission = "dual_notification.add_scoperule"
    columns = [
        Column("department__name", gettext_lazy("委办局"), link=True),
        Column("keywords", gettext_lazy("经营范围关键词"), getter=lambda r: _short(r.keywords, 60)),
        Column("industry_prefixes", gettext_lazy("行业代码前缀")),
        Column("section", gettext_lazy("匹配范围")),
        Column("licence", gettext_lazy("所需许可")),
        Column("priority", gettext_lazy("优先级")),
        Column("valid_from", gettext_lazy("生效日期")),
        Column("valid_to", gettext_lazy("失效日期")),
        Column("is_active", gettext_lazy("启用")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("department")

    def export_rows(self, qs):
        """The export is the import format (edit it and import it again)."""
        yield list(services.RULE_COLUMNS)
        for rule in qs.iterator(chunk_size=500):
            yield services.rule_row(rule)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_import"] = self.request.user.has_perm("dual_notification.import_scoperule")
        return ctx


class RuleCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, CreateView):
    model = ScopeRule
    form_class = ScopeRuleForm
    permission_required = "dual_notification.add_scoperule"
    title = gettext_lazy("新增告知规则")

    def get_success_url(self):
        return reverse("dual_notification:rule_list")


class RuleUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, UpdateView):
    model = ScopeRule
    form_class = ScopeRuleForm
    permission_required = "dual_notification.change_scoperule"
    title = gettext_lazy("修改告知规则")

    def get_success_url(self):
        return reverse("dual_notification:rule_list")


class RuleImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "dual_notification.import_scoperule"
    template_name = "dual_notification/rule_import.html"
    form_class = RuleImportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("导入告知规则")
        ctx["columns"] = services.RULE_COLUMNS
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix if suffix in (".csv", ".xlsx") else "") as f:
            for part in upload.chunks():
                f.write(part)
            f.flush()
            try:
                result = services.import_rules(f.name)
            except services.DualNotificationError as exc:
                form.add_error("file", str(exc))
                return self.form_invalid(form)
        if result.errors:
            ctx = self.get_context_data(form=form)
            ctx["errors"] = result.errors[:200]
            return render(self.request, self.template_name, ctx, status=400)
        messages.success(
            self.request,
            _("导入完成：新增 %(c)s 条，更新 %(u)s 条。")
            % {"c": result.created, "u": result.updated},
        )
        return redirect("dual_notification:rule_list")


# --- departments and their members --------------------------------------------------------------


class DepartmentListView(TableView):
    model = Department
    scoped = False
    permission_required = "dual_notification.view_department"
    title = gettext_lazy("委办局")
    search_fields = ("code", "name", "short_name")
    search_placeholder = gettext_lazy("部门代码或名称")
    default_ordering = ("sort_order", "code")
    export_name = "departments"
    create_url_name = "dual_notification:department_create"
    create_permission = "dual_notification.add_department"
    columns = [
        Column("code", gettext_lazy("部门代码"), link=True),
        Column("name", gettext_lazy("部门名称"), link=True),
        Column("short_name", gettext_lazy("简称")),
        Column("contact", gettext_lazy("联系人")),
        Column("phone", gettext_lazy("联系电话")),
        Column("internal", gettext_lazy("本局内设")),
        Column("is_active", gettext_lazy("启用")),
    ]


class DepartmentCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, CreateView):
    model = Department
    form_class = DepartmentForm
    permission_required = "dual_notification.add_department"
    title = gettext_lazy("新增委办局")

    def get_success_url(self):
        return reverse("dual_notification:department_list")


class DepartmentUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, UpdateView):
    model = Department
    form_class = DepartmentForm
    permission_required = "dual_notification.change_department"
    title = gettext_lazy("修改委办局")

    def get_success_url(self):
        return reverse("dual_notification:department_list")


class MemberListView(TableView):
    model = DepartmentMember
    permission_required = "dual_notification.view_departmentmember"
    title = gettext_lazy("委办局用户")
    search_fields = ("user__username", "user__full_name", "department__name")
    search_placeholder = gettext_lazy("用户名、姓名或委办局")
    default_ordering = ("department__sort_order", "department__code", "user__username")
    export_name = "department-members"
    create_url_name = "dual_notification:member_create"
    create_permission = "dual_notification.add_departmentmember"
    columns = [
        Column("department__name", gettext_lazy("委办局")),
        Column("user__username", gettext_lazy("用户名"), link=True),
        Column("user__full_name", gettext_lazy("姓名")),
        Column("user__unit__name", gettext_lazy("所属机构")),
        Column("created_at", gettext_lazy("加入时间")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("user__unit", "department")


class MemberCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = MemberForm
    permission_required = "dual_notification.add_departmentmember"
    title = gettext_lazy("新增委办局用户")

    def form_valid(self, form):
        try:
            services.add_member(form.cleaned_data["user"], form.cleaned_data["department"])
        except services.DualNotificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已添加。"))
        return redirect("dual_notification:member_list")


@login_required
def member_remove(request, pk):
    """GET: the member and a confirmation button; POST: remove the membership."""
    if not request.user.has_perm("dual_notification.view_departmentmember"):
        raise PermissionDenied
    member = get_object_or_404(
        DepartmentMember.objects.visible_to(request.user).select_related(
            "user__unit", "department"
        ),
        pk=pk,
    )
    can_remove = request.user.has_perm("dual_notification.delete_departmentmember")
    if request.method != "POST":
        return render(
            request,
            "dual_notification/member_detail.html",
            {"member": member, "can_remove": can_remove},
        )
    if not can_remove:
        raise PermissionDenied
    services.remove_member(member)
    messages.success(request, _("已移除。"))
    return redirect("dual_notification:member_list")
