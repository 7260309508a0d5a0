"""The entity file's section of supervision tasks (registered from ``AppConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def register() -> None:
    from zhijian.registry.views import SECTIONS, Event, Section, register_section

    from .models import Task

    if any(s.key == "supervision_tasks" for s in SECTIONS):
        return
    register_section(
        Section(
            "supervision_tasks", gettext_lazy("监管任务"), Task, ("-created_at", "-pk"),
            (("number", gettext_lazy("任务编号")), ("title", gettext_lazy("任务名称")),
             ("get_source_display", gettext_lazy("任务来源")),
             ("get_state_display", gettext_lazy("状态")), ("unit", gettext_lazy("承办机构")),
             ("due_on", gettext_lazy("办结期限")), ("closed_at", gettext_lazy("办结时间"))),
            events=(
                Event("created_at", lambda t: _("监管任务 %(number)s：%(title)s")
                      % {"number": t.number, "title": t.title}),
                Event("closed_at", lambda t: _("监管任务 %(number)s %(state)s")
                      % {"number": t.number, "state": t.get_state_display()}),
            ),
            select_related=("unit",),
            permission="supervision.view_task",
        )
    )  # fmt: skip
