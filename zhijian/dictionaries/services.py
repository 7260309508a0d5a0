"""Dictionary services: loading the shipped data, division and industry lookups.

Calendar arithmetic lives in ``workdays``, the address parser in ``address``; the most used
functions are re-exported here so that other apps can import from one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import chinese_calendar
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models, transaction

from . import address, workdays
from .address import ParsedAddress, parse_address
from .datafiles import ancestor_codes, jurisdiction_prefix, read_divisions, read_industries
from .models import CalendarDay, CalendarYear, Division, Industry
from .workdays import (
    Deadline,
    Roll,
    Unit,
    add_calendar_days,
    add_months,
    add_working_days,
    compute_deadline,
    covered,
    deadline_is_provisional,
    is_in_time,
    is_statutory_holiday,
    is_working_day,
    next_working_day,
    working_days_between,
)

__all__ = [
    "Deadline",
    "ParsedAddress",
    "Roll",
    "Unit",
    "add_calendar_days",
    "add_months",
    "add_working_days",
    "clear_caches",
    "compute_deadline",
    "covered",
    "deadline_is_provisional",
    "district_name",
    "divisions_in",
    "get_industry",
    "industry_name",
    "industry_path",
    "is_in_time",
    "is_statutory_holiday",
    "is_working_day",
    "load_dictionaries",
    "next_working_day",
    "parse_address",
    "resolve_division",
    "working_days_between",
]

logger = logging.getLogger(__name__)

CALENDAR_SOURCE = f"chinese-calendar {chinese_calendar.__version__}"
# chinese-calendar names its holidays in English; the calendar shows the Chinese names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# --------------------------------------------------------------------------- loading


def load_dictionaries(
    force: bool = False, jurisdiction: str | None = None, using: str = DEFAULT_DB_ALIAS
) -> dict[str, int]:
    """Load divisions, industries and the holiday calendar; safe to run any number of times.

    Without ``force`` only missing rows are inserted. With ``force`` existing division and
    industry rows are also updated to the shipped data, and calendar days of every year
    known to chinese-calendar are re-seeded where missing. Calendar days that exist are
    never changed: administrators own them. Without ``force`` a year is seeded only once
    (when its ``CalendarYear`` row is created), so days an administrator deleted stay
    deleted. Returns the number of inserted/updated rows per table.
    """
    jurisdiction = jurisdiction or settings.JURISDICTION
    with transaction.atomic(using=using):
        counts = {
            "divisions": _load_divisions(read_divisions(jurisdiction), force, using),
            "industries": _load_industries(force, using),
            **_load_calendar(force, using),
        }
    clear_caches()
    return counts


def _sync(model, objects: list[models.Model], fields: list[str], force: bool, using: str) -> int:
    """Insert missing rows; with ``force`` also update rows whose ``fields`` differ."""
    manager = model.objects.using(using)
    existing = manager.in_bulk() if force else dict.fromkeys(manager.values_list("pk", flat=True))
    missing = [obj for obj in objects if obj.pk not in existing]
    manager.bulk_create(missing, batch_size=500)
    changed = []
    if force:
        for obj in objects:
            old = existing.get(obj.pk)
            if old is not None and any(getattr(old, f) != getattr(obj, f) for f in fields):
                changed.append(obj)
        manager.bulk_update(changed, fields, batch_size=500)
    return len(missing) + len(changed)


def _load_divisions(rows, force: bool, using: str) -> int:
    codes = {row.code for row in rows}
    objects = [
        Division(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_id=row.parent_code if row.parent_code in codes else None,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            successor_id=row.successor_code if row.successor_code in codes else None,
            is_current=row.valid_to is None,
            is_special_area=row.is_special_area,
        )
        for row in rows
    ]
    fields = ["name", "level", "parent_id", "valid_from", "valid_to", "successor_id"]
    return _sync(Division, objects, [*fields, "is_current", "is_special_area"], force, using)


def _load_industries(force: bool, using: str) -> int:
    objects = [
        Industry(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_id=row.parent_code or None,
            description=row.description,
        )
        for row in read_industries()
    ]
    return _sync(Industry, objects, ["name", "level", "parent_id", "description"], force, using)


def _load_calendar(force: bool, using: str) -> dict[str, int]:
    known = {
        **{
            day: (CalendarDay.Kind.HOLIDAY, name) for day, name in chinese_calendar.holidays.items()
        },
        **{
            day: (CalendarDay.Kind.WORKDAY, name) for day, name in chinese_calendar.workdays.items()
        },
    }
    library_years = {day.year for day in known}
    existing_years = set(CalendarYear.objects.using(using).values_list("year", flat=True))
    seed_years = library_years if force else library_years - existing_years
    existing_days = set(
        CalendarDay.objects.using(using)
        .filter(date__year__in=seed_years)
        .values_list("date", flat=True)
    )
    days = [
        CalendarDay(date=day, kind=kind, name=HOLIDAY_NAMES.get(name, name), source=CALENDAR_SOURCE)
        for day, (kind, name) in sorted(known.items())
        if day.year in seed_years and day not in existing_days
    ]
    CalendarDay.objects.using(using).bulk_create(days, batch_size=500)
    years = [
        CalendarYear(year=year, complete=True, source=CALENDAR_SOURCE)
        for year in sorted(library_years - existing_years)
    ]
    CalendarYear.objects.using(using).bulk_create(years)
    return {"calendar_days": len(days), "calendar_years": len(years)}


def clear_caches() -> None:
    """Drop every per-process cache of this app (calendar, address index, lookups)."""
    workdays.clear_cache()
    address.clear_cache()
    _industries.clear()
    _division_names.clear()


# --------------------------------------------------------------------------- divisions

_division_names: dict[str, str] = {}


def district_name(code: str) -> str | None:
    """Name of a division code as loaded (historic codes keep their own name: 闸北区)."""
    if not _division_names:
        _division_names.update(Division.objects.values_list("code", "name"))
    return _division_names.get(code)


def resolve_division(code: str) -> Division | None:
    """The current division for a code, following successors (310108 -> 310106 静安区)."""
    division = Division.objects.filter(code=code).first()
    for _ in range(10):
        if division is None or division.is_current or division.successor_id is None:
            break
        division = Division.objects.filter(code=division.successor_id).first()
    return division


def divisions_in(
    jurisdiction: str | None = None,
    level: str | None = None,
    include_historic: bool = False,
) -> models.QuerySet[Division]:
    """Divisions below a jurisdiction (default: settings.JURISDICTION), not including it."""
    jurisdiction = jurisdiction or settings.JURISDICTION
    queryset = Division.objects.filter(code__startswith=jurisdiction_prefix(jurisdiction))
    queryset = queryset.exclude(code=jurisdiction)
    if level:
        queryset = queryset.filter(level=level)
    if not include_historic:
        queryset = queryset.filter(is_current=True)
    return queryset


def jurisdiction_ancestors(jurisdiction: str | None = None) -> list[str]:
    return ancestor_codes(jurisdiction or settings.JURISDICTION)


# --------------------------------------------------------------------------- industries

_industries: dict[str, Industry] = {}


def _industry_map() -> dict[str, Industry]:
    if not _industries:
        _industries.update((item.code, item) for item in Industry.objects.all())
    return _industries


def get_industry(code: str) -> Industry | None:
    return _industry_map().get((code or "").strip().upper())


def industry_name(code: str) -> str | None:
    industry = get_industry(code)
    return industry.name if industry else None


def industry_path(code: str) -> list[Industry]:
    """The node and its ancestors, outermost first: '0111' -> [A, 01, 011, 0111].

    Returns an empty list for an unknown code.
    """
    items = _industry_map()
    path: list[Industry] = []
    node = items.get((code or "").strip().upper())
    while node is not None and len(path) < 4:
        path.append(node)
        node = items.get(node.parent_id) if node.parent_id else None
    return list(reversed(path))


def industry_codes(codes: Iterable[str]) -> dict[str, Industry]:
    """Look up many industry codes at once (unknown codes are left out)."""
    items = _industry_map()
    return {code: items[code] for code in codes if code in items}
