from django.urls import path

from . import views

app_name = "dictionaries"

urlpatterns = [
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/new/", views.CalendarDayCreateView.as_view(), name="calendar_day_create"),
    path("calendar/<int:pk>/", views.CalendarDayUpdateView.as_view(), name="calendar_day_update"),
    path(
        "calendar/<int:pk>/delete/",
        views.CalendarDayDeleteView.as_view(),
        name="calendar_day_delete",
    ),
    path(
        "calendar/years/new/", views.CalendarYearCreateView.as_view(), name="calendar_year_create"
    ),
    path(
        "calendar/years/<int:pk>/",
        views.CalendarYearUpdateView.as_view(),
        name="calendar_year_update",
    ),
    path("divisions/", views.DivisionListView.as_view(), name="division_list"),
    path("industries/", views.IndustryListView.as_view(), name="industry_list"),
]

urlpatterns += [
    path("parameters/", views.ParameterListView.as_view(), name="parameter_list"),
    path(
        "parameters/<str:key>/new/",
        views.ParameterValueCreateView.as_view(),
        name="parameter_value_create",
    ),
]
