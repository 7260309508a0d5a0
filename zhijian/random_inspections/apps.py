from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PLAN_READ = {
    "random_inspections.view_plan",
    "random_inspections.view_draw",
}
OFFICER = {
    *PLAN_READ,
    "random_inspections.add_plan",
    "random_inspections.add_draw",
    "random_inspections.view_inspectorprofile",
    "random_inspections.add_inspectorprofile",
    "random_inspections.change_inspectorprofile",
    "random_inspections.view_recusal",
    "random_inspections.add_recusal",
    "random_inspections.view_nonintrusiveentry",
    "random_inspections.add_nonintrusiveentry",
}
INSPECTOR = {*PLAN_READ}


class RandomInspectionsConfig(AppConfig):
    name = "zhijian.random_inspections"
    label = "random_inspections"
    verbose_name = _("双随机抽查")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles

        from . import rules  # noqa: F401 - declares the dated parameters

        extensions.grant(roles.CITY_OFFICER, OFFICER)
        extensions.grant(roles.DISTRICT_OFFICER, OFFICER)
        extensions.grant(roles.STATION_INSPECTOR, INSPECTOR)
        item = navigation.MenuItem
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("双随机抽查"),
                (
                    item(
                        _("抽查计划"),
                        "random_inspections:plan_list",
                        "random_inspections.view_plan",
                    ),
                    item(
                        _("检查对象名录库"),
                        "random_inspections:target_directory",
                        "random_inspections.add_plan",
                    ),
                    item(
                        _("执法检查人员名录库"),
                        "random_inspections:inspector_list",
                        "random_inspections.view_inspectorprofile",
                    ),
                    item(
                        _("回避关系"),
                        "random_inspections:recusal_list",
                        "random_inspections.view_recusal",
                    ),
                    item(
                        _("无感监管名单"),
                        "random_inspections:non_intrusive_list",
                        "random_inspections.view_nonintrusiveentry",
                    ),
                    item(_("抽查结果公示"), "random_inspections:public_list"),
                ),
            )
        )
