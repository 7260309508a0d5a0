"""The entity file's section "双告知" (registered once from AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def register() -> None:
    from zhijian.registry import views

    if any(s.key == "dual_notifications" for s in views.SECTIONS):
        return
    from .models import Notification

    views.register_section(
        views.Section(
            "dual_notifications", gettext_lazy("双告知"), Notification, ("-created_at", "-pk"),
            (("department__name", gettext_lazy("委办局")), ("licence", gettext_lazy("所需许可")),
             ("event__get_kind_display", gettext_lazy("告知事由")),
             ("get_state_display", gettext_lazy("状态")),
             ("get_feedback_display", gettext_lazy("反馈结果")),
             ("created_at", gettext_lazy("推送时间"))),
            events=(views.Event("created_at", lambda n: _("双告知：推送%(dept)s")
                                % {"dept": n.department.name}),),
            select_related=("department", "event"),
            # Bureau officers only: a department user sees their own notifications in the list.
            permission="dual_notification.view_all_departments",
        )
    )  # fmt: skip
