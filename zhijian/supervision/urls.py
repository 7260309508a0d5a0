from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.MyTodoView.as_view(), name="my_todos"),
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/action/", views.task_action, name="task_action"),
    path("tasks/<int:pk>/urge/", views.task_urge, name="task_urge"),
    path("items/", views.ItemListView.as_view(), name="item_list"),
    path("items/new/", views.ItemCreateView.as_view(), name="item_create"),
    path("items/import/", views.ItemImportView.as_view(), name="item_import"),
    path("items/import/rejected/", views.item_rejections, name="item_rejections"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path("items/<int:pk>/edit/", views.ItemUpdateView.as_view(), name="item_update"),
    path("performance/", views.PerformanceView.as_view(), name="performance"),
]
