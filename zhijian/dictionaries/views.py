"""Dictionary pages: divisions and industries to browse, the working-day calendar to extend."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DeleteView, FormView, UpdateView

from zhijian.core.filters import FilterSet
from zhijian.core.tables import Column, TableView
from zhijian.core.views import FormPageMixin

from .filters import CalendarDayFilter, DivisionFilter, IndustryFilter
from .forms import CalendarDayForm, CalendarYearForm, ParameterValueForm
from .models import CalendarDay, CalendarYear, Division, Industry, ParameterValue


class CalendarView(TableView):
    model = CalendarDay
    scoped = False
    permission_required = "dictionaries.view_calendarday"
    title = gettext_lazy("工作日历：法定节假日与调休")
    template_name = "dictionaries/calendar.html"
    filterset_class = CalendarDayFilter
    search_fields = ("name", "source")
    default_ordering = ("-date",)
    export_name = "calendar"
    create_url_name = "dictionaries:calendar_day_create"
    create_permission = "dictionaries.add_calendarday"
    columns = [
        Column("date", gettext_lazy("日期"), link=True),
        Column("kind", gettext_lazy("类型")),
        Column("name", gettext_lazy("节日")),
        Column("source", gettext_lazy("依据"), sortable=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["years"] = CalendarYear.objects.all()[:6]
        ctx["can_change"] = self.request.user.has_perm("dictionaries.change_calendarday")
        return ctx


class CalendarDayCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, CreateView):
    model = CalendarDay
    form_class = CalendarDayForm
    permission_required = "dictionaries.add_calendarday"
    title = gettext_lazy("新增节假日或调休上班日")
    success_url = reverse_lazy("dictionaries:calendar")

    def form_valid(self, form):
        messages.success(self.request, _("已保存。"))
        return super().form_valid(form)


class CalendarDayUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, UpdateView):
    model = CalendarDay
    form_class = CalendarDayForm
    permission_required = "dictionaries.change_calendarday"
    title = gettext_lazy("修改节假日或调休上班日")
    success_url = reverse_lazy("dictionaries:calendar")


class CalendarDayDeleteView(LoginRequiredMixin, PermissionRequiredMixin, DeleteView):
    model = CalendarDay
    permission_required = "dictionaries.delete_calendarday"
    template_name = "dictionaries/confirm_delete.html"
    success_url = reverse_lazy("dictionaries:calendar")


class CalendarYearCreateView(
    LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, CreateView
):
    model = CalendarYear
    form_class = CalendarYearForm
    permission_required = "dictionaries.change_calendarday"
    title = gettext_lazy("登记年度节假日安排")
    success_url = reverse_lazy("dictionaries:calendar")


class CalendarYearUpdateView(
    LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, UpdateView
):
    model = CalendarYear
    form_class = CalendarYearForm
    permission_required = "dictionaries.change_calendarday"
    title = gettext_lazy("年度节假日安排")
    success_url = reverse_lazy("dictionaries:calendar")


class DivisionListView(TableView):
    model = Division
    scoped = False
    permission_required = "dictionaries.view_division"
    title = gettext_lazy("行政区划")
    filterset_class = DivisionFilter
    search_fields = ("code", "name")
    search_placeholder = gettext_lazy("代码或名称")
    default_ordering = ("code",)
    export_name = "divisions"
    columns = [
        Column("code", gettext_lazy("区划代码")),
        Column("name", gettext_lazy("名称")),
        Column("level", gettext_lazy("层级")),
        Column("parent__name", gettext_lazy("上级")),
        Column("is_current", gettext_lazy("现行")),
        Column("successor__name", gettext_lazy("并入"), sortable=False),
    ]


class IndustryListView(TableView):
    model = Industry
    scoped = False
    permission_required = "dictionaries.view_industry"
    title = gettext_lazy("国民经济行业分类（GB/T 4754-2017）")
    filterset_class = IndustryFilter
    search_fields = ("code", "name", "description")
    search_placeholder = gettext_lazy("代码、名称或说明")
    default_ordering = ("code",)
    export_name = "industries"
    columns = [
        Column("code", gettext_lazy("行业代码")),
        Column("name", gettext_lazy("名称")),
        Column("level", gettext_lazy("层级")),
        Column("parent__name", gettext_lazy("上级")),
    ]


# --- dated parameters (参数设置) -----------------------------------------------------------------


def _parameter_or_404(key: str):
    from django.http import Http404

    from . import parameters

    try:
        return parameters.get(key)
    except parameters.InvalidParameter:
        raise Http404 from None


def _declared_rows() -> list[dict]:
    from . import parameters

    rows = []
    for _key, parameter in sorted(parameters.declared().items()):
        used = parameter.used()
        rows.append({"parameter": parameter, "used": used, "value": _shown(used["value"])})
    return rows


def _shown(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


class ParameterValueFilter(FilterSet):
    key = django_filters.ChoiceFilter(label=gettext_lazy("参数"), choices=[])

    class Meta:
        model = ParameterValue
        fields = ["key"]

    def __init__(self, *args, request=None, **kwargs):
        from . import parameters

        super().__init__(*args, request=request, **kwargs)
        self.filters["key"].extra["choices"] = [
            (key, p.name) for key, p in sorted(parameters.declared().items())
        ]


class ParameterListView(TableView):
    """The declared parameters with the value in force, then every dated value (history)."""

    model = ParameterValue
    scoped = False
    permission_required = "dictionaries.view_parametervalue"
    title = gettext_lazy("参数设置")
    template_name = "dictionaries/parameters.html"
    filterset_class = ParameterValueFilter
    search_fields = ("key", "source", "note")
    search_placeholder = gettext_lazy("参数、依据或说明")
    default_ordering = ("key", "-effective_from")
    export_name = "parameters"
    columns = [
        Column("key", gettext_lazy("参数")),
        Column("value", gettext_lazy("取值"), getter=lambda v: _shown(v.value)),
        Column("effective_from", gettext_lazy("生效日期")),
        Column("source", gettext_lazy("依据"), sortable=False),
        Column("note", gettext_lazy("说明"), sortable=False),
        Column("created_at", gettext_lazy("登记时间")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["declared"] = _declared_rows()
        ctx["can_add"] = self.request.user.has_perm("dictionaries.add_parametervalue")
        return ctx


class ParameterValueCreateView(
    LoginRequiredMixin, PermissionRequiredMixin, FormPageMixin, FormView
):
    form_class = ParameterValueForm
    permission_required = "dictionaries.add_parametervalue"
    template_name = "dictionaries/parameter_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.parameter = _parameter_or_404(kwargs["key"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["parameter"] = self.parameter
        return kwargs

    def get_initial(self):
        return {"value": _shown(self.parameter.on())}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("新增参数取值：%(name)s") % {"name": self.parameter.name}
        ctx["parameter"] = self.parameter
        ctx["used"] = self.parameter.used()
        ctx["value_in_force"] = _shown(ctx["used"]["value"])
        ctx["history"] = ParameterValue.objects.filter(key=self.parameter.key).order_by(
            "-effective_from"
        )
        ctx["default"] = _shown(self.parameter.default)
        return ctx

    def form_valid(self, form):
        from . import parameters

        data = form.cleaned_data
        try:
            parameters.set_value(
                self.parameter.key, data["value"], data["effective_from"],
                source=data["source"], note=data.get("note") or "",
            )  # fmt: skip
        except parameters.InvalidParameter as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request, _("已保存，自 %(d)s 起施行。") % {"d": data["effective_from"]}
        )
        return redirect("dictionaries:parameter_list")
