"""Routes under /api/v1/exchange/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

batch_list = api.BatchViewSet.as_view({"get": "list"})
batch_detail = api.BatchViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("batches/", batch_list, name="exchange-batch-list"),
    path("batches/<int:pk>/", batch_detail, name="exchange-batch-detail"),
    path("<str:table>/", api.ImportView.as_view(), name="exchange-import"),
]
