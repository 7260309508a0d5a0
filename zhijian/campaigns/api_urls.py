"""Routes under /api/v1/campaigns/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.CampaignViewSet.as_view({"get": "list"}), name="campaign-list"),
    path(
        "targets/", api.CampaignTargetViewSet.as_view({"get": "list"}), name="campaign-target-list"
    ),
    path("<int:pk>/", api.CampaignViewSet.as_view({"get": "retrieve"}), name="campaign-detail"),
    path("<int:pk>/progress/", api.ProgressView.as_view(), name="campaign-progress"),
]
