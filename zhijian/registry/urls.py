from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.EntitySearchView.as_view(), name="entity_search"),
    path("<str:uscc>/", views.EntityDetailView.as_view(), name="entity_detail"),
]
