"""Pages of random inspections. Thin: ``services`` does the work, ``TableView`` every list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, TemplateView

from zhijian.core import masking
from zhijian.core.tables import Column, TableView
from zhijian.core.views import FormPageMixin, ScopedObjectMixin
from zhijian.registry.models import Entity

from . import risk, rules, services
from .directory import RECUSAL_KINDS
from .filters import InspectorFilter, NonIntrusiveFilter, PlanFilter, RecusalFilter, TargetFilter
from .forms import DrawForm, InspectorForm, NonIntrusiveForm, PlanForm, RecusalForm
from .models import Draw, InspectorProfile, NonIntrusiveEntry, Plan, Recusal

RESULT_PAGE = 100

# --- plans ------------------------------------------------------------------------------------


class PlanListView(TableView):
    model = Plan
    permission_required = "random_inspections.view_plan"
    title = gettext_lazy("抽查计划")
    filterset_class = PlanFilter
    search_fields = ("number", "name", "item__name")
    search_placeholder = gettext_lazy("计划编号、名称或监管事项")
    default_ordering = ("-created_at", "-pk")
    export_name = "random-plans"
    create_url_name = "random_inspections:plan_create"
    create_permission = "random_inspections.add_plan"
    columns = [
        Column("number", gettext_lazy("计划编号"), link=True),
        Column("name", gettext_lazy("计划名称"), link=True),
        Column("item__name", gettext_lazy("监管事项")),
        Column("unit__name", gettext_lazy("组织机构")),
        Column("inspectors_per_check", gettext_lazy("每户检查人数")),
        Column("state", gettext_lazy("状态")),
        Column("created_at", gettext_lazy("创建时间")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("item", "unit")


class PlanCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = PlanForm
    permission_required = "random_inspections.add_plan"
    title = gettext_lazy("新建抽查计划")

    def get_initial(self):
        ratios = rules.CLASS_RATIOS.on()
        return {f"ratio_{c.lower()}": v for c, v in ratios.items()}

    def form_valid(self, form):
        try:
            plan = services.create_plan(user=self.request.user, **form.service_kwargs())
        except services.PlanError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("抽查计划 %(n)s 已创建。") % {"n": plan.number})
        return redirect(plan.get_absolute_url())


class PlanDetailView(ScopedObjectMixin, DetailView):
    model = Plan
    permission_required = "random_inspections.view_plan"
    template_name = "random_inspections/plan_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("item", "unit", "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        ctx["draws"] = plan.draws.order_by("-sequence")
        ctx["current"] = plan.current_draw()
        ctx["can_draw"] = self.request.user.has_perm("random_inspections.add_draw")
        ctx["draw_form"] = kwargs.get("draw_form") or DrawForm()
        ctx["filter_rows"] = _filter_rows(plan.pool_filter)
        ctx["ratio_rows"] = [(c, plan.ratios.get(c)) for c in "ABCD"]
        ctx["basis"] = plan.ratios_basis
        return ctx


def _filter_rows(pool_filter: dict) -> list[tuple[str, str]]:
    labels = {
        "districts": _("所属区"), "kinds": _("主体类型"), "industries": _("行业代码前缀"),
        "licence_types": _("许可类型"), "classes": _("信用风险分类"),
    }  # fmt: skip
    rows = [(labels[k], "、".join(pool_filter.get(k) or []) or _("全部")) for k in labels]
    rows.append(
        (_("无感监管名单内主体"), _("排除") if pool_filter.get("exclude_non_intrusive", True)
         else _("不排除"))
    )  # fmt: skip
    return rows


@login_required
@require_POST
def plan_draw(request, pk):
    if not request.user.has_perm("random_inspections.add_draw"):
        raise PermissionDenied
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        view = PlanDetailView.as_view()
        return _render_plan_with_form(request, plan, form, view)
    data = form.cleaned_data
    try:
        record = services.draw_plan(
            plan, user=request.user, public_random=data["public_random"],
            public_random_source=data["public_random_source"], reason=data.get("reason") or "",
        )  # fmt: skip
    except services.PlanError as exc:
        form.add_error(None, str(exc))
        return _render_plan_with_form(request, plan, form, None)
    if data.get("publish_now"):
        services.publish_draw(record, user=request.user)
    messages.success(
        request, _("已抽取 %(n)s 户，检查任务已下达属地监管所。") % {"n": record.target_count}
    )
    return redirect(record.get_absolute_url())


def _render_plan_with_form(request, plan, form, _view):
    view = PlanDetailView()
    view.setup(request, pk=plan.pk)
    view.object = plan
    ctx = view.get_context_data(object=plan, draw_form=form)
    return render(request, view.template_name, ctx, status=400)


# --- draws ------------------------------------------------------------------------------------


class DrawDetailView(ScopedObjectMixin, DetailView):
    model = Draw
    permission_required = "random_inspections.view_draw"
    template_name = "random_inspections/draw_detail.html"
    context_object_name = "record"

    def get_queryset(self):
        return super().get_queryset().select_related("plan", "plan__item", "drawn_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        page = Paginator(record.result, RESULT_PAGE).get_page(self.request.GET.get("page"))
        names = dict(
            Entity.objects.filter(uscc__in=[r["uscc"] for r in page.object_list]).values_list(
                "uscc", "name"
            )
        )
        people = _people(record)
        ctx["result_page"] = page
        ctx["rows"] = [
            {
                "uscc": r["uscc"], "name": names.get(r["uscc"], ""), "class": r["class"],
                "team": [people.get(b, b) for b in r["inspectors"]],
            }
            for r in page.object_list
        ]  # fmt: skip
        ctx["recusal_count"] = sum(len(v) for v in record.recusals.values())
        ctx["recusal_kinds"] = RECUSAL_KINDS
        ctx["verify_url"] = reverse("random-inspections-draw-verify", args=[record.pk])
        ctx["can_publish"] = (
            self.request.user.has_perm("random_inspections.add_draw")
            and record.is_current
            and record.published_at is None
        )
        return ctx


def _people(record: Draw) -> dict[str, str]:
    from zhijian.core.models import User

    ids = {r["id"]: r["badge"] for r in record.inspectors}
    return {
        ids[u.pk]: f"{u.full_name or u.username}（{ids[u.pk]}）"
        for u in User.objects.filter(pk__in=list(ids))
    }


@login_required
@require_POST
def draw_publish(request, pk):
    if not request.user.has_perm("random_inspections.add_draw"):
        raise PermissionDenied
    record = get_object_or_404(Draw.objects.visible_to(request.user), pk=pk)
    try:
        services.publish_draw(record, user=request.user)
    except services.PlanError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("抽取结果已公示。"))
    return redirect(record.get_absolute_url())


@login_required
def draw_pool(request, pk):
    """The pool snapshot as published (text, one "USCC<TAB>CLASS" per line), for staff."""
    if not request.user.has_perm("random_inspections.view_draw"):
        raise PermissionDenied
    record = get_object_or_404(Draw.objects.visible_to(request.user), pk=pk)
    from zhijian.audit.services import log

    log("export", obj=record, detail={"what": "pool_snapshot", "rows": record.pool_size})
    response = HttpResponse(record.pool_bytes(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pool-{record.pool_hash[:12]}.txt"'
    return response


# --- directories ------------------------------------------------------------------------------


class TargetDirectoryView(TableView):
    """检查对象名录库: active entities in scope with their (provisional) credit risk class."""

    model = Entity
    permission_required = "random_inspections.add_plan"
    title = gettext_lazy("检查对象名录库")
    template_name = "random_inspections/target_directory.html"
    filterset_class = TargetFilter
    search_fields = ("name", "uscc")
    search_placeholder = gettext_lazy("名称或统一社会信用代码")
    default_ordering = ("uscc",)
    export_name = "target-directory"
    columns = [
        Column("uscc", gettext_lazy("统一社会信用代码")),
        Column("name", gettext_lazy("名称")),
        Column("kind", gettext_lazy("主体类型")),
        Column("industry", gettext_lazy("行业代码")),
        Column("unit__name", gettext_lazy("属地机构")),
        Column("risk_class", gettext_lazy("信用风险分类"), getter=lambda e: e.risk_class),
    ]

    def base_queryset(self):
        day = timezone.localdate()
        qs = (
            super()
            .base_queryset()
            .filter(status=Entity.Status.ACTIVE)
            .select_related("unit")
            .annotate(risk_class=risk.class_expression(day))
        )
        if self.request.GET.get("non_intrusive") != "true":
            qs = qs.exclude(TargetFilter.non_intrusive_q(day))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["provisional"] = risk.PROVISIONAL
        return ctx


class InspectorListView(TableView):
    model = InspectorProfile
    permission_required = "random_inspections.view_inspectorprofile"
    title = gettext_lazy("执法检查人员名录库")
    filterset_class = InspectorFilter
    search_fields = ("user__full_name", "user__username", "user__badge_number")
    search_placeholder = gettext_lazy("姓名、用户名或执法证号")
    default_ordering = ("unit__path", "user__username")
    export_name = "inspector-directory"
    create_url_name = "random_inspections:inspector_create"
    create_permission = "random_inspections.add_inspectorprofile"
    columns = [
        Column("user__full_name", gettext_lazy("姓名"), link=True),
        Column("user__badge_number", gettext_lazy("执法证号")),
        Column("department", gettext_lazy("所属部门")),
        Column("unit__name", gettext_lazy("所属机构")),
        Column("expertise", gettext_lazy("执法领域"), getter=lambda p: "、".join(p.expertise)),
        Column("address", gettext_lazy("居住地址"), mask="address"),
        Column("is_active", gettext_lazy("在库")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("user", "unit")


class InspectorFormView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = InspectorForm
    permission_required = "random_inspections.add_inspectorprofile"
    title = gettext_lazy("列入执法检查人员名录库")
    instance = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.instance
        return kwargs

    def form_valid(self, form):
        user = self.instance.user if self.instance else form.cleaned_data["user"]
        try:
            services.save_inspector(user, by=self.request.user, **form.service_kwargs())
        except services.PlanError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return redirect("random_inspections:inspector_list")


class InspectorUpdateView(InspectorFormView):
    permission_required = "random_inspections.change_inspectorprofile"
    title = gettext_lazy("修改执法检查人员")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.instance = get_object_or_404(
            InspectorProfile.objects.visible_to(request.user).select_related("user"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class RecusalListView(TableView):
    model = Recusal
    permission_required = "random_inspections.view_recusal"
    title = gettext_lazy("回避关系")
    filterset_class = RecusalFilter
    search_fields = ("inspector__full_name", "entity__name", "entity__uscc", "reason")
    default_ordering = ("-created_at", "-pk")
    export_name = "recusals"
    create_url_name = "random_inspections:recusal_create"
    create_permission = "random_inspections.add_recusal"
    columns = [
        Column("inspector__full_name", gettext_lazy("执法人员")),
        Column("entity__name", gettext_lazy("市场主体")),
        Column("person__name", gettext_lazy("自然人"), mask="name"),
        Column("reason", gettext_lazy("回避原因")),
        Column("created_at", gettext_lazy("登记时间")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("inspector", "entity", "person")


class RecusalCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = RecusalForm
    permission_required = "random_inspections.add_recusal"
    title = gettext_lazy("登记回避关系")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.add_recusal(
                data["inspector"], by=self.request.user, reason=data["reason"],
                entity=data["entity"], person=data["person"],
            )  # fmt: skip
        except services.PlanError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已登记。"))
        return redirect("random_inspections:recusal_list")


class NonIntrusiveListView(TableView):
    model = NonIntrusiveEntry
    permission_required = "random_inspections.view_nonintrusiveentry"
    title = gettext_lazy("无感监管名单")
    filterset_class = NonIntrusiveFilter
    search_fields = ("entity__name", "entity__uscc", "reason")
    default_ordering = ("-listed_on", "-pk")
    export_name = "non-intrusive"
    create_url_name = "random_inspections:non_intrusive_create"
    create_permission = "random_inspections.add_nonintrusiveentry"
    columns = [
        Column("entity__uscc", gettext_lazy("统一社会信用代码")),
        Column("entity__name", gettext_lazy("名称")),
        Column("reason", gettext_lazy("列入依据")),
        Column("listed_on", gettext_lazy("列入日期")),
        Column("removed_on", gettext_lazy("移出日期")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("entity")


class NonIntrusiveCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = NonIntrusiveForm
    permission_required = "random_inspections.add_nonintrusiveentry"
    title = gettext_lazy("列入无感监管名单")

    def form_valid(self, form):
        try:
            services.list_non_intrusive(
                form.entity, reason=form.cleaned_data["reason"],
                listed_on=form.cleaned_data["listed_on"],
            )  # fmt: skip
        except services.PlanError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已列入。"))
        return redirect("random_inspections:non_intrusive_list")


# --- the public pages (一公开: no sign-in, every district's published draws) --------------------


class PublicDrawListView(TemplateView):
    """Published by law: the current draw of every plan (not limited by data scope)."""

    template_name = "random_inspections/public_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        draws = services.published_draws().order_by("-drawn_at", "-pk")
        ctx["draws_page"] = Paginator(draws, 50).get_page(self.request.GET.get("page"))
        ctx["title"] = _("双随机抽查结果公示")
        return ctx


class PublicDrawDetailView(TemplateView):
    template_name = "random_inspections/public_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = services.published_draws().filter(pk=kwargs["pk"]).first()
        if record is None:
            raise Http404
        rows = services.public_result(record)
        ctx["record"] = record
        ctx["earlier"] = services.earlier_draws(record)
        ctx["result_page"] = Paginator(rows, RESULT_PAGE).get_page(self.request.GET.get("page"))
        ctx["verify_url"] = reverse("random-inspections-public-verify", args=[record.pk])
        ctx["title"] = record.plan.name
        ctx["mask"] = masking.mask_generic
        return ctx
