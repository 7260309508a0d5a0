"""Pages of special campaigns. Thin: querysets through the data scope, changes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView

from zhijian.core.scope import scope_prefix
from zhijian.core.tables import Column, TableView, _xlsx_bytes
from zhijian.core.views import FormPageMixin

from . import services
from .filters import CampaignFilter
from .forms import CampaignForm
from .models import Campaign, CampaignTarget

VIEW = "campaigns.view_campaign"


class CampaignListView(TableView):
    model = Campaign
    permission_required = VIEW
    title = gettext_lazy("专项整治")
    filterset_class = CampaignFilter
    search_fields = ("name", "basis")
    search_placeholder = gettext_lazy("专项名称或工作依据")
    default_ordering = ("-starts_on", "-pk")
    export_name = "campaigns"
    create_url_name = "campaigns:campaign_create"
    create_permission = services.MANAGE
    columns = [
        Column("name", gettext_lazy("专项名称"), link=True),
        Column("lead_unit__name", gettext_lazy("牵头机构")),
        Column("starts_on", gettext_lazy("开始日期")),
        Column("ends_on", gettext_lazy("结束日期")),
        Column("state", gettext_lazy("状态")),
        Column("created_at", gettext_lazy("创建时间")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("lead_unit")


class CampaignDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    model = Campaign
    permission_required = VIEW
    template_name = "campaigns/campaign_detail.html"
    context_object_name = "campaign"

    def get_queryset(self):
        return Campaign.objects.visible_to(self.request.user).select_related(
            "lead_unit", "created_by"
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("export") == "xlsx":
            return _export_progress(request, self.object)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, error=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, campaign = self.request.user, self.object
        prefix = scope_prefix(user)
        can_manage = (
            user.has_perm(services.MANAGE)
            and prefix is not None
            and campaign.lead_unit.path.startswith(prefix)
        )
        targets = CampaignTarget.objects.visible_to(user).filter(campaign=campaign)
        ctx.update(
            report=services.progress(campaign, user),
            items=campaign.items.order_by("code"),
            filter_text=services.describe_filter(campaign.target_filter),
            targets=targets.select_related("unit", "task").order_by("unit__path", "uscc")[:50],
            target_count=targets.count(),
            can_generate=can_manage and campaign.state == Campaign.State.DRAFT,
            can_close=can_manage and campaign.state != Campaign.State.CLOSED,
            action_error=error,
        )
        return ctx


def _export_progress(request, campaign):
    from zhijian.audit.services import log

    report = services.progress(campaign, request.user)
    log("export", object_type="campaigns.campaign", object_id=str(campaign.pk),
        detail={"format": "xlsx", "report": "progress", "rows": len(report.rows)})  # fmt: skip
    response = HttpResponse(
        _xlsx_bytes(services.report_rows(report), _("专项整治进度")),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{stamp}.xlsx"'
    return response


class TargetListView(TableView):
    """The targets of one campaign in the user's scope, with their tasks' states."""

    model = CampaignTarget
    permission_required = VIEW
    title = gettext_lazy("整治对象")
    search_fields = ("name", "uscc", "address")
    search_placeholder = gettext_lazy("名称、统一社会信用代码或住所")
    default_ordering = ("unit__path", "uscc")
    export_name = "campaign-targets"
    columns = [
        Column("uscc", gettext_lazy("统一社会信用代码")),
        Column("name", gettext_lazy("名称"), link=True),
        Column("kind", gettext_lazy("主体类型")),
        Column("industry", gettext_lazy("行业代码")),
        Column("address", gettext_lazy("住所"), sortable=False),
        Column("unit__name", gettext_lazy("承办机构")),
        Column("task__number", gettext_lazy("任务编号")),
        Column("task__state", gettext_lazy("任务状态")),
        Column("task__due_on", gettext_lazy("办结期限")),
    ]

    def base_queryset(self):
        self.campaign = get_object_or_404(
            Campaign.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        self.title = _("整治对象：%(name)s") % {"name": self.campaign.name}
        return super().base_queryset().filter(campaign=self.campaign).select_related("unit", "task")


class CampaignCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView):
    form_class = CampaignForm
    permission_required = services.MANAGE
    title = gettext_lazy("新建专项整治")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                user=self.request.user,
                name=data["name"],
                basis=data["basis"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                lead_unit=data["lead_unit"],
                items=data["items"],
                target_filter=form.target_filter(),
            )
        except services.CampaignError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("专项整治已创建，筛选出整治对象 %(n)s 户。") % {"n": campaign.targets.count()},
        )
        return redirect(campaign.get_absolute_url())


def _campaign_action(request, pk, action):
    if not request.user.has_perm(services.MANAGE):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    try:
        message = action(campaign)
    except services.CampaignError as exc:
        view = CampaignDetailView(request=request, kwargs={"pk": pk}, object=campaign)
        ctx = view.get_context_data(object=campaign, error=str(exc))
        return render(request, view.template_name, ctx, status=400)
    messages.success(request, message)
    return redirect(campaign.get_absolute_url())


@login_required
@require_POST
def campaign_generate(request, pk):
    def act(campaign):
        n = services.generate_tasks(campaign, request.user)
        return _("已生成监管任务 %(n)s 件。") % {"n": n}

    return _campaign_action(request, pk, act)


@login_required
@require_POST
def campaign_resnapshot(request, pk):
    def act(campaign):
        n = services.refresh_targets(campaign, request.user)
        return _("已重新筛选整治对象 %(n)s 户。") % {"n": n}

    return _campaign_action(request, pk, act)


@login_required
@require_POST
def campaign_close(request, pk):
    def act(campaign):
        services.close_campaign(campaign, request.user)
        return _("专项整治已结束。")

    return _campaign_action(request, pk, act)
