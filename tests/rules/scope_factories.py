"""Data-scope walk factories for the scoped models of zhijian.rules (see tests/scope_world.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.scope_world import _entity, factory
from zhijian.core.models import OrgUnit


@factory("risk.warning")
def make_warning(unit: OrgUnit, tag: str):
    from zhijian.rules.models import RuleRun, Warning

    entity = _entity(unit, f"{tag}预警对象")
    run = RuleRun.objects.create(
        rule_id="scope_test", version="0", as_of=dt.date(2026, 1, 5), trigger="manual",
        status="done", started_at=timezone.now(),
    )  # fmt: skip
    warning = Warning.objects.create(
        rule_id="scope_test", rule_version="0", run=run, entity=entity, key=f"{tag}预警归集键",
        as_of=dt.date(2026, 1, 5), level="normal", route="home_station", unit=unit,
        handling="acknowledge",
    )  # fmt: skip
    return warning, [entity.name, f"{tag}预警归集键"]
