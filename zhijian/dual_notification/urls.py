from django.urls import path

from . import views

app_name = "dual_notification"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/<int:pk>/",
        views.NotificationDetailView.as_view(),
        name="notification_detail",
    ),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path(
        "notifications/<int:pk>/feedback/",
        views.notification_feedback,
        name="notification_feedback",
    ),
    path("unmatched/", views.UnmatchedListView.as_view(), name="unmatched_list"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/claim/", views.event_claim, name="event_claim"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/new/", views.RuleCreateView.as_view(), name="rule_create"),
    path("rules/import/", views.RuleImportView.as_view(), name="rule_import"),
    path("rules/<int:pk>/", views.RuleUpdateView.as_view(), name="rule_update"),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/new/", views.DepartmentCreateView.as_view(), name="department_create"),
    path("departments/<int:pk>/", views.DepartmentUpdateView.as_view(), name="department_update"),
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/new/", views.MemberCreateView.as_view(), name="member_create"),
    path("members/<int:pk>/", views.member_remove, name="member_detail"),
]
