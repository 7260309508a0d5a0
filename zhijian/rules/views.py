"""Pages of the warning centre (预警中心). Thin: querysets through ``services.visible_warnings``,
changes through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from zhijian.core.tables import Column, TableView

from . import definitions, services, statistics
from .filters import WarningFilter
from .forms import AcknowledgeForm, DisposeForm
from .models import RuleRun, Warning

VIEW = "risk.view_warning"


# Headings of the evidence columns the rule packs use (other columns show their own name).
EVIDENCE_LABELS = {
    "uscc": gettext_lazy("统一社会信用代码"),
    "name": gettext_lazy("名称"),
    "address": gettext_lazy("住所"),
    "status": gettext_lazy("登记状态"),
    "established_on": gettext_lazy("成立日期"),
    "registration_authority": gettext_lazy("登记机关"),
    "registered_capital": gettext_lazy("注册资本（万元）"),
    "currency": gettext_lazy("币种"),
    "live_entities": gettext_lazy("存续主体户数"),
    "revoked_uscc": gettext_lazy("被吊销主体统一社会信用代码"),
    "revoked_name": gettext_lazy("被吊销主体名称"),
    "revoked_on": gettext_lazy("吊销日期"),
    "report_year": gettext_lazy("年报年度"),
    "filed_on": gettext_lazy("报送日期"),
    "paid_in_capital": gettext_lazy("实缴资本（万元）"),
    "employees": gettext_lazy("从业人数"),
    "penalty_number": gettext_lazy("决定书文号"),
    "earlier_penalty_number": gettext_lazy("此前案件决定书文号"),
    "earlier_decided_on": gettext_lazy("此前案件决定日期"),
    "earlier_party": gettext_lazy("此前案件当事人"),
    "decided_on": gettext_lazy("决定日期"),
    "authority": gettext_lazy("机关"),
    "failures": gettext_lazy("不合格次数"),
    "sampling_number": gettext_lazy("抽样单号"),
    "product": gettext_lazy("产品名称"),
    "sampled_on": gettext_lazy("抽样日期"),
    "failed_items": gettext_lazy("不合格项目"),
    "licence_number": gettext_lazy("许可证编号"),
    "valid_until": gettext_lazy("有效期至"),
    "issuer": gettext_lazy("发证机关"),
    "issued_on": gettext_lazy("发证日期"),
    "premises": gettext_lazy("许可地址"),
    "basis": gettext_lazy("依据类型"),
    "record_number": gettext_lazy("记录编号"),
    "record_date": gettext_lazy("记录日期"),
    "description": gettext_lazy("预警内容"),
}


def _rule_name(rule_id: str) -> str:
    from . import feeds

    rule = definitions.all_rules().get(rule_id)
    return rule.name if rule else (feeds.name_of(rule_id) or rule_id)


class WarningListView(TableView):
    model = Warning
    permission_required = VIEW
    title = gettext_lazy("预警中心")
    template_name = "rules/warning_list.html"
    filterset_class = WarningFilter
    search_fields = ("entity__name", "entity__uscc", "entity__legal_rep_name", "key")
    search_placeholder = gettext_lazy("主体名称、统一社会信用代码、法定代表人或归集键（地址等）")
    default_ordering = ("-as_of", "-pk")
    export_name = "warnings"
    columns = [
        Column("as_of", gettext_lazy("预警日期")),
        Column("rule_id", gettext_lazy("预警规则"), getter=lambda w: _rule_name(w.rule_id)),
        Column("entity__name", gettext_lazy("市场主体"), link=True),
        Column("entity__uscc", gettext_lazy("统一社会信用代码")),
        Column("level", gettext_lazy("等级")),
        Column("unit__name", gettext_lazy("承办机构")),
        Column("handling", gettext_lazy("处置方式")),
        Column("state", gettext_lazy("状态")),
        Column("disposition", gettext_lazy("处置结果")),
    ]

    def base_queryset(self):
        return services.visible_warnings(self.request.user).select_related("entity", "unit")

    def search_condition(self, query: str):
        """Also 一地多照 warnings by an address written any way: the normalised address, with
        the district when the query names one."""
        from django.db.models import Q

        from . import addresses

        condition = super().search_condition(query)
        district, text = addresses.split(query)
        if len(text) >= addresses.MIN_LENGTH:
            if district:
                condition |= Q(key=f"address:{addresses.key(query)}")
            else:
                condition |= Q(key__startswith="address:", key__endswith=text)
        return condition

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["by_district"] = statistics.by_district(self.object_list, self.request.user)
        return ctx


def _warning_for(request, pk: int) -> Warning:
    warning = (
        services.visible_warnings(request.user)
        .select_related("entity", "unit", "task__unit", "run", "disposed_by")
        .filter(pk=pk)
        .first()
    )
    if warning is None:
        raise Http404
    return warning


@login_required
def warning_detail(request, pk: int, dispose_form=None, ack_form=None, error=None, status=200):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    warning = _warning_for(request, pk)
    rule = definitions.all_rules().get(warning.rule_id)
    may = request.user.has_perm(services.DISPOSE) and warning.state == Warning.State.OPEN
    context = {
        "warning": warning,
        "rule": rule,
        "rule_name": _rule_name(warning.rule_id),
        "evidence_columns": [
            EVIDENCE_LABELS.get(c, c) for c in (warning.evidence[0] if warning.evidence else [])
        ],
        "parameters": warning.parameters,
        "dispose_form": dispose_form or DisposeForm(user=request.user),
        "ack_form": ack_form or AcknowledgeForm(),
        "can_dispose": may and warning.handling == Warning.Handling.TASK,
        "can_acknowledge": may and warning.handling == Warning.Handling.ACKNOWLEDGE,
        "action_error": error,
    }
    return render(request, "rules/warning_detail.html", context, status=status)


@login_required
@require_POST
def warning_dispose(request, pk: int):
    warning = _warning_for(request, pk)
    form = DisposeForm(request.POST, user=request.user)
    if not form.is_valid():
        return warning_detail(request, pk, dispose_form=form, status=400)
    data = form.cleaned_data
    try:
        services.dispose(warning, user=request.user, disposition=data["disposition"],
                         note=data["note"], to_unit=data["to_unit"])  # fmt: skip
    except services.WarningError as exc:
        return warning_detail(request, pk, dispose_form=form, error=str(exc), status=400)
    messages.success(request, _("预警已处置。"))
    return redirect("rules:warning_detail", pk=pk)


@login_required
@require_POST
def warning_acknowledge(request, pk: int):
    warning = _warning_for(request, pk)
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        services.acknowledge(warning, user=request.user, note=form.cleaned_data.get("note", ""))
    except services.WarningError as exc:
        return warning_detail(request, pk, ack_form=form, error=str(exc), status=400)
    messages.success(request, _("已阅知。"))
    return redirect("rules:warning_detail", pk=pk)


class RuleListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = VIEW
    template_name = "rules/rule_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        last_runs = {}
        for run in RuleRun.objects.order_by("rule_id", "-started_at", "-id"):
            last_runs.setdefault(run.rule_id, run)
        ctx["rules"] = [(r, last_runs.get(r.id)) for r in definitions.all_rules().values()]
        ctx["can_run"] = self.request.user.has_perm("risk.run_rules")
        return ctx


@login_required
@require_POST
def rule_run(request, rule_id: str):
    """Queue a run of one rule now (the job queue runs it; the run list shows the outcome)."""
    from django_q.tasks import async_task

    if not request.user.has_perm("risk.run_rules"):
        raise PermissionDenied
    try:
        definitions.get(rule_id)
    except definitions.DefinitionError as exc:
        raise Http404 from exc
    from .jobs import FUNC

    async_task(FUNC, rule_id, task_name=f"rules:{rule_id}:manual")
    messages.success(request, _("已提交运行，结果见运行记录。"))
    return redirect("rules:run_list")


class RunListView(TableView):
    model = RuleRun
    scoped = False  # runs hold no entity data: counts and parameters
    permission_required = "risk.view_rulerun"
    title = gettext_lazy("规则运行记录")
    search_fields = ("rule_id", "error")
    search_placeholder = gettext_lazy("规则标识或错误信息")
    default_ordering = ("-started_at", "-pk")
    export_name = "rule-runs"
    columns = [
        Column("rule_id", gettext_lazy("规则"), getter=lambda r: f"{_rule_name(r.rule_id)}（{r.rule_id}）"),
        Column("version", gettext_lazy("版本")),
        Column("as_of", gettext_lazy("数据日期")),
        Column("trigger", gettext_lazy("触发方式")),
        Column("status", gettext_lazy("状态")),
        Column("started_at", gettext_lazy("开始时间")),
        Column("seconds", gettext_lazy("耗时（秒）"), sortable=False,
               getter=lambda r: f"{r.seconds:.1f}" if r.seconds is not None else "—"),
        Column("rows_examined", gettext_lazy("检查行数")),
        Column("candidates", gettext_lazy("命中")),
        Column("raised", gettext_lazy("新增预警")),
        Column("duplicates", gettext_lazy("去重")),
        Column("error", gettext_lazy("错误信息"), sortable=False),
    ]  # fmt: skip


class StatisticsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = VIEW
    template_name = "rules/statistics.html"

    def get_context_data(self, **kwargs):
        from urllib.parse import urlencode

        from django.urls import reverse

        ctx = super().get_context_data(**kwargs)
        year = _year(self.request.GET.get("year"))
        qs = services.visible_warnings(self.request.user).filter(as_of__year=year)
        districts = statistics.by_district(qs, self.request.user)
        # The district map (rules/district_map.js): the same rows, each with the warning list
        # of that district and year (what the map counts) as the target of a click.
        list_url = reverse("rules:warning_list")
        period = {"as_of_from": f"{year}-01-01", "as_of_to": f"{year}-12-31"}
        table = statistics.by_rule_and_month(qs, year, _rule_name)
        month_labels = [_("%(m)s月") % {"m": m} for m in range(1, 13)]
        ctx.update(
            year=year,
            years=list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            table=table,
            month_labels=month_labels,
            # Each count with its month: on a phone the table is a card per rule, a label per cell.
            table_rows=[
                (rule_id, name, list(zip(month_labels, months, strict=True)), total)
                for rule_id, name, months, total in table["rows"]
            ],
            table_totals=list(zip(month_labels, table["totals"], strict=True)),
            by_district=districts,
            district_map=[
                {**d, "url": f"{list_url}?{urlencode({'district': d['code'], **period})}"}
                for d in districts
            ],
        )
        return ctx


def _year(text) -> int:
    try:
        year = int(text)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= dt.date.today().year + 1 else timezone.localdate().year
