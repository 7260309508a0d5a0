"""Derive the compact dictionary files shipped in ``zhijian/dictionaries/data/``.

One-off derivation, committed so that the shipped files can be re-derived and checked:

    python scripts/derive_dictionaries.py              # write the files
    python scripts/derive_dictionaries.py --check      # exit 1 if the shipped files differ

Input is the reference data folder (default ``../shared/data`` next to the repository,
or ``--source``). It is NOT needed at run time: a fresh clone only uses the derived files.

Outputs (UTF-8 CSV with a header row, ``\\n`` line ends, gzip without a timestamp so that
re-running gives byte-identical files):

* ``divisions.csv.gz``: ``code,name,level,parent_code`` for the whole country, from
  ``divisions/{provinces,cities,areas,streets}.csv`` (modood/Administrative-divisions-of-China,
  statistics codes, 2023 edition). Provinces (2 digits) and cities (4 digits) are written in
  their 6-digit form (31 -> 310000, 3101 -> 310100). Cities without districts (东莞,
  中山, 儋州) are listed once, as cities; their streets have the city as parent.
* ``industries.csv.gz``: ``code,name,level,parent_code,description`` for GB/T 4754-2017
  (as amended by Amendment No. 1), from ``industry/gb4754_2017_init_data.sql``
  (wssmao/industry_category) with the corrections listed in ``INDUSTRY_CORRECTIONS``.

``historic_divisions.csv`` in the same folder is maintained by hand (abolished codes with
their validity and successor) and is not touched by this script.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_DIR.parent / "shared" / "data"
OUTPUT_DIR = REPO_DIR / "zhijian" / "dictionaries" / "data"

DIVISIONS_FILE = "divisions.csv.gz"
INDUSTRIES_FILE = "industries.csv.gz"
DIVISION_HEADER = ("code", "name", "level", "parent_code")
INDUSTRY_HEADER = ("code", "name", "level", "parent_code", "description")

# GB/T 4754-2017 sections and the divisions (2-digit codes) each one contains.
SECTION_RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

# Expected size of the classification after the corrections below. 20 sections and
# 97 divisions are stated in the standard's own section notes ("本门类包括01~05大类", ...).
# 473 groups and 1381 classes: the corrected source agrees code by code with three
# independent public copies of the table (see INDUSTRY_CORRECTIONS). Note that some
# secondary pages (e.g. tj.jiangsu.gov.cn, 2025) state 1382 classes; no public table
# with 1382 classes could be found, so 1381 is what we ship and assert.
EXPECTED_INDUSTRY_COUNTS = {"section": 20, "division": 97, "group": 473, "class": 1381}

# Corrections applied to gb4754_2017_init_data.sql. Reference copy used for every item:
# zmshe/capital, src/utils/category.js (commit 0b8f1ae480aadd9f35aca2fd0efb934e9a7101e8),
# a full GB/T 4754-2017 table with notes; the code set was also compared class by class
# with two other public SQL dumps of the standard found on GitHub (a Laravel "industry"
# table with 1772 rows and a nested-set "industry" table with 1971 rows). All three agree
# with the corrected result.
#
# 1. 0179 appears twice; the second row (appended at the end of the file) has an empty
#    name. Keep "0179 其他中药材种植", drop the empty duplicate.
# 2. Group 303 still uses the GB/T 4754-2011 numbering: it lists "3032 建筑陶瓷制品制造"
#    (moved to 3071 in 2017; 3071 is also in the file) and shifts the rest by one.
#    GB/T 4754-2017: 3032 建筑用石加工, 3033 防水建筑材料制造, 3034 隔热和隔音材料制造.
#    The file's 3033/3034/3035 are renumbered to 3032/3033/3034 and its 3032 is dropped.
# 3. "9292 其他未列明国家机构" is a wrong code: the standard has 9299 (group 929 has
#    9291 消防管理机构 and 9299 其他未列明国家机构).
# 4. Group "970 国际组织" is missing (9700 hangs directly under 97): added.
# 5. Wrong parent/level in the file for 3611 (parent 36, level 2), 8421 (parent 832),
#    8890 (parent 8890), 9051-9059 (parent 904), 9221-9226 (parent 921), 9620 (961) and
#    9700 (97). Parents of groups and classes are now always derived from the code
#    (3- and 4-digit codes: code minus its last digit), levels from the code length.
# 6. Cosmetic: names are stripped of surrounding (also full-width) spaces, and line-break
#    spaces left between two Chinese characters in the notes (e.g. "稻 谷") are removed.
#    Rows with ids 1..1956 are the original table; the rows appended without an id at the
#    end of the file (367/3670, 84, 9291, 9292, 0179, 0391/0392/0399, 278/2780,
#    283/2831/2832, 829/8290, 932/9320) complete it and are kept (after fixes 1 and 3).
INDUSTRY_RENUMBER = {"3033": "3032", "3034": "3033", "3035": "3034", "9292": "9299"}
INDUSTRY_DROP = {("3032", "建筑陶瓷制品制造")}
INDUSTRY_ADD = [("970", "国际组织", "")]


# --------------------------------------------------------------------------- helpers


def clean(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "")
    return text.strip().strip("\u3000").strip()


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff\uff0c\u3001])[ \u3000]+(?=[\u4e00-\u9fff])")


def clean_note(text: str | None) -> str:
    return _CJK_GAP.sub("", clean(text))


def render_csv(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    # mtime=0 and no file name: identical input gives identical output.
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- divisions


def derive_divisions(source: Path) -> list[tuple[str, str, str, str]]:
    folder = source / "divisions"
    rows: list[tuple[str, str, str, str]] = []
    for item in read_csv(folder / "provinces.csv"):
        rows.append((f"{item['code']}0000", clean(item["name"]), "province", ""))
    for item in read_csv(folder / "cities.csv"):
        rows.append(
            (f"{item['code']}00", clean(item["name"]), "city", f"{item['provinceCode']}0000")
        )
    cities = {row[0] for row in rows}
    for item in read_csv(folder / "areas.csv"):
        # Prefecture-level cities without districts (东莞 441900, 中山 442000, 儋州 460400)
        # appear again as their own "area" with the same code: keep the city row only;
        # their streets hang directly under the city.
        if item["code"] in cities:
            continue
        rows.append((item["code"], clean(item["name"]), "district", f"{item['cityCode']}00"))
    for item in read_csv(folder / "streets.csv"):
        rows.append((item["code"], clean(item["name"]), "street", item["areaCode"]))
    rows.sort(key=lambda row: (len(row[0]), row[0]))
    _check_divisions(rows)
    return rows


def _check_divisions(rows: list[tuple[str, str, str, str]]) -> None:
    codes = Counter(row[0] for row in rows)
    duplicates = [code for code, count in codes.items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate division codes: {duplicates[:10]}")
    for code, name, _level, parent in rows:
        if not re.fullmatch(r"\d{6}|\d{9}", code) or not name:
            raise ValueError(f"bad division row: {code} {name!r}")
        if parent and parent not in codes:
            raise ValueError(f"division {code} has unknown parent {parent}")


# --------------------------------------------------------------------------- industries

_INSERT = re.compile(r"insert into industry_category \(([^)]*)\)\s*values \(", re.IGNORECASE)
_VALUE = re.compile(r"\s*(?:'((?:[^']|'')*)'|(null)|(-?\d+))\s*([,)])", re.IGNORECASE)


def parse_industry_sql(text: str) -> list[dict[str, object]]:
    """Parse the INSERT statements of gb4754_2017_init_data.sql into dicts."""
    rows = []
    for match in _INSERT.finditer(text):
        columns = [column.strip().lower() for column in match.group(1).split(",")]
        position, values = match.end(), []
        while True:
            value = _VALUE.match(text, position)
            if value is None:
                raise ValueError(f"cannot parse values at offset {position}")
            if value.group(1) is not None:
                values.append(value.group(1).replace("''", "'"))
            elif value.group(2):
                values.append(None)
            else:
                values.append(int(value.group(3)))
            position = value.end()
            if value.group(4) == ")":
                break
        rows.append(dict(zip(columns, values, strict=True)))
    return rows


def industry_level(code: str) -> str:
    if code.isalpha():
        return "section"
    return {2: "division", 3: "group", 4: "class"}[len(code)]


def section_of(division: str) -> str:
    number = int(division)
    for letter, (low, high) in SECTION_RANGES.items():
        if low <= number <= high:
            return letter
    raise ValueError(f"division {division} is in no section")


def industry_parent(code: str) -> str:
    if code.isalpha():
        return ""
    if len(code) == 2:
        return section_of(code)
    return code[:-1]


def derive_industries(source: Path) -> list[tuple[str, str, str, str, str]]:
    text = (source / "industry" / "gb4754_2017_init_data.sql").read_text(encoding="utf-8")
    entries: dict[str, tuple[str, str]] = {}
    for row in parse_industry_sql(text):
        code = clean(str(row["industry_id"]))
        name = clean(row["name"])  # type: ignore[arg-type]
        if not name:  # correction 1: empty duplicate of 0179
            continue
        if (code, name) in INDUSTRY_DROP:  # correction 2: 2011 leftover 3032
            continue
        code = INDUSTRY_RENUMBER.get(code, code)  # corrections 2 and 3
        if code in entries:
            raise ValueError(f"duplicate industry code {code}")
        entries[code] = (name, clean_note(row.get("description")))  # type: ignore[arg-type]
    for code, name, note in INDUSTRY_ADD:  # correction 4
        entries.setdefault(code, (name, note))
    rows = [
        (code, name, industry_level(code), industry_parent(code), note)  # correction 5
        for code, (name, note) in entries.items()
    ]
    rows.sort(key=lambda row: _industry_sort_key(row[0]))
    _check_industries(rows)
    return rows


def _industry_sort_key(code: str) -> tuple[str, str]:
    return (code, "") if code.isalpha() else (section_of(code[:2]), code)


def _check_industries(rows: list[tuple[str, str, str, str, str]]) -> None:
    codes = {row[0] for row in rows}
    for code, _name, _level, parent, _note in rows:
        if parent and parent not in codes:
            raise ValueError(f"industry {code} has unknown parent {parent}")
    counts = Counter(row[2] for row in rows)
    if dict(counts) != EXPECTED_INDUSTRY_COUNTS:
        raise ValueError(f"industry counts {dict(counts)} != {EXPECTED_INDUSTRY_COUNTS}")
    parents = {row[3] for row in rows}
    childless = sorted(row[0] for row in rows if row[2] != "class" and row[0] not in parents)
    if childless:
        raise ValueError(f"industry nodes without children: {childless}")


# --------------------------------------------------------------------------- main


def derived_files(source: Path) -> dict[str, bytes]:
    """The uncompressed CSV content of every derived file, keyed by file name."""
    return {
        DIVISIONS_FILE: render_csv(DIVISION_HEADER, derive_divisions(source)),
        INDUSTRIES_FILE: render_csv(INDUSTRY_HEADER, derive_industries(source)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for name, content in derived_files(args.source).items():
        target = args.output / name
        if args.check:
            current = gzip.decompress(target.read_bytes()) if target.exists() else b""
            if current != content:
                stale.append(name)
            continue
        args.output.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip_bytes(content))
        print(f"wrote {target} ({len(content.splitlines()) - 1} rows)")
    if stale:
        print(f"out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
