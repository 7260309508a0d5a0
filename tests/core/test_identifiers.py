"""Identifier validation: USCC (GB 32100), organisation code (GB 11714), ID number (GB 11643),
mobile numbers. Pure functions: no database, no Django settings needed."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat

from zhijian.core.identifiers import (
    EARLIEST_BIRTH_DATE,
    ID_NUMBER_PROVINCES,
    ID_NUMBER_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    VALIDATORS,
    Verdict,
    id_number_birth_date,
    id_number_check_char,
    id_number_sex,
    is_valid_id_number,
    is_valid_mobile,
    is_valid_uscc,
    mobile_digits,
    normalise_code,
    org_code_check_char,
    uscc_check_char,
    validate,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "identifiers"


def vectors(name: str) -> list[tuple[str, ...]]:
    """Rows of a vector file: tab-separated fields, '#' comments and blank lines skipped."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(tuple(line.split("\t")))
    return rows


USCC_VECTORS = vectors("stdnum_test_cn_uscc.txt")
RIC_VECTORS = vectors("stdnum_test_cn_ric.txt")
CONSTRUCTED = vectors("uscc_constructed.txt")


# ---------------------------------------------------------------------------------------------
# Algorithms and the published worked examples
# ---------------------------------------------------------------------------------------------


def test_uscc_weights_are_powers_of_three_mod_31():
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


def test_gb_32100_worked_example():
    # Σ = 1640, 1640 mod 31 = 28, 31 - 28 = 3.
    values = [USCC_ALPHABET.index(c) for c in "91350100M000100Y4"]
    assert sum(v * w for v, w in zip(values, USCC_WEIGHTS, strict=True)) == 1640
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert uscc_check_char("91110000600037341") == "L"
    assert validate_uscc("91350100M000100Y43") == Verdict(True)
    verdict = validate_uscc("91350100M000100Y4Z")
    assert not verdict.valid
    assert verdict.reason == "第18位校验码应为3，实为Z"


def test_check_char_when_remainder_is_zero():
    # (31 - 0) mod 31 = 0: the check character is "0", not a 32nd character.
    prefix = next(
        p
        for p in (f"9131000000000{n:04d}" for n in range(10000))
        if sum(USCC_ALPHABET.index(c) * w for c, w in zip(p, USCC_WEIGHTS, strict=True)) % 31 == 0
    )
    assert uscc_check_char(prefix) == "0"
    assert is_valid_uscc(prefix + "0")


def test_gb_11714_examples():
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("60003734") == "1"
    # 10 -> X and 11 -> 0
    assert org_code_check_char("MJ0000XX") == "X"
    assert org_code_check_char("00000000") == "0"


def test_gb_11643_examples():
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == ID_NUMBER_WEIGHTS
    assert id_number_check_char("34052419800101001") == "X"
    assert is_valid_id_number("34052419800101001X")
    assert is_valid_id_number("370101190102039973")
    assert is_valid_id_number("360426199101010071")


@pytest.mark.parametrize("bad", ["", "9135010", "91350100M000100Y4Z", "91350100m000100Y4"])
def test_check_char_functions_reject_bad_input(bad):
    with pytest.raises(ValueError):
        uscc_check_char(bad)
    with pytest.raises(ValueError):
        id_number_check_char(bad)


# ---------------------------------------------------------------------------------------------
# python-stdnum's vectors and where we differ from stdnum on purpose
# ---------------------------------------------------------------------------------------------


def test_stdnum_uscc_vector_file_is_complete():
    kinds = [row[0] for row in USCC_VECTORS]
    assert kinds.count("valid") == 384  # 383 "found online" + the first corner case
    assert kinds.count("invalid") == 4
    assert kinds.count("as-typed") == 1


@pytest.mark.parametrize(("expected", "code"), USCC_VECTORS)
def test_stdnum_uscc_vectors(expected, code):
    verdict = validate_uscc(code)
    if expected == "valid":
        assert stdnum_uscc.is_valid(code)
        assert verdict == Verdict(True)  # also: every vector passes the embedded GB 11714 check
    elif expected == "invalid":
        assert not stdnum_uscc.is_valid(code)
        assert not verdict.valid
        assert verdict.reason
    else:
        assert expected == "as-typed"
        assert stdnum_uscc.is_valid(code)
        assert not verdict.valid
        assert "空格" in verdict.reason
        assert is_valid_uscc(stdnum_uscc.compact(code))


def test_stdnum_letter_first_vector_is_invalid_for_its_check_char_not_its_letter():
    assert validate_uscc("A1110000600037341L").reason == "第18位校验码应为K，实为L"
    assert is_valid_uscc("A1110000600037341K")
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate("A1110000600037341K")


@pytest.mark.parametrize(("ours", "theirs", "code"), CONSTRUCTED)
def test_constructed_uscc_vectors(ours, theirs, code):
    assert is_valid_uscc(code) is (ours == "valid")
    assert stdnum_uscc.is_valid(code) is (theirs == "valid")


@pytest.mark.parametrize("code", ["N2310115MA1G4L1WXN", "Y13101156000373419", "A1110000MA01AB2C31"])
def test_letter_prefixed_uscc_is_valid_although_stdnum_rejects_it(code):
    assert validate_uscc(code).valid
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)


def test_abolished_district_code_is_accepted():
    # 310108 闸北区 was abolished in 2015; codes issued there never change.
    assert validate_uscc("91310108MA1G4L1W09") == Verdict(True)
    assert validate_uscc("93310230MA1FL8Q04P") == Verdict(True)  # 310230 崇明县


def test_embedded_organisation_code_failure_is_a_warning_only():
    verdict = validate_uscc("N2310115MA1G4L1WXN")
    assert verdict.valid
    assert verdict.reason == ""
    assert verdict.warnings == (
        "第9至17位组织机构代码MA1G4L1WX的校验位按GB 11714应为0，实为X"
        "（仅提示，不影响统一社会信用代码的有效性）",
    )
    # The same organisation code with its GB 11714 check character: no warning.
    assert validate_uscc("N2310115MA1G4L1W0W") == Verdict(True)


@pytest.mark.parametrize(("expected", "code"), RIC_VECTORS)
def test_stdnum_ric_vectors(expected, code):
    verdict = validate_id_number(code, today=date(2025, 1, 1))
    if expected == "valid":
        assert stdnum_ric.is_valid(code)
        assert verdict == Verdict(True)
    elif expected == "invalid":
        assert not stdnum_ric.is_valid(code)
        assert not verdict.valid
    elif expected == "county":
        assert not stdnum_ric.is_valid(code)
        assert verdict == Verdict(True)
    else:
        assert expected == "as-typed"
        assert stdnum_ric.is_valid(code)
        assert verdict.reason.startswith("第18位校验码应为大写X，实为小写x")
        assert is_valid_id_number(code.upper())


# ---------------------------------------------------------------------------------------------
# Malformed input: a specific reason, never an exception, never a silent repair
# ---------------------------------------------------------------------------------------------

USCC_REASONS = [
    (None, "空值"),
    ("", "空值"),
    ("   ", "空值（只有空白字符）"),
    ("\u3000", "空值（只有空白字符）"),
    ("12345", "长度应为18位，实为5位"),
    ("91350100M000100Y4", "长度应为18位，实为17位"),
    ("91350100M000100Y433", "长度应为18位，实为19位"),
    (" 91350100M000100Y43", "开头多了空格；规范写法91350100M000100Y43可通过校验"),
    ("91350100M000100Y43 ", "末尾多了空格；规范写法91350100M000100Y43可通过校验"),
    ("91350100M000100Y43\u3000", "末尾多了全角空格；规范写法91350100M000100Y43可通过校验"),
    ("\t91350100M000100Y43", "开头多了制表符；规范写法91350100M000100Y43可通过校验"),
    ("91 110000 600037341L", "第3、10位是空格；规范写法91110000600037341L可通过校验"),
    (
        "91350100m000100y43",
        "第9、16位“m”“y”是小写字母，应使用大写字母；规范写法91350100M000100Y43可通过校验",
    ),
    ("91350100M000100Y4z", "第18位校验码应为3，实为z"),
    ("91110000600037341l", "第18位校验码应为大写L，实为小写l"),
    ("91350100M000100Y4３", "第18位校验码应为半角3，实为全角３"),
    ("91350100M000100Y4\t", "第18位校验码应为3，实为制表符"),
    (
        "９１３５０１００Ｍ０００１００Ｙ４３",
        "第1、2、3位等共18处（如“９”“１”“３”）是全角字符，应使用半角字符；"
        "规范写法91350100M000100Y43可通过校验",
    ),
    (
        "9131010８MA1G4L1W09",
        "第8位“８”是全角字符，应使用半角字符；规范写法91310108MA1G4L1W09可通过校验",
    ),
    (
        "9111000060003IOZSV",
        "第14、15、16位等共5处（如“I”“O”“Z”）不在代码字符集中（不使用I、O、Z、S、V）",
    ),
    ("9135010OM000100Y43", "第8位“O”不在代码字符集中（不使用I、O、Z、S、V）"),
    ("91350100M000100Yi3", "第17位“i”不在代码字符集中（不使用I、O、Z、S、V）"),
    (
        "9135A100M000100Y43",
        "第3至8位登记管理机关行政区划码应为6位数字，第5位为“A”；第18位校验码应为Y，实为3",
    ),
    (
        "913501\u200b00M000100Y43",
        "第7位U+200B是不可见字符（复制粘贴时常带入），应删除；规范写法91350100M000100Y43可通过校验",
    ),
    (
        "\ufeff91350100M000100Y43",
        "第1位U+FEFF是不可见字符（复制粘贴时常带入），应删除；规范写法91350100M000100Y43可通过校验",
    ),
    (
        "91350100-M000100Y4-3",
        "第9、19位“-”“-”不是代码字符（只允许数字和大写字母）；长度应为18位，实为20位；"
        "规范写法91350100M000100Y43可通过校验",
    ),
    ("91350100M000100Y4，", "第18位校验码应为3，实为，"),
    (
        "统一社会信用代码",
        "第1、2、3位等共8处（如“统”“一”“社”）不是代码字符（只允许数字和大写字母）；长度应为18位，实为8位",
    ),
    (
        " 9135 0100 ",
        "开头多了空格；末尾多了空格；第6位是空格；长度应为18位，去掉空格等多余字符后为8位",
    ),
]


@pytest.mark.parametrize(("code", "reason"), USCC_REASONS)
def test_uscc_malformed_input_reasons(code, reason):
    assert validate_uscc(code) == Verdict(False, reason)


ID_TODAY = date(2025, 6, 30)
ID_REASONS = [
    (None, "空值"),
    ("", "空值"),
    (" ", "空值（只有空白字符）"),
    (
        "360426910101007",
        "15位旧号码已停用（第一代居民身份证自2013年1月1日起停止使用），请使用18位公民身份号码",
    ),
    ("36042619910101007", "长度应为18位，实为17位"),
    ("3604261991010100711", "长度应为18位，实为19位"),
    ("T60426199101010078", "第1位“T”应为数字"),
    ("990426199112010074", "第1至2位省级行政区划代码99不存在"),
    ("360426199113010079", "第7至14位出生日期19911301不是有效日期"),
    ("110101199902290010", "第7至14位出生日期19990229不是有效日期；第18位校验码应为8，实为0"),
    ("110101202507010017", "第7至14位出生日期20250701晚于今天"),
    ("110101187912310012", "第7至14位出生日期18791231早于1880年，不可能；第18位校验码应为0，实为2"),
    ("36042619910102009X", "第18位校验码应为3，实为X"),
    (
        "44011320141005001x",
        "第18位校验码应为大写X，实为小写x",
    ),
    ("360426199101010079x", "第19位“x”是小写字母，校验码应为大写X；长度应为18位，实为19位"),
    ("36042619910101007A", "第18位校验码应为1，实为A"),
    (
        "360426 199101010071",
        "第7位是空格；规范写法360426199101010071可通过校验",
    ),
    (
        "３６０４２６１９９１０１０１００７１",
        "第1、2、3位等共18处（如“３”“６”“０”）是全角字符，应使用半角字符；"
        "规范写法360426199101010071可通过校验",
    ),
    ("360426199101010071 ", "末尾多了空格；规范写法360426199101010071可通过校验"),
    ("36042619910101OO71", "第15、16位“O”“O”应为数字"),
]


@pytest.mark.parametrize(("code", "reason"), ID_REASONS)
def test_id_number_malformed_input_reasons(code, reason):
    assert validate_id_number(code, today=ID_TODAY) == Verdict(False, reason)


def test_id_number_birth_date_bounds():
    def number(birth: date) -> str:
        first17 = f"110101{birth:%Y%m%d}001"
        return first17 + id_number_check_char(first17)

    assert validate_id_number(number(ID_TODAY), today=ID_TODAY).valid  # born today
    assert not validate_id_number(number(ID_TODAY + timedelta(days=1)), today=ID_TODAY).valid
    assert validate_id_number(number(EARLIEST_BIRTH_DATE), today=ID_TODAY).valid
    assert validate_id_number(number(date(2000, 2, 29)), today=ID_TODAY).valid
    assert not validate_id_number(number(EARLIEST_BIRTH_DATE - timedelta(days=1))).valid


def test_id_number_provinces_cover_gb_t_2260():
    provinces = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
    assert set(provinces.split()) | {"71", "81", "82", "83"} == ID_NUMBER_PROVINCES
    for code in ("810000199001010000", "830000199001010000"):  # HK / Taiwan residence permits
        number = code[:17] + id_number_check_char(code[:17])
        assert is_valid_id_number(number)


def test_id_number_helpers():
    assert id_number_birth_date("34052419800101001X") == date(1980, 1, 1)
    assert id_number_sex("34052419800101001X") == "male"  # sequence 001
    assert id_number_sex("11010119900307002X") == "female"  # sequence 002
    with pytest.raises(ValueError, match="长度应为18位"):
        id_number_birth_date("34052419800101001")
    with pytest.raises(ValueError, match="校验码"):
        id_number_sex("340524198001010011")


MOBILE_OK = [
    "13800138000",
    "19912345678",
    "138 0013 8000",
    "138-0013-8000",
    "1 3800138000",
    "+8613800138000",
    "+86 13800138000",
    "+86-138-0013-8000",
    "8613800138000",
    "86 138 0013 8000",
]


@pytest.mark.parametrize("number", MOBILE_OK)
def test_mobile_accepted_forms(number):
    assert validate_mobile(number) == Verdict(True)
    assert mobile_digits(number) == "13800138000" or number == "19912345678"


MOBILE_REASONS = [
    (None, "空值"),
    ("", "空值"),
    ("  ", "空值（只有空白字符）"),
    (" 13800138000", "开头多了空格"),
    ("13800138000 ", "末尾多了空格"),
    ("１３８００１３８０００", "第1、2、3位等共11处（如“１”“３”“８”）是全角字符，应使用半角字符"),
    ("1380013800a", "第11位“a”不是数字"),
    ("(+86)13800138000", "第1、5位“(”“)”不是数字"),
    ("0086 13800138000", "国家代码应写作+86或86，不写0086"),
    ("+85213800138000", "国家代码只能是开头的+86"),
    ("138+00138000", "国家代码只能是开头的+86"),
    ("12800138000", "手机号码应以13至19开头，实为12"),
    ("021-12345678", "手机号码应以13至19开头，实为02"),
    ("1380013800", "手机号码应为11位数字，实为10位"),
    ("138001380001", "手机号码应为11位数字，实为12位"),
    ("138--00138000", "分隔符位置不正确（只允许在数字之间使用单个空格或连字符）"),
    ("138  00138000", "分隔符位置不正确（只允许在数字之间使用单个空格或连字符）"),
    ("-13800138000", "分隔符位置不正确（只允许在数字之间使用单个空格或连字符）"),
]


@pytest.mark.parametrize(("number", "reason"), MOBILE_REASONS)
def test_mobile_reasons(number, reason):
    assert validate_mobile(number) == Verdict(False, reason)
    with pytest.raises(ValueError):
        mobile_digits(number)


def test_normalise_code_is_explicit_and_never_applied_by_validators():
    raw = " ９１３５０１００ｍ０００１００ｙ４３\u200b "
    assert normalise_code(raw) == "91350100M000100Y43"
    assert normalise_code("9135-0100-M000100Y43") == "91350100M000100Y43"
    assert normalise_code(None) == ""
    assert not validate_uscc(raw).valid
    assert validate_uscc(normalise_code(raw)).valid


def test_dispatch():
    assert set(VALIDATORS) == {"uscc", "id", "mobile"}
    assert validate("uscc", "91350100M000100Y43").valid
    assert validate("id", "34052419800101001X").valid
    assert validate("mobile", "13800138000").valid
    assert is_valid_mobile("13800138000")


def test_module_does_not_import_django():
    code = (
        "import sys, zhijian.core.identifiers; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

uscc_char = st.sampled_from(USCC_ALPHABET)
digit = st.sampled_from("0123456789")
uscc_prefix = st.tuples(
    st.text(uscc_char, min_size=2, max_size=2),
    st.text(digit, min_size=6, max_size=6),
    st.text(uscc_char, min_size=9, max_size=9),
).map("".join)


@given(uscc_prefix)
def test_uscc_with_computed_check_char_is_valid(prefix):
    assert validate_uscc(prefix + uscc_check_char(prefix)).valid


def test_every_single_substitution_changes_the_uscc_check_char():
    # The claim behind the property below: 31 is prime, every weight is non-zero mod 31 and the
    # 31 character values are distinct mod 31, so w × (new - old) ≢ 0 (mod 31). The same holds
    # for adjacent transpositions within positions 1-17: (a - b)(w_i - w_i+1) with
    # w_i+1 = 3 w_i, i.e. -2 w_i (a - b) ≢ 0.
    assert all(w % 31 for w in USCC_WEIGHTS)
    assert all((USCC_WEIGHTS[i] - USCC_WEIGHTS[i + 1]) % 31 for i in range(16))


@given(uscc_prefix, st.integers(0, 17), st.characters())
def test_any_single_substitution_makes_a_uscc_invalid(prefix, position, char):
    code = prefix + uscc_check_char(prefix)
    if char == code[position]:
        return
    mutated = code[:position] + char + code[position + 1 :]
    verdict = validate_uscc(mutated)
    assert not verdict.valid
    assert verdict.reason


@given(uscc_prefix, st.integers(0, 15))
def test_any_adjacent_transposition_in_positions_1_to_17_makes_a_uscc_invalid(prefix, i):
    code = prefix + uscc_check_char(prefix)
    if code[i] == code[i + 1]:
        return
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    assert not is_valid_uscc(swapped)


@given(
    st.text(digit, min_size=8, max_size=8),
    st.text(uscc_char, min_size=10, max_size=10),
)
def test_agrees_with_stdnum_when_positions_1_to_8_are_digits(head, tail):
    code = head + tail  # a random check character: right about 1 time in 31
    assert is_valid_uscc(code) is stdnum_uscc.is_valid(code)
    fixed = code[:17] + uscc_check_char(code[:17])
    assert is_valid_uscc(fixed) is stdnum_uscc.is_valid(fixed) is True


@given(st.text(uscc_char, min_size=18, max_size=18))
def test_differs_from_stdnum_only_on_letters_in_positions_1_to_8(code):
    ours, theirs = is_valid_uscc(code), stdnum_uscc.is_valid(code)
    if code[:8].isdigit():
        assert ours is theirs
    else:
        assert not theirs
        assert ours is (code[2:8].isdigit() and code[17] == uscc_check_char(code[:17]))


valid_birth = st.dates(min_value=EARLIEST_BIRTH_DATE, max_value=ID_TODAY)


@st.composite
def id_numbers(draw):
    province = draw(st.sampled_from(sorted(ID_NUMBER_PROVINCES)))
    county = draw(st.text(digit, min_size=4, max_size=4))
    birth = draw(valid_birth)
    sequence = draw(st.text(digit, min_size=3, max_size=3))
    first17 = f"{province}{county}{birth:%Y%m%d}{sequence}"
    return first17 + id_number_check_char(first17)


@given(id_numbers())
def test_generated_id_numbers_are_valid(number):
    assert validate_id_number(number, today=ID_TODAY) == Verdict(True)


@given(id_numbers(), st.integers(0, 17), st.characters())
def test_any_single_substitution_makes_an_id_number_invalid(number, position, char):
    if char == number[position]:
        return
    mutated = number[:position] + char + number[position + 1 :]
    verdict = validate_id_number(mutated, today=ID_TODAY)
    assert not verdict.valid
    assert verdict.reason


@given(st.text(digit, min_size=17, max_size=17))
def test_id_check_char_agrees_with_stdnum(first17):
    assert id_number_check_char(first17) == stdnum_ric.calc_check_digit(first17 + "0")


@settings(max_examples=500)
@given(st.sampled_from(sorted(VALIDATORS)), st.text())
def test_validators_never_raise_and_reasons_are_single_line(kind, text):
    verdict = validate(kind, text)
    assert isinstance(verdict.valid, bool)
    assert bool(verdict.reason) is not verdict.valid
    for message in (verdict.reason, *verdict.warnings):
        assert message.isprintable()  # no tab, newline or other control character
