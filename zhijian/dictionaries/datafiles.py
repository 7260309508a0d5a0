"""Read the dictionary files shipped in ``zhijian/dictionaries/data/``.

``divisions.csv.gz`` and ``industries.csv.gz`` are derived by ``scripts/derive_dictionaries.py``;
``historic_divisions.csv`` is maintained by hand (sources: domain-rules §2 and the validity
ranges of python-stdnum 2.2 ``stdnum/cn/loc.dat``).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.csv.gz"
HISTORIC_DIVISIONS_FILE = DATA_DIR / "historic_divisions.csv"
INDUSTRIES_FILE = DATA_DIR / "industries.csv.gz"


@dataclass(frozen=True, slots=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str
    valid_from: int | None = None
    valid_to: int | None = None
    successor_code: str = ""

    @property
    def is_special_area(self) -> bool:
        """Statistics codes x400-x599 in digits 7-9: development zones, farms, parks."""
        return len(self.code) == 9 and 400 <= int(self.code[6:]) <= 599


@dataclass(frozen=True, slots=True)
class IndustryRow:
    code: str
    name: str
    level: str
    parent_code: str
    description: str


def _gzip_csv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def jurisdiction_prefix(code: str) -> str:
    """The code prefix shared by all divisions inside a jurisdiction.

    310000 (province) -> "31", 310100 (city) -> "3101", 310115 (district) -> "310115".
    """
    if len(code) != 6 or not code.isdigit():
        raise ImproperlyConfigured(f"JURISDICTION must be a 6-digit division code, not {code!r}")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def ancestor_codes(code: str) -> list[str]:
    """Codes of the province and city above a 6-digit code (not including the code)."""
    prefix = jurisdiction_prefix(code)
    ancestors = []
    if len(prefix) >= 4:
        ancestors.append(code[:2] + "0000")
    if len(prefix) == 6:
        ancestors.append(code[:4] + "00")
    return ancestors


def read_divisions(jurisdiction: str) -> list[DivisionRow]:
    """Current divisions of the jurisdiction and its ancestors, then its historic ones.

    Ordered so that every parent comes before its children.
    """
    prefix = jurisdiction_prefix(jurisdiction)
    wanted = set(ancestor_codes(jurisdiction))
    rows = [
        DivisionRow(item["code"], item["name"], item["level"], item["parent_code"])
        for item in _gzip_csv(DIVISIONS_FILE)
        if item["code"].startswith(prefix) or item["code"] in wanted
    ]
    if not any(row.code == jurisdiction for row in rows):
        raise ImproperlyConfigured(f"JURISDICTION {jurisdiction} is not a known division code")
    rows.extend(row for row in read_historic_divisions() if row.code.startswith(prefix))
    order = {"province": 0, "city": 1, "district": 2, "street": 3}
    rows.sort(key=lambda row: (order[row.level], row.code))
    return rows


def read_historic_divisions() -> list[DivisionRow]:
    text = HISTORIC_DIVISIONS_FILE.read_text(encoding="utf-8")
    return [
        DivisionRow(
            code=item["code"],
            name=item["name"],
            level=item["level"],
            parent_code=item["parent_code"],
            valid_from=int(item["valid_from"]) if item["valid_from"] else None,
            valid_to=int(item["valid_to"]) if item["valid_to"] else None,
            successor_code=item["successor_code"],
        )
        for item in csv.DictReader(io.StringIO(text))
    ]


def read_industries() -> list[IndustryRow]:
    """All GB/T 4754-2017 nodes, parents before children."""
    rows = [
        IndustryRow(
            item["code"], item["name"], item["level"], item["parent_code"], item["description"]
        )
        for item in _gzip_csv(INDUSTRIES_FILE)
    ]
    order = {"section": 0, "division": 1, "group": 2, "class": 3}
    rows.sort(key=lambda row: (order[row.level], row.code))
    return rows
