from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

READ = {
    "inspections.view_inspection",
    "inspections.view_inspectionphoto",
    "inspections.view_rectification",
}
# Station inspectors record inspections and follow-up checks; officers read and publish.
INSPECTOR = {*READ, "inspections.add_inspection", "inspections.change_rectification"}
OFFICER = {*READ, "inspections.publish_inspection"}


class InspectionsConfig(AppConfig):
    name = "zhijian.inspections"
    label = "inspections"
    verbose_name = _("检查记录")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles, todo

        from . import sections

        extensions.grant(roles.CITY_OFFICER, OFFICER)
        extensions.grant(roles.DISTRICT_OFFICER, OFFICER)
        extensions.grant(roles.STATION_INSPECTOR, INSPECTOR)
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("检查与公示"),
                (
                    navigation.MenuItem(
                        _("我的任务（移动端）"),
                        "inspections:my_tasks",
                        "inspections.add_inspection",
                    ),
                    navigation.MenuItem(
                        _("记录检查"), "inspections:record", "inspections.add_inspection"
                    ),
                    navigation.MenuItem(
                        _("检查记录"), "inspections:list", "inspections.view_inspection"
                    ),
                    navigation.MenuItem(
                        _("待公示结果"), "inspections:publication", "inspections.view_inspection"
                    ),
                    navigation.MenuItem(
                        _("整改跟踪"),
                        "inspections:rectification_list",
                        "inspections.view_rectification",
                    ),
                    navigation.MenuItem(
                        _("检查结果公示（公众）"),
                        "inspections:public_list",
                        "inspections.view_inspection",
                    ),
                ),
            )
        )
        sections.register()
        todo.register(
            _overdue_follow_ups, key="inspections.follow_ups", label=_("逾期未复查的整改"),
            url_name="inspections:rectification_list?overdue=true",
        )  # fmt: skip
        todo.register(
            _overdue_to_publish, key="inspections.publication", label=_("逾期未公示的检查结果"),
            url_name="inspections:publication",
        )  # fmt: skip


def _overdue_follow_ups(user) -> int:
    from . import services

    return services.overdue_follow_ups(user).count() if user.has_perm(services.FOLLOW_UP) else 0


def _overdue_to_publish(user) -> int:
    from . import services

    return services.overdue_to_publish(user).count() if user.has_perm(services.PUBLISH) else 0
