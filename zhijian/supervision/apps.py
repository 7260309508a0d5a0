from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "zhijian.supervision"
    label = "supervision"
    verbose_name = _("日常监管")

    def ready(self) -> None:
        # Menu entries, role permissions, to-do providers and entity-file sections of this
        # app are registered here (see zhijian/core/extensions.py).
        pass
