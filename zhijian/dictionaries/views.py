"""Dictionary pages: divisions and industries to browse, the working-day calendar to extend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DeleteView, UpdateView

from zhijian.core.tables import Column, TableView
from zhijian.core.views import FormPageMixin

from .filters import CalendarDayFilter, DivisionFilter, IndustryFilter
from .forms import CalendarDayForm, CalendarYearForm
from .models import CalendarDay, CalendarYear, Division, Industry


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
