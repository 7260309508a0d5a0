"""Routes under /api/v1/dual-notification/ (included by zhijian/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
