"""Routes under /api/v1/inspections/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

inspection_list = api.InspectionViewSet.as_view({"get": "list", "post": "create"})
inspection_detail = api.InspectionViewSet.as_view({"get": "retrieve"})
rectification_list = api.RectificationViewSet.as_view({"get": "list"})
rectification_detail = api.RectificationViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("", inspection_list, name="inspections-list"),
    path("<int:pk>/", inspection_detail, name="inspections-detail"),
    path("publish/", api.PublishView.as_view(), name="inspections-publish"),
    path("rectifications/", rectification_list, name="inspections-rectification-list"),
    path("rectifications/<int:pk>/", rectification_detail, name="inspections-rectification-detail"),
]
