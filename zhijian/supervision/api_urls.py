"""Routes under /api/v1/supervision/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

item_list = api.ItemViewSet.as_view({"get": "list"})
item_detail = api.ItemViewSet.as_view({"get": "retrieve"})
task_list = api.TaskViewSet.as_view({"get": "list", "post": "create"})
task_detail = api.TaskViewSet.as_view({"get": "retrieve"})
task_transition = api.TaskViewSet.as_view({"post": "transition"})

urlpatterns = [
    path("items/", item_list, name="supervision-item-list"),
    path("items/<int:pk>/", item_detail, name="supervision-item-detail"),
    path("tasks/", task_list, name="supervision-task-list"),
    path("tasks/<int:pk>/", task_detail, name="supervision-task-detail"),
    path("tasks/<int:pk>/transition/", task_transition, name="supervision-task-transition"),
]
