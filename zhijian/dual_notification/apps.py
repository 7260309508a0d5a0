from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

READ = {
    "dual_notification.view_notification",
    "dual_notification.view_scopeevent",
    "dual_notification.view_scoperule",
    "dual_notification.view_department",
    "dual_notification.view_all_departments",
}
MAPPING = {
    "dual_notification.add_scoperule",
    "dual_notification.change_scoperule",
    "dual_notification.import_scoperule",
    "dual_notification.add_department",
    "dual_notification.change_department",
    "dual_notification.run_dual_notification",
}
MEMBERS = {
    "dual_notification.view_department",
    "dual_notification.view_departmentmember",
    "dual_notification.add_departmentmember",
    "dual_notification.delete_departmentmember",
}


class DualNotificationConfig(AppConfig):
    name = "zhijian.dual_notification"
    label = "dual_notification"
    verbose_name = _("双告知")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles, todo
        from zhijian.exchange import hooks

        from . import sections, services

        extensions.grant(roles.CITY_OFFICER, READ | MAPPING)
        extensions.grant(roles.DISTRICT_OFFICER, READ)
        extensions.grant(roles.STATION_INSPECTOR, READ - {"dual_notification.view_scoperule"})
        extensions.grant(roles.SYSADMIN, MEMBERS)
        extensions.grant(roles.DEPARTMENT_USER, set(services.DEPARTMENT_PERMISSIONS))
        extensions.register_data_sources(services.department_sources)
        sections.register()
        # After each finished import of entities (the command stays to catch up).
        hooks.register(
            "entities", services.after_entities_import, "双告知", remedy=services.catch_up_hint
        )
        todo.register(
            services.todo_count, key="dual_notification.unsigned", label=_("待签收的告知"),
            url_name="dual_notification:notification_list?state=sent",
        )  # fmt: skip
        item = navigation.MenuItem
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("双告知"),
                (
                    item(_("告知记录"), "dual_notification:notification_list",
                         "dual_notification.view_notification"),
                    item(_("未匹配事项"), "dual_notification:unmatched_list",
                         "dual_notification.view_scopeevent"),
                    item(_("告知统计"), "dual_notification:statistics",
                         "dual_notification.view_notification"),
                    item(_("告知规则"), "dual_notification:rule_list",
                         "dual_notification.view_scoperule"),
                    item(_("委办局用户"), "dual_notification:member_list",
                         "dual_notification.view_departmentmember"),
                ),
            )
        )  # fmt: skip
