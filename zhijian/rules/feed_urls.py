"""Pages of 外部预警接入, under /warnings/feeds/ (included by rules/urls.py: names rules:feed_…)."""

from django.urls import path

from . import feed_views

urlpatterns = [
    path("", feed_views.FeedUploadView.as_view(), name="feed_upload"),
    path("runs/<int:pk>/", feed_views.feed_result, name="feed_result"),
    path("runs/<int:pk>/rejected.xlsx", feed_views.feed_rejected_report, name="feed_rejected"),
]
