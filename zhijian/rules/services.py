"""Risk warnings: handling (dispose a task warning, acknowledge a 阅知 reminder), the lists
and the export. The only place, besides the engine that raises them, that changes warnings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db.models import Max

from zhijian.audit.services import log

from .models import Warning

EXPORT_COLUMNS = ("rule", "uscc", "as_of", "level", "key", "parameters", "routed_to")


class WarningError(Exception):
    """A refused operation; the message is for the user (Chinese)."""


def parameter_values(warning: Warning) -> dict:
    """{name: value} of the parameters the warning's rule used."""
    return {name: used.get("value") for name, used in (warning.parameters or {}).items()}


def routed_to(warning: Warning) -> str:
    """The unit code, and the department when the rule names one (``310115/信用监管科``)."""
    code = warning.unit.code
    return f"{code}/{warning.department}" if warning.department else code


def latest_per_rule_and_entity(queryset):
    """The latest warning of each (rule, entity) in ``queryset``."""
    latest = queryset.values("rule_id", "entity_id").annotate(last=Max("id")).values("last")
    return Warning.objects.filter(pk__in=latest)


def export_rows(queryset):
    yield list(EXPORT_COLUMNS)
    rows = latest_per_rule_and_entity(queryset).select_related("entity", "unit")
    for w in rows.order_by("rule_id", "entity__uscc").iterator(chunk_size=2000):
        yield [
            w.rule_id, w.entity.uscc, w.as_of.isoformat(), w.level, w.key,
            json.dumps(parameter_values(w), ensure_ascii=False, sort_keys=True), routed_to(w),
        ]  # fmt: skip


def export_csv(path: Path, *, rule_id: str | None = None, queryset=None) -> int:
    """Write the export to ``path``; returns the number of warnings written (audited)."""
    qs = queryset if queryset is not None else Warning.objects.all()
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    count = -1
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in export_rows(qs):
            writer.writerow(row)
            count += 1
    log("export", object_type="risk.warning", object_repr=f"导出监管预警 {count} 条",
        detail={"rule": rule_id or "", "rows": count, "file": path.name})  # fmt: skip
    return count
