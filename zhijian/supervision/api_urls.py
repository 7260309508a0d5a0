"""Routes under /api/v1/supervision/ (included by zhijian/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
