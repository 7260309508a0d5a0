from django.urls import path

from . import views

app_name = "random_inspections"

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/draw/", views.plan_draw, name="plan_draw"),
    path("draws/<int:pk>/", views.DrawDetailView.as_view(), name="draw_detail"),
    path("draws/<int:pk>/publish/", views.draw_publish, name="draw_publish"),
    path("draws/<int:pk>/pool.txt", views.draw_pool, name="draw_pool"),
    path("targets/", views.TargetDirectoryView.as_view(), name="target_directory"),
    path("inspectors/", views.InspectorListView.as_view(), name="inspector_list"),
    path("inspectors/new/", views.InspectorFormView.as_view(), name="inspector_create"),
    path("inspectors/<int:pk>/", views.InspectorUpdateView.as_view(), name="inspector_update"),
    path("recusals/", views.RecusalListView.as_view(), name="recusal_list"),
    path("recusals/new/", views.RecusalCreateView.as_view(), name="recusal_create"),
    path("non-intrusive/", views.NonIntrusiveListView.as_view(), name="non_intrusive_list"),
    path("non-intrusive/new/", views.NonIntrusiveCreateView.as_view(), name="non_intrusive_create"),
    path("public/", views.PublicDrawListView.as_view(), name="public_list"),
    path("public/<int:pk>/", views.PublicDrawDetailView.as_view(), name="public_detail"),
]
