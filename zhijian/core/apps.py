from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhijian.core"
    label = "core"
    verbose_name = _("组织与用户")

    def ready(self) -> None:
        from . import signals  # noqa: F401
