"""Where an entity belongs: district, street and home station from its address.

The address decides (``Entity.LocationSource.ADDRESS``); a district code given by the provider
is used when the address names no district (``GIVEN``); only when neither works do the USCC's
registration-authority digits (positions 3–8, possibly an abolished code) give the district
(``USCC``), and the record says so. The unit a record belongs to is the home station, else the
district bureau, else the root of the organisation tree.

``locate()`` needs no database once ``warm()`` has run (an importer validates in a forked
process that must not touch the database): the unit index, the address index and the
successor chains of the division codes are held in memory.

Speed (an importer locates every row): addresses are parsed once per *head*, the normalised
text before its first ASCII digit ("上海市松江区叶榭镇叶旺路" of "…叶旺路1号"). The parser
(``dictionaries.address``) matches names from the start of the text, level by level, and
stops at the street; when it finds the street within the head (and not by its fallback
search of the rest of the text, note ``street_not_adjacent``), the rest of the text plays no
part in the result, because no division name and no stop word contains an ASCII digit
(checked when the index is loaded; otherwise the whole text is always parsed). Any other
address is parsed whole. Results are cached per head or text (``ADDRESS_CACHE`` entries;
``clear_cache()`` drops everything).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from zhijian.core.models import OrgUnit
from zhijian.dictionaries.address import ParsedAddress, get_index, normalize, parse_address
from zhijian.dictionaries.models import Division

ADDRESS_CACHE = 100_000  # addresses whose location is kept (the cache is emptied when full)


@dataclass(frozen=True)
class Location:
    district_code: str
    street_code: str
    unit_id: int
    source: str  # Entity.LocationSource value
    note: str = ""


class UnitIndex:
    """In-memory maps street → station and district → district bureau (a few hundred rows)."""

    def __init__(self) -> None:
        self.by_street: dict[str, int] = {}
        self.by_district: dict[str, int] = {}
        self.root_id: int | None = None
        for unit in OrgUnit.objects.filter(is_active=True).prefetch_related("streets"):
            if unit.parent_id is None and self.root_id is None:
                self.root_id = unit.pk
            if unit.kind == OrgUnit.Kind.DISTRICT and unit.division_id:
                self.by_district[unit.division_id] = unit.pk
            if unit.kind == OrgUnit.Kind.STATION:
                for street in unit.streets.all():
                    self.by_street.setdefault(street.code, unit.pk)


@lru_cache(maxsize=1)
def unit_index() -> UnitIndex:
    return UnitIndex()


@lru_cache(maxsize=1)
def _divisions() -> dict[str, tuple[bool, str | None]]:
    """code → (is current, successor code) for every division."""
    rows = Division.objects.values_list("code", "is_current", "successor_id")
    return {code: (current, successor) for code, current, successor in rows}


@lru_cache(maxsize=1)
def _heads_decide() -> bool:
    """No division name contains an ASCII digit (see the module docstring)."""
    return not any(_DIGIT.search(normalize(name)) for name in _division_names())


def _division_names() -> list[str]:
    return list(Division.objects.values_list("name", flat=True))


_DIGIT = re.compile("[0-9]")
_UNKNOWN = object()
_heads: dict[str, Location | None | bool] = {}
_texts: dict[str, Location | None] = {}


def clear_cache() -> None:
    unit_index.cache_clear()
    _divisions.cache_clear()
    _heads_decide.cache_clear()
    _current_district.cache_clear()
    _heads.clear()
    _texts.clear()


def warm() -> None:
    """Load everything ``locate()`` reads, so that it runs without the database."""
    unit_index()
    _divisions()
    _heads_decide()
    get_index()


@lru_cache(maxsize=4096)
def _current_district(code: str) -> str:
    """The current code of a division, following successors (as
    ``dictionaries.services.resolve_division``); "" for an unknown code."""
    divisions = _divisions()
    current = code if code in divisions else None
    for _ in range(10):
        if current is None:
            break
        is_current, successor = divisions[current]
        if is_current or successor is None:
            break
        current = successor if successor in divisions else None
    return current or ""


def _address_location(parsed: ParsedAddress) -> Location | None:
    """The location a parsed address gives by itself; ``None`` when it names no district."""
    if not parsed.district_code:
        return None
    index = unit_index()
    unit_id = index.by_street.get(parsed.street_code or "") or index.by_district.get(
        parsed.district_code
    )
    return Location(
        parsed.district_code,
        parsed.street_code or "",
        unit_id or index.root_id,
        "address",
        "" if parsed.street_code else "住所未能解析到街道、乡镇，归属区局",
    )


def _bounded(cache: dict, key: str, value) -> None:
    if len(cache) >= ADDRESS_CACHE:
        cache.clear()
    cache[key] = value


def _by_head(head: str) -> Location | None | bool:
    """The location of every address starting with ``head`` (text up to its first digit),
    or ``False`` when the head does not decide it."""
    found = _heads.get(head, _UNKNOWN)
    if found is _UNKNOWN:
        parsed = parse_address(head)
        decides = parsed.street_code and "street_not_adjacent" not in parsed.notes
        found = _address_location(parsed) if decides else False
        _bounded(_heads, head, found)
    return found


def _by_text(text: str) -> Location | None:
    found = _texts.get(text, _UNKNOWN)
    if found is _UNKNOWN:
        found = _address_location(parse_address(text))
        _bounded(_texts, text, found)
    return found


def _by_address(address: str) -> Location | None:
    text = normalize(address)
    digit = _DIGIT.search(text) if _heads_decide() else None
    if digit is not None and digit.start() > 0:
        found = _by_head(text[: digit.start()])
        if found is not False:
            return found
    return _by_text(text)


def locate(address: str, uscc: str = "", district_hint: str = "") -> Location:
    found = _by_address(address or "")
    if found is not None:
        return found
    index = unit_index()
    if district_hint:
        district = _current_district(district_hint)
        if district in index.by_district:
            return Location(
                district,
                "",
                index.by_district[district],
                "given",
                "住所无法解析，采用数据提供的所属区",
            )
    if uscc and len(uscc) == 18 and uscc[2:8].isdigit():
        district = _current_district(uscc[2:8])
        if district in index.by_district:
            return Location(
                district,
                "",
                index.by_district[district],
                "uscc",
                "住所无法解析，按统一社会信用代码第3-8位（登记机关区划）推定所属区",
            )
    return Location("", "", index.root_id, "none", "住所无法解析，所属区未知，归属市局")
