from django.urls import include, path

from . import views

app_name = "rules"

urlpatterns = [
    path("", views.WarningListView.as_view(), name="warning_list"),
    path("<int:pk>/", views.warning_detail, name="warning_detail"),
    path("<int:pk>/dispose/", views.warning_dispose, name="warning_dispose"),
    path("<int:pk>/acknowledge/", views.warning_acknowledge, name="warning_acknowledge"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/<str:rule_id>/run/", views.rule_run, name="rule_run"),
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    # 外部预警接入 (feed_urls.py): rules:feed_upload, rules:feed_result, rules:feed_rejected
    path("feeds/", include("zhijian.rules.feed_urls")),
]
