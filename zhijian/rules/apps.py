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
        from zhijian.core import extensions, roles

        extensions.grant(roles.CITY_OFFICER, READ | DISPOSE | RUN)
        extensions.grant(roles.DISTRICT_OFFICER, READ | DISPOSE)
        extensions.grant(roles.STATION_INSPECTOR, READ | DISPOSE)

        from zhijian.supervision import services as supervision

        from . import services

        supervision.on_completion(
            "warning", check=services.check_task_completion, after=services.after_task_completion
        )
