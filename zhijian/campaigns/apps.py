from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "zhijian.campaigns"
    label = "campaigns"
    verbose_name = _("专项整治")

    def ready(self) -> None:
        # Menu entries, role permissions, to-do providers and entity-file sections of this
        # app are registered here (see zhijian/core/extensions.py).
        pass
