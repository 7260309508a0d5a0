"""Data scope: the one mechanism that limits every query to the user's jurisdiction.

A user sees the records of their organisation unit's subtree: the city bureau sees everything,
a district bureau its district, a station its station. Every scoped model uses
``ScopedManager`` and names, in ``scope_path``, the lookup that reaches the materialised path
of the organisation unit a record belongs to (``"path"`` on OrgUnit itself,
``"unit__path"`` on a user, ``"home_station__path"`` on an entity, …).

Every list, detail, search, count, export and API route gets its queryset from
``Model.objects.visible_to(user)``; the route walk in tests/core/test_data_scope.py proves it.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def scope_prefix(user) -> str | None:
    """The unit path prefix a user may see; ``None`` means nothing at all.

    Superusers without a unit see the whole installation (bootstrap administrator only).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    unit = getattr(user, "unit", None)
    if unit is None:
        return "" if user.is_superuser else None
    return unit.path


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        return self.filter(**{f"{self.model.scope_path}__startswith": prefix})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def district_code(path: str) -> str | None:
    """The code of the district bureau a unit path lies in (city / district / station: the
    second code), ``None`` for the city bureau itself."""
    parts = [p for p in (path or "").split("/") if p]
    return parts[1] if len(parts) >= 2 else None


def districts_in_scope(user) -> list:
    """The district bureaus a user's scope covers or lies in, by code: all of them for the
    city bureau, the own district below it (another district is never named)."""
    from zhijian.core.models import OrgUnit

    prefix = scope_prefix(user)
    if prefix is None:
        return []
    return [
        d for d in OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("code")
        if d.path.startswith(prefix) or prefix.startswith(d.path)
    ]  # fmt: skip


def scoped_models() -> list[type[models.Model]]:
    """Every model whose records are limited by data scope (used by the route walk test)."""
    return [m for m in apps.get_models() if getattr(m, "scope_path", None)]
