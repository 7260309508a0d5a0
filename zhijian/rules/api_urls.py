"""Routes under /api/v1/warnings/ (to be included by zhijian/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("feeds/<str:feed_id>/", api.FeedImportView.as_view(), name="warning-feed-import"),
]
