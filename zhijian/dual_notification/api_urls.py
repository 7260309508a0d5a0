"""Routes under /api/v1/dual-notification/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "notifications/",
        api.NotificationViewSet.as_view({"get": "list"}),
        name="dn-notification-list",
    ),
    path(
        "notifications/<int:pk>/",
        api.NotificationViewSet.as_view({"get": "retrieve"}),
        name="dn-notification-detail",
    ),
    path("notifications/<int:pk>/read/", api.ReadView.as_view(), name="dn-notification-read"),
    path(
        "notifications/<int:pk>/feedback/",
        api.FeedbackView.as_view(),
        name="dn-notification-feedback",
    ),
    path("events/", api.EventViewSet.as_view({"get": "list"}), name="dn-event-list"),
    path("events/<int:pk>/", api.EventViewSet.as_view({"get": "retrieve"}), name="dn-event-detail"),
    path("events/<int:pk>/claim/", api.ClaimView.as_view(), name="dn-event-claim"),
    path("rules/", api.RuleViewSet.as_view({"get": "list"}), name="dn-rule-list"),
    path("departments/", api.DepartmentViewSet.as_view({"get": "list"}), name="dn-department-list"),
    path("statistics/", api.StatisticsView.as_view(), name="dn-statistics"),
]
