from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign_list"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("<int:pk>/targets/", views.TargetListView.as_view(), name="target_list"),
    path("<int:pk>/generate/", views.campaign_generate, name="campaign_generate"),
    path("<int:pk>/resnapshot/", views.campaign_resnapshot, name="campaign_resnapshot"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
]
