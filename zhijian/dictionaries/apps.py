from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DictionariesConfig(AppConfig):
    name = "zhijian.dictionaries"
    label = "dictionaries"
    verbose_name = _("数据字典")

    def ready(self) -> None:
        from . import signals

        post_migrate.connect(
            signals.load_after_migrate, sender=self, dispatch_uid="dictionaries_load"
        )
