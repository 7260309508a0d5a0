"""Counts of warnings: per rule and month, per district (the warning centre's statistics)."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractMonth


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
    user's scope (the whole city for the city bureau, the own district below it).

    ``map_name`` is the district's name on the district map ("浦东新区"), see ``_map_names``."""
    from zhijian.core.scope import district_code, districts_in_scope

    districts = districts_in_scope(user)
    map_names = _map_names(districts)
    rows = {
        d.code: {
            "code": d.code,
            "name": d.name,
            "map_name": map_names[d.code],
            "total": 0,
            "open": 0,
        }
        for d in districts
    }
    data = queryset.values("entity__unit__path", "state").annotate(n=Count("id")).order_by()
    for row in data:
        code = district_code(row["entity__unit__path"])
        if code in rows:
            rows[code]["total"] += row["n"]
            if row["state"] == "open":
                rows[code]["open"] += row["n"]
    return list(rows.values())


BUREAU_SUFFIXES = ("市场监督管理局", "市场监管局")


def _map_names(districts) -> dict[str, str]:
    """District unit code -> the district's name as the map knows it ("浦东新区").

    By division code first: the unit code is the district's division code (310115), whose
    current name is in the division dictionary (an abolished code follows its successor:
    310108 闸北区 -> 310106 静安区). Only without a dictionary entry the unit's name is used,
    without the bureau suffix ("浦东新区市场监督管理局" -> "浦东新区")."""
    from zhijian.dictionaries.models import Division

    divisions = {
        d.code: d for d in Division.objects.filter(level=Division.Level.DISTRICT).only(
            "code", "name", "is_current", "successor_id")
    }  # fmt: skip
    names = {}
    for unit in districts:
        division = divisions.get(unit.code)
        for _ in range(10):  # successor chains are short (南汇县 -> 南汇区 -> 浦东新区)
            if division is None or division.is_current or not division.successor_id:
                break
            division = divisions.get(division.successor_id)
        if division is not None:
            names[unit.code] = division.name
        else:
            name = unit.name
            for suffix in BUREAU_SUFFIXES:
                name = name.removesuffix(suffix)
            names[unit.code] = name
    return names
