"""The entity file's section of inspections with their rectification orders.

The register's own section (``inspections``, exchange table 5) already lists every inspection
with its method and outcome (recorded inspections write an ``InspectionRecord``); this one adds
what only this app knows: findings, the rectification order, its deadline and state.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijian.registry import views as registry_views

from .models import Rectification

KEY = "rectifications"


def register() -> None:
    if any(s.key == KEY for s in registry_views.SECTIONS):
        return
    registry_views.register_section(
        registry_views.Section(
            KEY,
            gettext_lazy("检查发现问题与整改"),
            Rectification,
            ("-ordered_on", "-pk"),
            (
                ("inspection__number", gettext_lazy("检查编号")),
                ("ordered_on", gettext_lazy("责令日期")),
                ("inspection__findings", gettext_lazy("发现问题")),
                ("order", gettext_lazy("整改要求")),
                ("deadline", gettext_lazy("整改期限")),
                ("get_state_display", gettext_lazy("整改状态")),
                ("closed_on", gettext_lazy("完结日期")),
            ),
            entity_field="inspection__entity",
            select_related=("inspection",),
            events=(
                registry_views.Event(
                    "closed_on",
                    lambda r: (
                        _("整改%(state)s（%(number)s）")
                        % {"state": r.get_state_display(), "number": r.inspection.number}
                    ),
                ),
            ),
        )
    )
