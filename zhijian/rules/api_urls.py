"""Routes under /api/v1/warnings/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

warning_list = api.WarningViewSet.as_view({"get": "list"})
warning_detail = api.WarningViewSet.as_view({"get": "retrieve"})
warning_dispose = api.WarningViewSet.as_view({"post": "dispose"})
warning_acknowledge = api.WarningViewSet.as_view({"post": "acknowledge"})

urlpatterns = [
    path("", warning_list, name="warning-list"),
    path("<int:pk>/", warning_detail, name="warning-detail"),
    path("<int:pk>/dispose/", warning_dispose, name="warning-dispose"),
    path("<int:pk>/acknowledge/", warning_acknowledge, name="warning-acknowledge"),
    path("feeds/<str:feed_id>/", api.FeedImportView.as_view(), name="warning-feed-import"),
]
