from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RandomInspectionsConfig(AppConfig):
    name = "zhijian.random_inspections"
    label = "random_inspections"
    verbose_name = _("双随机抽查")

    def ready(self) -> None:
        # Menu entries, role permissions, to-do providers and entity-file sections of this
        # app are registered here (see zhijian/core/extensions.py).
        pass
