"""Validation of Chinese identifiers: USCC, citizen ID numbers, mainland mobile numbers.

Pure functions with no Django dependency, so that importers, forms, the API and the
``zhijian validate`` command all give the same verdict with the same words. Every validator
takes the raw text exactly as received and returns a :class:`Verdict`; it never raises for
bad input (``None`` and the empty string are "空值"). Reasons and warnings are in Chinese, for
the clerk who has to correct the record, and name the position (1-based, counted in the raw
text) and the offending character.

Nothing is silently repaired. Lower case, full-width characters (``９１３１…``), spaces
(leading, trailing, inner, ideographic U+3000), invisible characters (U+200B, U+FEFF …),
hyphens and wrong lengths are each reported with their own reason. When the only trouble is
such a form problem, the reason ends with the canonical spelling if that spelling passes
("规范写法…可通过校验"), so the clerk sees what was probably meant. Callers that *want* to
repair input (a search box, an explicit "fix" option of an importer) call
:func:`normalise_code` themselves and validate the result.

Unified social credit code (USCC, 统一社会信用代码, GB 32100-2015)
    18 characters from the 31-character set ``0-9 A-Y`` without I, O, Z, S, V. Position 18 is
    the check character: ``(31 - Σ value_i × 3^(i-1) mod 31) mod 31``.

    * Positions 1 and 2 (registration authority, organisation type) accept any character of
      the set. The assigned tables use a letter at position 1 (A, N, Y …) and digits at
      position 2, but the code scheme defines both as characters of the set, so a letter at
      position 2 is not rejected either. python-stdnum 2.2 requires digits in positions 1-8
      and so rejects valid letter-first codes such as ``N2310115MA1G4L1WXN``; we do not copy
      that.
    * Positions 3-8 (division code of the registering authority) must be six digits, but are
      not checked against the current GB/T 2260 list: a USCC never changes, so codes issued
      under an abolished district (``310108`` Zhabei, abolished 2015) remain valid.
    * Positions 9-17 hold the GB 11714-1997 organisation code (8 characters + check
      character, weights 3 7 9 10 5 8 4 2, letters A=10 … Z=35, check ``11 - Σ mod 11`` with
      10 → X and 11 → 0). Whether every code issued since 2015 satisfies it is unknown, so a
      failure is a *warning* on a valid verdict, never a rejection.

Citizen identity number (公民身份号码, GB 11643-1999)
    18 characters: 6-digit address code, 8-digit birth date ``YYYYMMDD``, 3-digit sequence
    (odd = male, even = female) and an ISO 7064 MOD 11-2 check character (a digit or upper
    case ``X``). We check

    * the first two digits against the province-level codes of GB/T 2260 (11-15, 21-23,
      31-37, 41-46, 50-54, 61-65, 71 Taiwan, 81 Hong Kong, 82 Macao) plus 83, which the
      residence permits for Taiwan residents (台湾居民居住证, 2018) carry as ``830000``;
      county codes are not checked, because abolished ones stay in issued numbers;
    * the birth date: a real calendar date, not after today and not before
      :data:`EARLIEST_BIRTH_DATE` (1880-01-01; lower than the usual "1900" on purpose: ID
      cards were issued to people born in the 1880s, e.g. a Xinjiang supercentenarian whose
      card shows 1886);
    * the check character; a lower-case ``x`` is reported, not accepted.

    Legacy 15-digit numbers (GB 11643-1989, two-digit year, no check character) are
    rejected with their own reason: the first-generation ID cards that carried them ceased to
    be valid on 2013-01-01 and every holder's number was upgraded to 18 characters, so a
    15-digit number in current data is an out-of-date record that a clerk should replace.

Mainland mobile number (手机号码)
    Accepted exactly: 11 digits starting with ``13``-``19``; optionally preceded by the
    country code ``+86`` or ``86``, which may be followed by one space or hyphen; the 11 digits
    may be grouped with single spaces or single hyphens between digits (``138 0013 8000``,
    ``+86-138-0013-8000``). Nothing else: no leading or trailing spaces, no full-width digits,
    no ``0086``, no parentheses, no doubled separators. :func:`mobile_digits` returns the bare
    11 digits of a valid number, the form to store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "ID_NUMBER_PROVINCES",
    "ID_NUMBER_WEIGHTS",
    "ORG_CODE_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "VALIDATORS",
    "Verdict",
    "id_number_birth_date",
    "id_number_check_char",
    "id_number_sex",
    "is_valid_id_number",
    "is_valid_mobile",
    "is_valid_uscc",
    "mobile_digits",
    "normalise_code",
    "org_code_check_char",
    "uscc_check_char",
    "validate",
    "validate_id_number",
    "validate_mobile",
    "validate_uscc",
]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a validation.

    ``reason`` (Chinese) says why the value is invalid and is empty when it is valid.
    ``warnings`` (Chinese) are remarks on a valid value that do not make it invalid.
    """

    valid: bool
    reason: str = ""
    warnings: tuple[str, ...] = ()


OK = Verdict(True)
EMPTY = Verdict(False, "空值")
BLANK = Verdict(False, "空值（只有空白字符）")

# --------------------------------------------------------------------------------------------
# Shared: describing characters and form problems
# --------------------------------------------------------------------------------------------

_DIGITS = frozenset("0123456789")
_WHITESPACE_NAMES = {
    " ": "空格",
    "\u3000": "全角空格",
    "\t": "制表符",
    "\xa0": "不间断空格",
    "\r": "回车符",
    "\n": "换行符",
}
_MAX_LISTED = 3  # positions named one by one in a reason before "等共N处"


def _whitespace_name(char: str) -> str:
    return _WHITESPACE_NAMES.get(char, f"空白字符U+{ord(char):04X}")


def _describe(char: str) -> str:
    """A character as shown in a reason: quoted when visible, by code point when not."""
    if char.isspace():
        return _whitespace_name(char)
    if not char.isprintable():
        return f"不可见字符U+{ord(char):04X}"
    return f"“{char}”"


def _is_fullwidth(char: str) -> bool:
    return "\uff01" <= char <= "\uff5e"


def _strip_invisible(raw: str) -> str:
    return "".join(c for c in raw if c.isprintable() and not c.isspace())


def normalise_code(raw: str | None) -> str:
    """The canonical spelling of a code typed or pasted by a person.

    Converts full-width characters to half-width, upper-cases, and removes whitespace
    (including U+3000), invisible characters and hyphens. It does not check anything, and
    the validators never apply it implicitly: call it only where repairing input is wanted,
    then validate the result.
    """
    if not raw:
        return ""
    chars = []
    for char in raw:
        if _is_fullwidth(char):
            char = chr(ord(char) - 0xFEE0)
        if char == "-" or char.isspace() or not char.isprintable():
            continue
        chars.append(char)
    return "".join(chars).upper()


# A classifier returns None for a character allowed at that position, or the tail of the
# phrase describing what is wrong with it ("应为数字", "不在代码字符集中…").
_Classifier = Callable[[int, str], "str | None"]


def _form_problems(raw: str, classify: _Classifier, *, inner_space_ok: bool = False) -> list[str]:
    """Reasons for every character that is not allowed where it stands, grouped by kind.

    Leading and trailing whitespace is reported as such; inner ASCII spaces are allowed only
    with ``inner_space_ok`` (mobile numbers).
    """
    length = len(raw)
    lead = length - len(raw.lstrip())
    trail = length - len(raw.rstrip())
    leading = raw[:lead]
    trailing = raw[length - trail :] if trail else ""
    groups: dict[str, list[tuple[int, str]]] = {}
    for index, char in enumerate(raw):
        position = index + 1
        if char.isspace():
            if index < lead or index >= length - trail or (inner_space_ok and char == " "):
                continue
            tail = "是" + _whitespace_name(char)
            groups.setdefault(tail, []).append((position, ""))
            continue
        if not char.isprintable():
            groups.setdefault("是不可见字符（复制粘贴时常带入），应删除", []).append(
                (position, f"U+{ord(char):04X}")
            )
            continue
        if _is_fullwidth(char):
            tail = "是全角字符，应使用半角字符"
        else:
            tail = classify(position, char)
            if tail is None:
                continue
        groups.setdefault(tail, []).append((position, _describe(char)))
    reasons = []
    if leading:
        reasons.append("开头多了" + _whitespace_name(leading[0]))
    if trailing:
        reasons.append("末尾多了" + _whitespace_name(trailing[-1]))
    for tail, items in groups.items():
        shown = items[:_MAX_LISTED]
        positions = "、".join(str(position) for position, _ in shown)
        chars = "".join(desc for _, desc in shown)
        if len(items) > _MAX_LISTED:
            reasons.append(f"第{positions}位等共{len(items)}处（如{chars}）{tail}")
        else:
            reasons.append(f"第{positions}位{chars}{tail}")
    return reasons


def _length_problem(raw: str, expected: int) -> str | None:
    compact = _strip_invisible(raw)
    if len(compact) == expected:
        return None
    if len(compact) == len(raw):
        return f"长度应为{expected}位，实为{len(raw)}位"
    return f"长度应为{expected}位，去掉空格等多余字符后为{len(compact)}位"


def _with_hint(reasons: list[str], raw: str, is_valid: Callable[[str], bool]) -> Verdict:
    """Join the reasons, adding the canonical spelling when it passes and says something new."""
    canonical = normalise_code(raw)
    says_it_already = len(reasons) == 1 and reasons[0].startswith(_CHECK_CHAR_CASE_OR_WIDTH)
    if canonical and canonical != raw and not says_it_already and is_valid(canonical):
        reasons.append(f"规范写法{canonical}可通过校验")
    return Verdict(False, "；".join(reasons))


_CHECK_CHAR_CASE_OR_WIDTH = ("第18位校验码应为大写", "第18位校验码应为半角")


def _check_char_problem(expected: str, actual: str) -> str:
    if actual.upper() == expected and actual != expected:
        return f"{_CHECK_CHAR_CASE_OR_WIDTH[0]}{expected}，实为小写{actual}"
    if _is_fullwidth(actual) and chr(ord(actual) - 0xFEE0) == expected:
        return f"{_CHECK_CHAR_CASE_OR_WIDTH[1]}{expected}，实为全角{actual}"
    if actual.isprintable() and not actual.isspace():
        return f"第18位校验码应为{expected}，实为{actual}"
    return f"第18位校验码应为{expected}，实为{_describe(actual)}"


# --------------------------------------------------------------------------------------------
# USCC (GB 32100-2015) and the embedded organisation code (GB 11714-1997)
# --------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, …
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_SET = frozenset(USCC_ALPHABET)
# One table per position: character -> value × weight, to sum without multiplying.
_USCC_TABLES = tuple(
    {char: value * weight for char, value in _USCC_VALUES.items()} for weight in USCC_WEIGHTS
)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11714 values: digits 0-9, letters A=10 … Z=35 (not the USCC values).
_ORG_VALUES = {char: int(char) for char in "0123456789"} | {
    chr(code): code - 55 for code in range(ord("A"), ord("Z") + 1)
}


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC."""
    if len(first17) != 17 or not _USCC_SET.issuperset(first17):
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    total = sum(table[char] for table, char in zip(_USCC_TABLES, first17, strict=True))
    return USCC_ALPHABET[-total % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714-1997 check character for an 8-character organisation code body."""
    if len(body8) != 8 or any(char not in _ORG_VALUES for char in body8):
        raise ValueError(f"not an 8-character organisation code body: {body8!r}")
    total = sum(_ORG_VALUES[char] * w for char, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


_ORG_TABLES = tuple(
    {char: value * w for char, value in _ORG_VALUES.items()} for w in ORG_CODE_WEIGHTS
)
_ORG_CHECK = "0X987654321"  # check character for Σ mod 11 = 0 … 10 (11 → 0, 10 → X)


def _org_code_warnings(code: str) -> tuple[str, ...]:
    """Positions 9-17 of an 18-character USCC of the right shape, checked per GB 11714."""
    total = sum(table[char] for table, char in zip(_ORG_TABLES, code[8:16], strict=True))
    expected = _ORG_CHECK[total % 11]
    actual = code[16]
    if actual == expected:
        return ()
    return (
        f"第9至17位组织机构代码{code[8:17]}的校验位按GB 11714应为{expected}，实为{actual}"
        "（仅提示，不影响统一社会信用代码的有效性）",
    )


def _classify_uscc(position: int, char: str) -> str | None:
    if char in _USCC_SET:
        return None
    if "a" <= char <= "z":
        if char.upper() in _USCC_SET:
            return "是小写字母，应使用大写字母"
        return "不在代码字符集中（不使用I、O、Z、S、V）"
    if char in "IOZSV":
        return "不在代码字符集中（不使用I、O、Z、S、V）"
    return "不是代码字符（只允许数字和大写字母）"


def validate_uscc(code: str | None) -> Verdict:
    """Validate a unified social credit code (GB 32100-2015) as received, without repair."""
    if not code:
        return EMPTY
    if _USCC_SHAPE.fullmatch(code):
        total = sum(table[char] for table, char in zip(_USCC_TABLES, code[:17], strict=True))
        expected = USCC_ALPHABET[-total % 31]
        if code[17] != expected:
            return Verdict(False, f"第18位校验码应为{expected}，实为{code[17]}")
        warnings = _org_code_warnings(code)
        return Verdict(True, warnings=warnings) if warnings else OK
    return _diagnose_uscc(code)


def _diagnose_uscc(code: str) -> Verdict:
    """The slow path: say precisely what is wrong with a code of the wrong shape."""
    if not _strip_invisible(code):
        return BLANK
    if len(code) == 18:
        reasons = _form_problems(code[:17], _classify_uscc)
        if not reasons:
            return _uscc_positions(code)
    reasons = _form_problems(code, _classify_uscc)
    if not reasons:  # only characters of the set, so the length is wrong
        return Verdict(False, f"长度应为18位，实为{len(code)}位")
    length = _length_problem(code, 18)
    if length:
        reasons.append(length)
    return _with_hint(reasons, code, is_valid_uscc)


def _uscc_positions(code: str) -> Verdict:
    """18 characters, the first 17 from the set: division code digits and check character."""
    reasons = []
    letters = [(i + 1, char) for i, char in enumerate(code[2:8], start=2) if char not in _DIGITS]
    if letters:
        found = "、".join(f"第{position}位为“{char}”" for position, char in letters)
        reasons.append(f"第3至8位登记管理机关行政区划码应为6位数字，{found}")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        reasons.append(_check_char_problem(expected, code[17]))
    if reasons:
        return _with_hint(reasons, code, is_valid_uscc)
    # Only reached for inputs the fast path did not take, i.e. never valid here.
    raise AssertionError(code)  # pragma: no cover


def is_valid_uscc(code: str | None) -> bool:
    return validate_uscc(code).valid


# --------------------------------------------------------------------------------------------
# Citizen identity number (GB 11643-1999)
# --------------------------------------------------------------------------------------------

ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(18-i) mod 11
_ID_CHECK = "10X98765432"  # check character for Σ mod 11 = 0 … 10
# Province-level codes of GB/T 2260 (31 provinces, 71 Taiwan, 81 Hong Kong, 82 Macao) and 83,
# used by the residence permits of Taiwan residents (830000).
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
ID_NUMBER_PROVINCES = frozenset(
    str(code) for first, last in _PROVINCE_RANGES for code in range(first, last + 1)
)
EARLIEST_BIRTH_DATE = date(1880, 1, 1)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_LEGACY_15 = "15位旧号码已停用（第一代居民身份证自2013年1月1日起停止使用），请使用18位公民身份号码"


_ID_TABLES = tuple({str(digit): digit * w for digit in range(10)} for w in ID_NUMBER_WEIGHTS)


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError(f"not 17 digits: {first17!r}")
    total = sum(table[char] for table, char in zip(_ID_TABLES, first17, strict=True))
    return _ID_CHECK[total % 11]


def _classify_id(position: int, char: str, last: int = 18) -> str | None:
    if char in _DIGITS:
        return None
    if position == last:
        if char == "X":
            return None
        if char == "x":
            return "是小写字母，校验码应为大写X"
        return "应为数字或X"
    return "应为数字"


def validate_id_number(code: str | None, *, today: date | None = None) -> Verdict:
    """Validate an 18-character citizen identity number (GB 11643-1999) as received."""
    if not code:
        return EMPTY
    if not _ID_SHAPE.fullmatch(code):
        return _diagnose_id_number(code, today)
    reasons = _id_number_components(code, today)
    expected = id_number_check_char(code[:17])
    if code[17] != expected:
        reasons.append(f"第18位校验码应为{expected}，实为{code[17]}")
    return Verdict(False, "；".join(reasons)) if reasons else OK


def _id_number_components(code: str, today: date | None) -> list[str]:
    reasons = []
    if code[:2] not in ID_NUMBER_PROVINCES:
        reasons.append(f"第1至2位省级行政区划代码{code[:2]}不存在")
    birth = code[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        reasons.append(f"第7至14位出生日期{birth}不是有效日期")
    else:
        if born > (today or date.today()):
            reasons.append(f"第7至14位出生日期{birth}晚于今天")
        elif born < EARLIEST_BIRTH_DATE:
            reasons.append(f"第7至14位出生日期{birth}早于{EARLIEST_BIRTH_DATE.year}年，不可能")
    return reasons


def _diagnose_id_number(code: str, today: date | None) -> Verdict:
    if not _strip_invisible(code):
        return BLANK
    length = len(code)
    if length == 18:
        reasons = _form_problems(code[:17], _classify_id)
        if not reasons:  # 17 digits and a bad last character
            reasons = _id_number_components(code, today)
            reasons.append(_check_char_problem(id_number_check_char(code[:17]), code[17]))
            return _with_hint(reasons, code, is_valid_id_number)
    if length == 15 and _DIGITS.issuperset(code):
        return Verdict(False, _LEGACY_15)
    reasons = _form_problems(code, lambda p, c: _classify_id(p, c, last=length))
    length_problem = _length_problem(code, 18)
    if not reasons:
        return Verdict(False, f"长度应为18位，实为{length}位")
    if length_problem:
        reasons.append(length_problem)
    return _with_hint(reasons, code, is_valid_id_number)


def is_valid_id_number(code: str | None) -> bool:
    return validate_id_number(code).valid


def id_number_birth_date(code: str) -> date:
    """The birth date held in a valid 18-character ID number; ValueError otherwise."""
    verdict = validate_id_number(code)
    if not verdict.valid:
        raise ValueError(verdict.reason)
    return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def id_number_sex(code: str) -> str:
    """``"male"`` or ``"female"`` from the sequence code (odd = male); ValueError if invalid."""
    verdict = validate_id_number(code)
    if not verdict.valid:
        raise ValueError(verdict.reason)
    return "male" if int(code[16]) % 2 else "female"


# --------------------------------------------------------------------------------------------
# Mainland mobile numbers
# --------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+?86[ -]?)?(1[ -]?[3-9](?:[ -]?[0-9]){9})")
_MOBILE_CHARS = frozenset("0123456789 -+")


def _classify_mobile(position: int, char: str) -> str | None:
    if char in _MOBILE_CHARS:
        return None
    return "不是数字"


def validate_mobile(number: str | None) -> Verdict:
    """Validate a mainland mobile number in one of the forms listed in the module docstring."""
    if not number:
        return EMPTY
    if _MOBILE.fullmatch(number):
        return OK
    if not _strip_invisible(number):
        return BLANK
    reasons = _form_problems(number, _classify_mobile, inner_space_ok=True)
    if reasons:
        return Verdict(False, "；".join(reasons))
    if "+" in number[1:] or (number[0] == "+" and not number.startswith("+86")):
        return Verdict(False, "国家代码只能是开头的+86")
    digits = number.replace(" ", "").replace("-", "").removeprefix("+")
    if digits.startswith("0086"):
        return Verdict(False, "国家代码应写作+86或86，不写0086")
    if number.startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    if len(digits) != 11:
        return Verdict(False, f"手机号码应为11位数字，实为{len(digits)}位")
    if not "3" <= digits[1] <= "9" or digits[0] != "1":
        return Verdict(False, f"手机号码应以13至19开头，实为{digits[:2]}")
    return Verdict(False, "分隔符位置不正确（只允许在数字之间使用单个空格或连字符）")


def is_valid_mobile(number: str | None) -> bool:
    return validate_mobile(number).valid


def mobile_digits(number: str) -> str:
    """The bare 11 digits of a valid mobile number (the form to store); ValueError otherwise."""
    match = _MOBILE.fullmatch(number or "")
    if not match:
        raise ValueError(validate_mobile(number).reason)
    return match.group(1).replace(" ", "").replace("-", "")


# --------------------------------------------------------------------------------------------

VALIDATORS: dict[str, Callable[[str], Verdict]] = {
    "uscc": validate_uscc,
    "id": validate_id_number,
    "mobile": validate_mobile,
}


def validate(kind: str, code: str | None) -> Verdict:
    """Validate ``code`` as ``kind``: ``"uscc"``, ``"id"`` or ``"mobile"``."""
    return VALIDATORS[kind](code)
