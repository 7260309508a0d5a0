"""Routes under /api/v1/random-inspections/ (included by zhijian/urls.py)."""

from django.urls import path

from . import api

plans = api.PlanViewSet.as_view({"get": "list", "post": "create"})
plan = api.PlanViewSet.as_view({"get": "retrieve"})
plan_draw = api.PlanViewSet.as_view({"post": "draw"})
draws = api.DrawViewSet.as_view({"get": "list"})
draw = api.DrawViewSet.as_view({"get": "retrieve"})
draw_verify = api.DrawViewSet.as_view({"get": "verify"})
inspectors = api.InspectorViewSet.as_view({"get": "list"})

urlpatterns = [
    path("plans/", plans, name="random-inspections-plan-list"),
    path("plans/<int:pk>/", plan, name="random-inspections-plan-detail"),
    path("plans/<int:pk>/draw/", plan_draw, name="random-inspections-plan-draw"),
    path("draws/", draws, name="random-inspections-draw-list"),
    path("draws/<int:pk>/", draw, name="random-inspections-draw-detail"),
    path("draws/<int:pk>/verify/", draw_verify, name="random-inspections-draw-verify"),
    path("inspectors/", inspectors, name="random-inspections-inspector-list"),
    path("public/draws/", api.PublicDrawList.as_view(), name="random-inspections-public-list"),
    path(
        "public/draws/<int:pk>/",
        api.PublicDrawDetail.as_view(),
        name="random-inspections-public-detail",
    ),
    path(
        "public/draws/<int:pk>/verify/",
        api.PublicDrawVerify.as_view(),
        name="random-inspections-public-verify",
    ),
]
