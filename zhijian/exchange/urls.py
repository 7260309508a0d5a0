from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch_list"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<int:pk>/status/", views.batch_status, name="batch_status"),
    path("batches/<int:pk>/errors.xlsx", views.error_report, name="error_report"),
]
