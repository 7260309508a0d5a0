"""Normalised Shanghai addresses: what "one address" means for 一地多照 (one address, many
entities).

``normalise(address)`` gives the address of the *building* an entity is registered in, in
one canonical spelling, without city, district or town prefix; ``split(address)`` also gives
the district named by the address; ``key(address, district_code)`` puts the district back
(from the address, else from the entity's own district code) because the same road name and
number can exist in two districts (人民路 is in 黄浦区 and in 崇明区城桥镇). The functions are
pure and deterministic: no database, no randomness; the division names come from the
dictionary files shipped in ``zhijian/dictionaries/data`` (read once per process).

Policy, step by step (``VERSION`` changes whenever a step changes, because keys change):

1. **Characters.** NFKC (full-width digits, letters and punctuation become half-width:
   ``１００号`` → ``100号``; Kangxi radicals become ideographs); letters upper-cased
   (``a座`` → ``A座``); traditional or variant forms unified: 號→号, 衖→弄, 樓→楼, 層→层,
   棟→栋, 區→区, 鎮→镇; ``#`` → 号 (``3#楼`` → ``3号楼``); ``第`` before a number dropped.
2. **Noise.** Whitespace, brackets of every kind (the bracket is dropped, its text kept:
   ``100号(近某某路)`` → ``100号近某某路``, cut in step 6), quotes and other punctuation are
   removed; a separator *between two digits* (``、，,。./~`` or a space) becomes ``-`` so that
   ``100、102号`` → ``100-102号`` never becomes ``100102号``; dashes (—–‐−) become ``-``.
3. **Prefixes**, repeatedly from the start: 中国; 上海市 / 上海; 市辖区; the zone
   designators 自由贸易试验区(临港新片区) / 临港新片区 (``中国（上海）自由贸易试验区``; they
   name no district: 临港新片区 spans three, so the entity's district code is used);
   one district: the 16 current names (浦东新区, 徐汇区, …), historic names mapped to their
   successor (南汇区, 川沙县 → 浦东新区; 闸北区 → 静安区; 卢湾区, 南市区 → 黄浦区; 崇明县 →
   崇明区 …) and the short current names (浦东, 徐汇, 松江 …) *unless* followed by a road
   word (``浦东大道``, ``浦东南路``, ``黄浦路``, ``宝山路`` stay) or starting a town name
   (``金山卫镇``, ``嘉定镇街道`` stay); then one town or sub-district (a full name ending in
   镇 / 街道 / 乡 from the division list: 张江镇, 徐家汇街道, 叶榭镇 …) *only* if it belongs
   to the district found (or names it, being unique in Shanghai) and what follows is a road
   address (a 路 / 街 / 大道 / 公路 / 巷 before the first digit). ``张江镇某某村3组5号`` keeps
   its town (village names repeat between towns); ``唐镇路1号`` is a road, not 唐镇.
4. **Numbers in Chinese numerals** directly after 路 / 街 / 道 / 巷 / 弄 / 村 / 组 / 号 and
   directly before 号 / 弄 / 幢 / 栋 / 座 / 组 become digits: ``某某路一〇八号`` and
   ``某某路一百零八号`` → ``某某路108号``; ``某某村三组`` → ``某某村3组``. Irregular forms
   (``一百八``, which some read as 180) and numerals elsewhere (``三号桥路``, ``四川北路``)
   are left alone.
5. **Buildings.** ``N号楼 / N号栋 / N号幢 / N号座 / N号厂房 / N号仓库 / N栋 / N座 / N幢`` (N
   digits or letters) and a single letter with 楼 (``A楼``) become ``N幢``; inside a lane
   (``弄``), ``5号楼`` is the house ``5号`` (``100弄5号楼`` ≡ ``100弄5号``).
6. **Cut at the building.** The address is cut after the house number — the first
   ``N号`` (``100号``, ``100-1号``, ``100甲号``; not ``3号桥``, ``1号线``, ``2号路``,
   ``3号码头``), else the first ``N弄`` — plus a building immediately after it (``1幢``).
   Everything else — floors (3楼, 5层, 12F, B1), rooms (301室, 301房, 部位), units (单元),
   names of buildings and notes — is dropped. Without a house number: cut after the first
   building (``N幢``), else before the first floor or room; a road followed by a bare number
   at the end takes 号 (``某某路100`` → ``某某路100号``).
7. An address shorter than ``MIN_LENGTH`` characters after all this (``无``, ``不详``,
   ``上海市``) is no address: ``key`` returns ``""``.

Examples (all give ``浦东新区张江路100号`` with ``key``)::

    上海市浦东新区张江路100号            浦东新区张江路１００号3楼301室
    上海市浦东新区张江镇张江路100号5层    张江路100號 (entity in district 310115)
    中国（上海）自由贸易试验区张江路100号801室 (entity in district 310115)
    上海浦东张江路一〇〇号 12F           上海市 浦东新区 张江路 100 号（近科苑路）

and these stay apart: ``张江路100号`` / ``张江路1000号`` / ``张江路100号1幢`` /
``张江路100弄5号`` / ``张江路100弄6号``; ``浦东新区人民路1号`` / ``松江区人民路1号``.
A building given in one registration and missing in another (``100号1幢`` vs ``100号``) is
kept apart on purpose: the compound may have several buildings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

VERSION = 1
MIN_LENGTH = 4
SHANGHAI = "31"

# --- step 1-2: characters ---------------------------------------------------------------------

_SEP = "\x01"  # a soft separator: "-" between two digits, nothing elsewhere
_CHARS = {
    "號": "号",
    "衖": "弄",
    "樓": "楼",
    "層": "层",
    "棟": "栋",
    "區": "区",
    "鎮": "镇",
    "#": "号",
    "—": "-",
    "–": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "─": "-",
}
_CHARS.update({chr(c): chr(c - 32) for c in range(ord("a"), ord("z") + 1)})
_CHARS.update(dict.fromkeys(" \t\r\n\x0b\x0c,、。./~", _SEP))
_CHARS.update(
    dict.fromkeys("()[]{}<>【】〔〕《》〈〉「」『』〖〗'\"“”‘’`·•・;；:：!?*^_|\\=+&@$%", "")
)
_TRANSLATE = str.maketrans(_CHARS)
_SEP_BETWEEN_DIGITS = re.compile(f"(?<=[0-9]){_SEP}+(?=[0-9])")
_ORDINAL = re.compile(r"第(?=[0-9])")

# --- step 3: prefixes ---------------------------------------------------------------------------

_COUNTRY, _CITY, _SHORT_CITY, _ZONE, _DISTRICT, _SHORT_DISTRICT, _TOWN = range(7)
_FIXED = [
    ("中国", _COUNTRY),
    ("中华人民共和国", _COUNTRY),
    ("上海市", _CITY),
    ("上海", _SHORT_CITY),
    ("市辖区", _CITY),
    ("自由贸易试验区临港新片区", _ZONE),
    ("自由贸易试验区", _ZONE),
    ("临港新片区", _ZONE),
]
# After a short district name: a road, so the name belongs to the road (浦东南路, 黄浦路).
_ROAD_AFTER_SHORT = re.compile(
    r"[东南西北中]?[一二三四五六七八九]?(?:路|街|道|弄|巷|桥|港|江|河|浜|泾|塘|湖|大道|公路|支路|大街)"
)
_ROAD_WORDS = ("路", "街", "大道", "公路", "巷", "弄")
_ROAD_BEFORE_DIGIT = re.compile(r"[^0-9]*?(?:路|街|大道|公路|巷)")


@cache
def _divisions() -> tuple[dict, dict, dict]:
    """For Shanghai, from the dictionary files: (prefixes by first character, longest first;
    current district code → name; town names by first character)."""
    from zhijian.dictionaries.datafiles import read_divisions

    rows = read_divisions(SHANGHAI + "0000")
    by_code = {row.code: row for row in rows}

    def current(code: str) -> str:
        seen = set()
        while code in by_code and by_code[code].successor_code and code not in seen:
            seen.add(code)
            code = by_code[code].successor_code
        return code

    names, towns, prefixes = {}, {}, list(_FIXED)
    for row in rows:
        if row.level == "district" and not row.successor_code:
            names[row.code] = row.name
    for row in rows:
        if row.level == "district":
            code = current(row.code)
            if code not in names:
                continue
            prefixes.append((row.name, _DISTRICT, code))
            if not row.successor_code:
                for suffix in ("新区", "区"):
                    if row.name.endswith(suffix) and len(row.name) - len(suffix) >= 2:
                        prefixes.append((row.name[: -len(suffix)], _SHORT_DISTRICT, code))
                        break
        elif (
            row.level == "street"
            and row.name.endswith(("镇", "街道", "乡"))
            and row.parent_code in names
            and row.name not in towns
        ):
            towns[row.name] = row.parent_code
            prefixes.append((row.name, _TOWN, row.parent_code))
    by_first: dict[str, list] = {}
    towns_by_first: dict[str, tuple] = {}
    for name in towns:
        towns_by_first[name[0]] = (*towns_by_first.get(name[0], ()), name)
    for entry in prefixes:
        text, kind, *code = entry
        by_first.setdefault(text[0], []).append((text, kind, code[0] if code else ""))
    for entries in by_first.values():
        entries.sort(key=lambda e: -len(e[0]))
    return by_first, names, towns_by_first


def _strip_prefixes(text: str) -> tuple[str | None, str]:
    """(district named, text without the prefixes of step 3)."""
    by_first, _names, towns = _divisions()
    district = None
    town = False
    while text:
        for prefix, kind, code in by_first.get(text[0], ()):
            if not text.startswith(prefix):
                continue
            rest = text[len(prefix) :]
            if kind == _DISTRICT:
                if district is not None and district != code:
                    continue
            elif kind == _SHORT_CITY:
                if _ROAD_AFTER_SHORT.match(rest):
                    continue
            elif kind == _SHORT_DISTRICT:
                if district is not None or _ROAD_AFTER_SHORT.match(rest):
                    continue
                if text.startswith(towns.get(text[0], ())):
                    continue
            elif kind == _TOWN:
                if town or (district is not None and district != code):
                    continue
                if rest.startswith(_ROAD_WORDS) or not _ROAD_BEFORE_DIGIT.match(rest):
                    continue
                town = True
            if kind in (_DISTRICT, _SHORT_DISTRICT, _TOWN) and district is None:
                district = code
            text = rest
            break
        else:
            break
    return district, text


# --- step 4: Chinese numerals -------------------------------------------------------------------

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = re.compile(r"(?<=[路街道巷弄村组号])([〇零一二三四五六七八九十百千]+)(?=[号弄幢栋座组])")
_NUMERAL_CHAR = re.compile("[〇零一二三四五六七八九十百千]")


def chinese_number(text: str) -> int | None:
    """108 for 一〇八, 一零八 or 一百零八; 12 for 十二; None for anything irregular."""
    if not text:
        return None
    if not any(c in _UNITS for c in text):
        if not all(c in _DIGITS for c in text) or (len(text) > 1 and _DIGITS[text[0]] == 0):
            return None  # 〇一 would lose its zero
        return int("".join(str(_DIGITS[c]) for c in text))
    total, digit, last_unit, zero = 0, None, 10_000, False
    for i, char in enumerate(text):
        if char in _UNITS:
            unit = _UNITS[char]
            if unit >= last_unit or (digit is None and not (i == 0 and unit == 10)):
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
        elif _DIGITS[char] == 0:
            if digit is not None or zero or i == 0:
                return None
            zero = True
        else:
            if digit is not None:
                return None
            digit = _DIGITS[char]
    if digit is not None:
        if not (zero or last_unit == 10):
            return None  # 一百八: 108 or 180?
        total += digit
    elif zero:
        return None
    return total


def _numeral(match: re.Match) -> str:
    value = chinese_number(match.group(1))
    return match.group(1) if value is None else str(value)


# --- step 5-6: buildings and the cut --------------------------------------------------------------

_LANE_HOUSE_BUILDING = re.compile(r"(弄[0-9]+[A-Z]?)号(?:楼|栋|幢|座)")
_BUILDING = re.compile(r"([0-9A-Z]+(?:-[0-9A-Z]+)?)(?:号(?:楼|栋|幢|座|厂房|仓库|库房)|栋|幢|座)")
_BUILDING_CHAR = re.compile("[楼栋幢座]|厂房|仓库|库房")
_LETTER_BUILDING = re.compile(r"(?<![0-9A-Z])([A-Z])楼")
_HOUSE = re.compile(r"[0-9]+[A-Z]?(?:-[0-9]+[A-Z]?)*[甲乙丙丁]?号(?![路街桥巷线港浜码])")
_LANE = re.compile(r"[0-9]+(?:-[0-9]+)?弄")
_BUILDING_AT = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)?幢")
_FLOOR_OR_ROOM = re.compile(r"-?[0-9A-Z]+(?:-[0-9A-Z]+)*(?:层|楼|F|室|房|单元|部位)")
_TRAILING_NUMBER = re.compile(r"(?<=[路街道巷])([0-9]+)$")


def _cut(text: str) -> str:
    match = _HOUSE.search(text) or _LANE.search(text)
    if match:
        end = match.end()
        building = _BUILDING_AT.match(text, end)
        return text[: building.end() if building else end]
    match = _BUILDING_AT.search(text)
    if match:
        return text[: match.end()]
    match = _FLOOR_OR_ROOM.search(text)
    if match:
        text = text[: match.start()]
    return _TRAILING_NUMBER.sub(r"\1号", text.strip("-"))


# --- the API --------------------------------------------------------------------------------------


def split(address: str) -> tuple[str | None, str]:
    """(district code named by ``address`` or None, the normalised address without it)."""
    text = unicodedata.normalize("NFKC", address or "").translate(_TRANSLATE)
    if _SEP in text:
        text = _SEP_BETWEEN_DIGITS.sub("-", text).replace(_SEP, "")
    if "第" in text:
        text = _ORDINAL.sub("", text)
    district, text = _strip_prefixes(text)
    if _NUMERAL_CHAR.search(text):
        text = _NUMERAL.sub(_numeral, text)
    if _BUILDING_CHAR.search(text):
        if "弄" in text:
            text = _LANE_HOUSE_BUILDING.sub(r"\1号", text)
        text = _BUILDING.sub(r"\1幢", text)
        if "楼" in text:
            text = _LETTER_BUILDING.sub(r"\1幢", text)
    return district, _cut(text)


def normalise(address: str) -> str:
    """The building ``address`` is at, canonically spelled, without city/district/town."""
    return split(address)[1]


def district_name(code: str) -> str:
    """浦东新区 for 310115 (and for the historic 310119); ``[code]`` if unknown; "" if blank."""
    if not code:
        return ""
    names = _divisions()[1]
    return names.get(code) or names.get(_successors().get(code, ""), f"[{code}]")


@cache
def _successors() -> dict[str, str]:
    from zhijian.dictionaries.datafiles import read_historic_divisions

    rows = {row.code: row.successor_code for row in read_historic_divisions()}
    out = {}
    for code in rows:
        seen, current = set(), code
        while rows.get(current) and current not in seen:
            seen.add(current)
            current = rows[current]
        out[code] = current
    return out


def key(address: str, district_code: str = "") -> str:
    """District name + normalised address: ``浦东新区张江路100号``. The district is the one
    the address names, else ``district_code`` (the entity's), else none; "" if the address
    is too short to be one (``MIN_LENGTH``)."""
    district, text = split(address)
    if len(text) < MIN_LENGTH:
        return ""
    return district_name(district or district_code) + text
