from django.urls import path  # noqa: F401

app_name = "random_inspections"

urlpatterns: list = []
