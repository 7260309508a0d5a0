from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

READ = {"campaigns.view_campaign", "campaigns.view_campaigntarget"}
MANAGE = {"campaigns.manage_campaign"}


class CampaignsConfig(AppConfig):
    name = "zhijian.campaigns"
    label = "campaigns"
    verbose_name = _("专项整治")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles

        extensions.grant(roles.CITY_OFFICER, READ | MANAGE)
        extensions.grant(roles.DISTRICT_OFFICER, READ | MANAGE)
        extensions.grant(roles.STATION_INSPECTOR, READ)
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("专项整治"),
                (
                    navigation.MenuItem(
                        _("专项整治"), "campaigns:campaign_list", "campaigns.view_campaign"
                    ),
                    navigation.MenuItem(
                        _("新建专项"), "campaigns:campaign_create", "campaigns.manage_campaign"
                    ),
                ),
            )
        )
