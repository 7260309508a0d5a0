from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "zhijian.inspections"
    label = "inspections"
    verbose_name = _("检查记录")

    def ready(self) -> None:
        # Menu entries, role permissions, to-do providers and entity-file sections of this
        # app are registered here (see zhijian/core/extensions.py).
        pass
