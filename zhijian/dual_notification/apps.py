from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DualNotificationConfig(AppConfig):
    name = "zhijian.dual_notification"
    label = "dual_notification"
    verbose_name = _("双告知")

    def ready(self) -> None:
        # Menu entries, role permissions, to-do providers and entity-file sections of this
        # app are registered here (see zhijian/core/extensions.py).
        pass
