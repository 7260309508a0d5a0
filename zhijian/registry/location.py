"""Where an entity belongs: district, street and home station from its address.

The address decides (``Entity.LocationSource.ADDRESS``); a district code given by the provider
is used when the address names no district (``GIVEN``); only when neither works do the USCC's
registration-authority digits (positions 3–8, possibly an abolished code) give the district
(``USCC``), and the record says so. The unit a record belongs to is the home station, else the
district bureau, else the root of the organisation tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zhijian.core.models import OrgUnit
from zhijian.dictionaries.address import parse_address
from zhijian.dictionaries.services import resolve_division


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


def clear_cache() -> None:
    unit_index.cache_clear()
    _current_district.cache_clear()


@lru_cache(maxsize=4096)
def _current_district(code: str) -> str:
    division = resolve_division(code)
    return division.code if division is not None else ""


def locate(address: str, uscc: str = "", district_hint: str = "") -> Location:
    index = unit_index()
    parsed = parse_address(address or "")
    if parsed.district_code:
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
