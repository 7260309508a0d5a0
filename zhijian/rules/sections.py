"""The entity file's section of risk warnings."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijian.registry import views as registry_views

from .models import Warning

KEY = "warnings"


def register() -> None:
    if any(s.key == KEY for s in registry_views.SECTIONS):
        return
    registry_views.register_section(
        registry_views.Section(
            KEY,
            gettext_lazy("风险预警"),
            Warning,
            ("-as_of", "-pk"),
            (
                ("as_of", gettext_lazy("预警日期")),
                ("rule_name", gettext_lazy("预警规则")),
                ("key", gettext_lazy("归集键")),
                ("get_level_display", gettext_lazy("等级")),
                ("unit", gettext_lazy("承办机构")),
                ("get_state_display", gettext_lazy("状态")),
                ("get_disposition_display", gettext_lazy("处置结果")),
            ),
            select_related=("unit",),
            events=(
                registry_views.Event(
                    "as_of", lambda w: _("风险预警：%(rule)s") % {"rule": w.rule_name}
                ),
            ),
        )
    )
