"""How the business apps plug into the shell, each from its ``AppConfig.ready()``:

- ``add_menu_group(MenuGroup(...))``: a group of the module menu (before 系统管理);
- ``grant(role_code, permissions)``: business permissions of a role (``core.roles``);
- ``todo.register(provider)``: the app's part of the home page's to-do count;
- ``registry.views.register_section(Section(...))``: the app's section of the entity file;
- ``register_data_sources(fn)``: ``fn(user) -> set[str]``, the data sources (部门) a user
  answers for (e.g. the partner departments a user is a member of), used for 归集信息反馈;
- a module ``<app>.demo_data`` with ``build(stdout) -> str | None``: the app's demo data, run
  by ``zhijian demo`` after the synthetic city (idempotent: it must add nothing when its data
  already exists); the returned line is printed with the demo summary.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from . import navigation, roles

SYSTEM_GROUP = "系统管理"


def add_menu_group(group: navigation.MenuGroup, before: str = SYSTEM_GROUP) -> None:
    """Insert ``group`` before the group labelled ``before`` (appended if there is none);
    a group with the same label is replaced (so that a repeated ``ready()`` adds it once)."""
    menu = navigation.MENU
    menu[:] = [g for g in menu if str(g.label) != str(group.label)]
    at = next((i for i, g in enumerate(menu) if str(g.label) == before), len(menu))
    menu.insert(at, group)


_DATA_SOURCES: list = []


def register_data_sources(fn) -> None:
    """Register ``fn(user) -> set of source names`` (idempotent)."""
    if fn not in _DATA_SOURCES:
        _DATA_SOURCES.append(fn)


def data_sources(user) -> set[str]:
    """The data sources (providing departments' names) ``user`` answers for."""
    names: set[str] = set()
    for fn in _DATA_SOURCES:
        names |= set(fn(user))
    return {n for n in names if n}


def grant(role_code: str, permissions) -> None:
    """Add ``permissions`` ("app_label.codename") to the declared permissions of a role."""
    if role_code not in roles.ROLES:
        raise KeyError(f"unknown role {role_code}")
    roles.ROLE_PERMISSIONS.setdefault(role_code, set()).update(permissions)


def demo_steps() -> list:
    """The ``build`` functions of the installed apps' ``demo_data`` modules, in app order."""
    steps = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_data"
        if config.name.startswith("zhijian.") and find_spec(name) is not None:
            steps.append(import_module(name).build)
    return steps
