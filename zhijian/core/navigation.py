"""The module navigation: one menu, filtered by the user's permissions.

Apps add their entries to ``MENU`` (label, url name, permission or None, icon letter).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None


@dataclass(frozen=True)
class MenuGroup:
    label: str
    items: tuple[MenuItem, ...]


MENU: list[MenuGroup] = [
    MenuGroup(_("工作台"), (MenuItem(_("首页"), "core:home"),)),
    MenuGroup(
        _("市场主体"),
        (MenuItem(_("主体查询"), "registry:entity_search", "registry.view_entity"),),
    ),
    MenuGroup(
        _("数据归集"),
        (
            MenuItem(_("数据导入"), "exchange:upload", "exchange.import_data"),
            MenuItem(_("归集信息反馈"), "exchange:batch_list", "exchange.view_importbatch"),
        ),
    ),
    MenuGroup(
        _("系统管理"),
        (
            MenuItem(_("组织机构"), "core:unit_list", "core.view_orgunit"),
            MenuItem(_("用户"), "core:user_list", "core.view_user"),
            MenuItem(_("角色"), "core:role_list", "core.view_role"),
            MenuItem(_("工作日历"), "dictionaries:calendar", "dictionaries.view_calendarday"),
            MenuItem(
                _("参数设置"), "dictionaries:parameter_list", "dictionaries.view_parametervalue"
            ),
        ),
    ),
    MenuGroup(
        _("数据字典"),
        (
            MenuItem(_("行政区划"), "dictionaries:division_list", "dictionaries.view_division"),
            MenuItem(_("行业分类"), "dictionaries:industry_list", "dictionaries.view_industry"),
        ),
    ),
    MenuGroup(
        _("安全审计"),
        (MenuItem(_("审计日志"), "audit:record_list", "audit.view_auditrecord"),),
    ),
]


def menu_for(user) -> list[dict]:
    groups = []
    for group in MENU:
        items = []
        for item in group.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # a module that is not built yet has no route
                continue
            items.append({"label": item.label, "url": url})
        if items:
            groups.append({"label": group.label, "items": items})
    return groups
