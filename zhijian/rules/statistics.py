"""Counts of warnings: per rule and month, per district (the warning centre's statistics)."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractMonth

from zhijian.core.models import OrgUnit


def by_rule_and_month(queryset, year: int, name_of) -> dict:
    """{"rows": [(rule id, name, [12 counts], total)], "totals": [12], "total": n}."""
    counts: dict[str, list[int]] = {}
    rows = (
        queryset.filter(as_of__year=year)
        .annotate(month=ExtractMonth("as_of"))
        .values("rule_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["rule_id"], [0] * 12)[row["month"] - 1] = row["n"]
    table = [(rule_id, name_of(rule_id), months, sum(months)) for rule_id, months in
             sorted(counts.items())]  # fmt: skip
    totals = [sum(months[i] for _r, _n, months, _t in table) for i in range(12)]
    return {"rows": table, "totals": totals, "total": sum(totals)}


def by_district(queryset, user) -> list[dict]:
    """Warnings (and open ones) per district of the entity's home unit: every district in the
    user's scope (the whole city for the city bureau, the own district below it)."""
    from zhijian.core.scope import scope_prefix

    prefix = scope_prefix(user)
    if prefix is None:
        return []
    districts = [
        d for d in OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("code")
        if d.path.startswith(prefix) or prefix.startswith(d.path)
    ]  # fmt: skip
    rows = {d.code: {"code": d.code, "name": d.name, "total": 0, "open": 0} for d in districts}
    data = queryset.values("entity__unit__path", "state").annotate(n=Count("id")).order_by()
    for row in data:
        parts = [p for p in (row["entity__unit__path"] or "").split("/") if p]
        code = parts[1] if len(parts) >= 2 else None
        if code in rows:
            rows[code]["total"] += row["n"]
            if row["state"] == "open":
                rows[code]["open"] += row["n"]
    return list(rows.values())
