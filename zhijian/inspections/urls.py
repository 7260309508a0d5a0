"""Pages under /inspections/. The phone and public URLs are stable (other apps link to them):

- ``inspections:my_tasks``  /inspections/m/            我的任务 (phone)
- ``inspections:record``    /inspections/m/record/?task=<id> or ?entity=<USCC>
- ``inspections:public_list``   /inspections/public/   (no login)
- ``inspections:public_detail`` /inspections/public/<number>/
"""

from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.InspectionListView.as_view(), name="list"),
    path("publication/", views.PublicationListView.as_view(), name="publication"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectification_list"),
    path("rectifications/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/", views.InspectionDetailView.as_view(), name="detail"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("m/", views.my_tasks, name="my_tasks"),
    path("m/record/", views.record, name="record"),
    path("public/", views.public_list, name="public_list"),
    path("public/<str:number>/", views.public_detail, name="public_detail"),
]
