from django.urls import path  # noqa: F401

app_name = "dual_notification"

urlpatterns: list = []
