from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The app label is "risk": "rules" is taken by django-rules (object permissions).
READ = {"risk.view_warning", "risk.view_rulerun", "risk.view_ruleversion"}
DISPOSE = {"risk.dispose_warning"}
RUN = {"risk.run_rules"}


class RulesConfig(AppConfig):
    name = "zhijian.rules"
    label = "risk"
    verbose_name = _("风险预警")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles, todo
        from zhijian.supervision import services as supervision

        from . import sections, services

        extensions.grant(roles.CITY_OFFICER, READ | DISPOSE | RUN)
        extensions.grant(roles.DISTRICT_OFFICER, READ | DISPOSE)
        extensions.grant(roles.STATION_INSPECTOR, READ | DISPOSE)
        supervision.on_completion(
            "warning", check=services.check_task_completion, after=services.after_task_completion
        )
        todo.register(
            services.open_reminders, key="risk.reminders", label=_("待阅知的预警"),
            url_name="rules:warning_list?state=open&handling=acknowledge",
        )  # fmt: skip
        sections.register()
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("风险预警"),
                (
                    navigation.MenuItem(_("预警中心"), "rules:warning_list", "risk.view_warning"),
                    navigation.MenuItem(_("预警统计"), "rules:statistics", "risk.view_warning"),
                    navigation.MenuItem(_("预警规则"), "rules:rule_list", "risk.view_warning"),
                    navigation.MenuItem(_("运行记录"), "rules:run_list", "risk.view_rulerun"),
                    navigation.MenuItem(_("外部预警接入"), "rules:feed_upload", "risk.run_rules"),
                ),
            )
        )
