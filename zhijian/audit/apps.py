from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zhijian.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from . import signals

        signals.connect_model_signals()
        signals.connect_axes_signals()
