from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ITEM_READ = {"supervision.view_supervisionitem"}
ITEM_MANAGE = {
    "supervision.add_supervisionitem",
    "supervision.change_supervisionitem",
    "supervision.import_supervisionitem",
}
TASK_READ = {"supervision.view_task", "supervision.view_taskevent"}
OFFICER = {
    *ITEM_READ,
    *ITEM_MANAGE,
    *TASK_READ,
    "supervision.add_task",
    "supervision.manage_task",
    "supervision.urge_task",
    "supervision.view_performance",
}
INSPECTOR = {*ITEM_READ, *TASK_READ, "supervision.work_task"}


class SupervisionConfig(AppConfig):
    name = "zhijian.supervision"
    label = "supervision"
    verbose_name = _("日常监管")

    def ready(self) -> None:
        from zhijian.core import extensions, navigation, roles, todo

        from . import services

        extensions.grant(roles.CITY_OFFICER, OFFICER)
        extensions.grant(roles.DISTRICT_OFFICER, OFFICER)
        extensions.grant(roles.STATION_INSPECTOR, INSPECTOR)
        todo.register(
            services.todo_count, key="supervision.tasks", label=_("监管任务"),
            url_name="supervision:my_todos",
        )  # fmt: skip
        extensions.add_menu_group(
            navigation.MenuGroup(
                _("日常监管"),
                (
                    navigation.MenuItem(
                        _("我的待办"), "supervision:my_todos", "supervision.view_task"
                    ),
                    navigation.MenuItem(
                        _("本单位任务"), "supervision:task_list", "supervision.view_task"
                    ),
                    navigation.MenuItem(
                        _("监管事项清单"),
                        "supervision:item_list",
                        "supervision.view_supervisionitem",
                    ),
                    navigation.MenuItem(
                        _("效能管理"),
                        "supervision:performance",
                        "supervision.view_performance",
                    ),
                ),
            )
        )
        self._register_entity_section()

    def _register_entity_section(self) -> None:
        """The entity file's section of tasks (added once the views exist)."""
        try:
            from . import sections
        except ImportError:
            return
        sections.register()
