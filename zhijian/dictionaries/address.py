"""Map a free-text Chinese address to its district and street (town / sub-district).

Used to find an entity's home station: ``parse_address("上海市松江区叶榭镇叶旺路1号")``
gives district 310117 松江区 and street 310117120 叶榭镇.

The parser works on the ``Division`` table of the configured jurisdiction (not on an
external library) with an in-memory index built once per process:

1. The text is normalised (NFKC: full-width digits, letters and brackets become
   half-width; all whitespace is removed).
2. From the start of the text, names are matched level by level, longest name first:
   country (中国), province (上海市 / 上海), city (市辖区, 南京市 / 南京), district
   (松江区 / 松江, 浦东新区 / 浦东, historic names such as 闸北区 / 闸北 mapped to their
   successor), street (叶榭镇, 南京东路街道, 张江高科技园区; 叶榭 without suffix).
   A level may be skipped, but never goes backwards. A name without its suffix is only
   accepted if it is not followed by a road-like word: "张江路" is a road, not 张江镇.
3. If no street follows the district directly, the rest of the text is searched for a
   full street name *of that district only* (never across districts). Without a
   district, a full street name that is unique in the jurisdiction gives both.

Unknown or ambiguous parts are returned as ``None``; ``notes`` says why.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from .datafiles import ancestor_codes, jurisdiction_prefix

# Levels of the matching state machine.
COUNTRY, PROVINCE, CITY, DISTRICT, STREET = range(5)
_LEVELS = {"province": PROVINCE, "city": CITY, "district": DISTRICT, "street": STREET}

_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
_DISTRICT_SUFFIXES = ("自治县", "自治旗", "新区", "区", "县", "市", "旗")
_STREET_SUFFIXES = ("街道办事处", "街道", "地区办事处", "镇", "乡", "苏木")
# Pseudo-cities of the statistics codes: only matched with their full name, never shortened.
_PSEUDO_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# After a name without its suffix, these words mean the name is part of a road or place
# name ("黄浦路" is in 虹口区, "张江路" is a road, "黄浦江" a river), not the division.
_SHORT_NAME_STOP = (
    "路",
    "街",
    "道",
    "弄",
    "巷",
    "号",
    "桥",
    "港",
    "河",
    "浜",
    "泾",
    "塘",
    "湖",
    "江",
    "村",
    "苑",
    "园",
    "坊",
    "里",
    "大道",
    "大街",
    "大桥",
    "公路",
    "广场",
    "大厦",
)
# After a full street name found further in the text: "唐镇路" would be a road.
_FULL_NAME_STOP = ("路", "街", "弄", "巷", "大道", "公路")
_ROAD_ENDINGS = ("路", "街", "道", "弄", "巷")


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    district_code: str | None = None
    district_name: str | None = None
    street_code: str | None = None
    street_name: str | None = None
    #: The span of the normalised input covered by the matched names.
    matched_text: str = ""
    #: 1.0 = full district and street names next to each other; lower for short names,
    #: historic names, a district inferred from the street, a missing street; 0 = nothing.
    confidence: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.district_code is not None


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    level: int
    code: str  # current (resolved) code
    path: tuple[str, ...]  # resolved ancestor codes, outermost first
    short: bool = False
    historic_code: str = ""  # code of the abolished division, if any


def normalize(text: str) -> str:
    """NFKC (full-width -> half-width) and no whitespace at all."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _short_name(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


@dataclass
class _Context:
    codes: dict[int, str] = field(default_factory=dict)  # level -> code
    spans: list[tuple[int, int]] = field(default_factory=list)
    terms: dict[int, _Term] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    penalty: float = 0.0

    @property
    def level(self) -> int:
        return max(self.codes, default=COUNTRY)

    def accepts(self, term: _Term) -> bool:
        return all(code in term.path for code in self.codes.values() if code)

    def take(self, term: _Term, start: int) -> None:
        self.codes[term.level] = term.code
        self.terms[term.level] = term
        self.spans.append((start, start + len(term.text)))


class AddressIndex:
    """In-memory index of the division names of one jurisdiction."""

    def __init__(self, divisions: list[tuple[str, str, str, str | None, str | None, bool]]):
        """``divisions``: (code, name, level, parent_code, successor_code, is_current)."""
        self.names: dict[str, str] = {}
        self._by_first: dict[str, list[_Term]] = defaultdict(list)
        by_code = {row[0]: row for row in divisions}
        resolved = {row[0]: self._resolve(row[0], by_code) for row in divisions}
        current_texts: set[str] = set()
        historic: list[_Term] = []
        self._add(_Term("中华人民共和国", COUNTRY, "", ()), current_texts)
        self._add(_Term("中国", COUNTRY, "", ()), current_texts)
        for code, name, level_name, _parent, _successor, is_current in divisions:
            self.names[code] = name
            level = _LEVELS[level_name]
            path = self._path(resolved[code], by_code, resolved)
            if not is_current:
                if level == DISTRICT and resolved[code] != code:
                    historic.extend(self._historic_terms(code, name, resolved[code], path))
                continue
            for text, short in self._texts(name, level):
                self._add(_Term(text, level, code, path, short), current_texts)
        for term in historic:  # historic short names never shadow current names
            if not (term.short and term.text in current_texts):
                self._add(term, None)
        for terms in self._by_first.values():
            terms.sort(key=lambda term: len(term.text), reverse=True)

    # ----------------------------------------------------------------- construction

    @staticmethod
    def _resolve(code: str, by_code: dict) -> str:
        seen = set()
        while code in by_code and not by_code[code][5] and by_code[code][4] and code not in seen:
            seen.add(code)
            code = by_code[code][4]
        return code

    @staticmethod
    def _path(code: str, by_code: dict, resolved: dict) -> tuple[str, ...]:
        path = [code]
        parent = by_code[code][3] if code in by_code else None
        while parent and parent in by_code and len(path) < 6:
            parent = resolved.get(parent, parent)
            path.append(parent)
            parent = by_code[parent][3] if parent in by_code else None
        return tuple(reversed(path))

    @staticmethod
    def _texts(name: str, level: int) -> list[tuple[str, bool]]:
        name = normalize(name)
        texts = [(name, False)]
        if level == CITY and name in _PSEUDO_CITIES:
            return [] if len(name) < 2 else texts
        suffixes = {
            PROVINCE: _PROVINCE_SUFFIXES,
            CITY: _CITY_SUFFIXES,
            DISTRICT: _DISTRICT_SUFFIXES,
            STREET: _STREET_SUFFIXES,
        }[level]
        short = _short_name(name, suffixes)
        if short and not (level == STREET and short.endswith(_ROAD_ENDINGS)):
            texts.append((short, True))
        return texts

    def _historic_terms(self, code: str, name: str, current: str, path: tuple) -> list[_Term]:
        return [
            _Term(text, DISTRICT, current, path, short, historic_code=code)
            for text, short in self._texts(name, DISTRICT)
        ]

    def _add(self, term: _Term, texts: set[str] | None) -> None:
        self._by_first[term.text[0]].append(term)
        if texts is not None:
            texts.add(term.text)

    # ----------------------------------------------------------------- matching

    @staticmethod
    def _stopped(text: str, end: int, stops: tuple[str, ...]) -> bool:
        return text.startswith(stops, end)

    def _candidates(self, text: str, pos: int, ctx: _Context, min_level: int, full_only: bool):
        """Longest valid terms starting at ``pos``: a list of terms of equal length."""
        found: list[_Term] = []
        for term in self._by_first.get(text[pos], ()):
            if found and len(term.text) < len(found[0].text):
                break
            if term.level < min_level or (full_only and term.short):
                continue
            if not text.startswith(term.text, pos) or not ctx.accepts(term):
                continue
            end = pos + len(term.text)
            if term.short and self._stopped(text, end, _SHORT_NAME_STOP):
                continue
            if full_only and self._stopped(text, end, _FULL_NAME_STOP):
                continue
            found.append(term)
        return found

    def _unique(self, found: list[_Term], ctx: _Context) -> _Term | None:
        """The single division meant by equally long matches; the outer level wins."""
        if not found:
            return None
        level = min(term.level for term in found)
        distinct = {term.code: term for term in found if term.level == level}
        if len(distinct) == 1:
            return next(iter(distinct.values()))
        ctx.notes.append("ambiguous_district" if level <= DISTRICT else "ambiguous_street")
        return None

    def _match_prefix(self, text: str, ctx: _Context) -> int:
        pos = 0
        while pos < len(text) and not _is_han(text[pos]):
            pos += 1
        while pos < len(text) and ctx.level < STREET:
            min_level = ctx.level + 1 if ctx.codes else COUNTRY
            term = self._unique(self._candidates(text, pos, ctx, min_level, False), ctx)
            if term is None:
                break
            if term.level > COUNTRY:
                ctx.take(term, pos)
                self._note_term(term, ctx)
            pos += len(term.text)
        return pos

    def _search(self, text: str, pos: int, ctx: _Context) -> None:
        """Find a full street name anywhere after ``pos`` within the context."""
        for start in range(pos, len(text)):
            found = self._candidates(text, start, ctx, STREET, True)
            if not found:
                continue
            term = self._unique(found, ctx)
            if term is not None:
                ctx.take(term, start)
                ctx.penalty += 0.1
                ctx.notes.append("street_not_adjacent")
            return

    @staticmethod
    def _note_term(term: _Term, ctx: _Context) -> None:
        if term.short and term.level == DISTRICT:
            ctx.penalty += 0.1
            ctx.notes.append("short_district_name")
        elif term.short and term.level == STREET:
            ctx.penalty += 0.15
            ctx.notes.append("short_street_name")
        if term.historic_code:
            ctx.penalty += 0.05
            ctx.notes.append(f"historic_district:{term.historic_code}->{term.code}")

    def parse(self, raw: str) -> ParsedAddress:
        text = normalize(raw)
        ctx = _Context()
        pos = self._match_prefix(text, ctx)
        if STREET not in ctx.codes and "ambiguous_street" not in ctx.notes:
            self._search(text, pos, ctx)
        street = ctx.terms.get(STREET)
        district_code = ctx.codes.get(DISTRICT)
        if street is not None and district_code is None:
            district_code = street.path[-2] if len(street.path) > 1 else None
            ctx.penalty += 0.2
            ctx.notes.append("district_from_street")
        if district_code is None:
            ctx.notes.append("no_district")
            return ParsedAddress(notes=tuple(ctx.notes))
        if street is None:
            ctx.penalty += 0.3
            ctx.notes.append("street_not_found")
        start, end = ctx.spans[0][0], ctx.spans[-1][1]
        return ParsedAddress(
            district_code=district_code,
            district_name=self.names.get(district_code),
            street_code=street.code if street else None,
            street_name=self.names.get(street.code) if street else None,
            matched_text=text[start:end],
            confidence=round(max(0.0, 1.0 - ctx.penalty), 2),
            notes=tuple(ctx.notes),
        )


_indexes: dict[str, AddressIndex] = {}


def clear_cache() -> None:
    _indexes.clear()


def build_index(jurisdiction: str) -> AddressIndex:
    from .models import Division

    prefix = jurisdiction_prefix(jurisdiction)
    rows = Division.objects.filter(code__startswith=prefix) | Division.objects.filter(
        code__in=ancestor_codes(jurisdiction)
    )
    return AddressIndex(
        list(rows.values_list("code", "name", "level", "parent_id", "successor_id", "is_current"))
    )


def get_index(jurisdiction: str | None = None) -> AddressIndex:
    jurisdiction = jurisdiction or settings.JURISDICTION
    index = _indexes.get(jurisdiction)
    if index is None:
        index = _indexes[jurisdiction] = build_index(jurisdiction)
    return index


def parse_address(text: str, jurisdiction: str | None = None) -> ParsedAddress:
    """District and street of ``text`` within the jurisdiction (default: settings)."""
    return get_index(jurisdiction).parse(text)
