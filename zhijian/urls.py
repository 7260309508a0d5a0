from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from zhijian.audit.api import AuditRecordViewSet
from zhijian.core.api import RoleViewSet, UnitViewSet, UserViewSet
from zhijian.registry.api import EntityViewSet

router = DefaultRouter()
router.include_format_suffixes = False
router.register("units", UnitViewSet, basename="unit")
router.register("users", UserViewSet, basename="user")
router.register("roles", RoleViewSet, basename="role")
router.register("audit-records", AuditRecordViewSet, basename="auditrecord")
router.register("entities", EntityViewSet, basename="entity")

# The Django admin is for superusers only (bootstrap and emergencies); staff use the platform pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", include("zhijian.core.urls")),
    path("audit/", include("zhijian.audit.urls")),
    path("dictionaries/", include("zhijian.dictionaries.urls")),
    path("entities/", include("zhijian.registry.urls")),
    path("exchange/", include("zhijian.exchange.urls")),
    path("supervision/", include("zhijian.supervision.urls")),
    path("inspections/", include("zhijian.inspections.urls")),
    path("random-inspections/", include("zhijian.random_inspections.urls")),
    path("campaigns/", include("zhijian.campaigns.urls")),
    path("dual-notification/", include("zhijian.dual_notification.urls")),
    path("warnings/", include("zhijian.rules.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/exchange/", include("zhijian.exchange.api_urls")),
    path("api/v1/supervision/", include("zhijian.supervision.api_urls")),
    path("api/v1/inspections/", include("zhijian.inspections.api_urls")),
    path("api/v1/random-inspections/", include("zhijian.random_inspections.api_urls")),
    path("api/v1/campaigns/", include("zhijian.campaigns.api_urls")),
    path("api/v1/dual-notification/", include("zhijian.dual_notification.api_urls")),
    path("api/v1/warnings/", include("zhijian.rules.api_urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
