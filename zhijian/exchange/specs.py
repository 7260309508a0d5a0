"""The exchange format as data: one spec per table (``/work/shared/exchange-format.md``).

A ``TableSpec`` lists its columns in contract order: the Chinese header, the English field,
whether it is required or part of the key, and a parser that turns the cell text into the
stored value or raises ``Invalid`` with a Chinese reason. Parsers are plain functions with
precompiled regular expressions and dictionary lookups, so that validating a row costs a few
microseconds.

Rules beyond the letter of the format (each says so in its reason):
* text longer than the database column is rejected (``超过最大长度``);
* 注销日期 must not be before 成立日期; 有效期至 not before 发证日期; 移出日期 not before 列入日期;
* 年度 is 1900 … next year; integers are non-negative and below 2^31;
* 币种 is three upper-case letters (ISO 4217 shape; the list itself is not checked);
* 所属区 must be a 6-digit code known to the division dictionary (abolished codes included);
* 行业代码 must be a 4-digit class of GB/T 4754-2017 known to the dictionary; a section letter,
  when given, must be that class's section; the 4-digit code is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from zhijian.core.identifiers import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    validate_id_number,
    validate_uscc,
)
from zhijian.registry import models as rm

CST = ZoneInfo("Asia/Shanghai")


class Invalid(Exception):
    """A cell value is invalid; ``args[0]`` is the Chinese reason."""


# --- parsers --------------------------------------------------------------------------------

Parser = Callable[[str], Any]


def text(max_length: int | None) -> Parser:
    def parse(value: str) -> str:
        if max_length and len(value) > max_length:
            raise Invalid(f"超过最大长度{max_length}个字符（实为{len(value)}个字符）")
        return value

    return parse


def choice(values) -> Parser:
    allowed = frozenset(values)
    listed = "、".join(values)

    def parse(value: str) -> str:
        if value not in allowed:
            raise Invalid(f"应为以下之一：{listed}；实为“{value[:50]}”")
        return value

    return parse


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def parse_date(value: str) -> dt.date:
    match = _DATE.fullmatch(value)
    if not match:
        raise Invalid(f"日期格式应为YYYY-MM-DD（如2024-03-01），实为“{value[:50]}”")
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Invalid(f"“{value}”不是有效日期") from None
    if day.year < 1900:
        raise Invalid(f"日期“{value}”早于1900年")
    return day


def parse_datetime(value: str) -> dt.datetime:
    match = _DATETIME.fullmatch(value)
    if not match:
        raise Invalid(
            f"时间格式应为YYYY-MM-DD HH:MM:SS（如2024-03-01 09:30:00），实为“{value[:50]}”"
        )
    try:
        moment = dt.datetime(*(int(match[i]) for i in range(1, 7)), tzinfo=CST)
    except ValueError:
        raise Invalid(f"“{value}”不是有效时间") from None
    if moment.year < 1900:
        raise Invalid(f"时间“{value}”早于1900年")
    return moment


_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")


def money(decimals: int, max_digits: int, unit: str) -> Parser:
    max_int = max_digits - decimals

    def parse(value: str) -> Decimal:
        match = _NUMBER.fullmatch(value)
        if not match:
            if value.startswith("-"):
                raise Invalid(f"金额不能为负数，实为“{value[:50]}”")
            raise Invalid(f"应为以{unit}为单位的数字（不带千位分隔符和单位），实为“{value[:50]}”")
        if match[2] and len(match[2]) > decimals:
            raise Invalid(f"以{unit}为单位最多{decimals}位小数，实为“{value[:50]}”")
        if len(match[1].lstrip("0")) > max_int:
            raise Invalid(f"金额超出范围（整数部分最多{max_int}位），实为“{value[:50]}”")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
            raise Invalid(f"不是有效数字：“{value[:50]}”") from None

    return parse


_INT = re.compile(r"\d+")


def integer(value: str) -> int:
    if not _INT.fullmatch(value):
        if value.startswith("-") and _INT.fullmatch(value[1:]):
            raise Invalid(f"不能为负数，实为“{value}”")
        raise Invalid(f"应为非负整数，实为“{value[:50]}”")
    number = int(value)
    if number >= 2**31:
        raise Invalid(f"数值过大：{value[:50]}")
    return number


def year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise Invalid(f"年度应为4位数字（如2024），实为“{value[:50]}”")
    number = int(value)
    latest = dt.date.today().year + 1
    if not 1900 <= number <= latest:
        raise Invalid(f"年度应在1900至{latest}之间，实为{number}")
    return number


_USCC_CHAR = f"[{re.escape(USCC_ALPHABET)}]"
_USCC_FORM = re.compile(f"{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}")
_USCC_WEIGHTED = tuple(
    {char: value * weight for value, char in enumerate(USCC_ALPHABET)} for weight in USCC_WEIGHTS
)


def uscc(value: str) -> str:
    # A code of the right form with the right check character is valid (GB 32100: the
    # organisation-code remarks of ``validate_uscc`` are warnings only); anything else is
    # diagnosed by ``validate_uscc``, which gives the reason.
    if _USCC_FORM.fullmatch(value):
        total = sum(map(dict.__getitem__, _USCC_WEIGHTED, value))
        if value[17] == USCC_ALPHABET[-total % 31]:
            return value
    verdict = validate_uscc(value)
    if not verdict.valid:
        raise Invalid(f"统一社会信用代码无效：{verdict.reason}")
    return value


def id_number(value: str) -> str:
    """A citizen ID number is checked when it has 18 characters; other IDs up to 32."""
    if len(value) == 18:
        verdict = validate_id_number(value)
        if not verdict.valid:
            raise Invalid(f"公民身份号码无效：{verdict.reason}")
    elif len(value) > 32:
        raise Invalid(f"证件号码过长（最多32个字符，实为{len(value)}个）")
    return value


_divisions: set[str] = set()
_industry_sections: dict[str, str] = {}


def clear_caches() -> None:
    _divisions.clear()
    _industry_sections.clear()


def memoized(parse: Parser, size: int = 50_000) -> Parser:
    """``parse`` remembering up to ``size`` answers (values and reasons), for columns whose
    values repeat (dates, ID numbers of legal representatives, industry codes). One per
    import: the answers of ``id_number`` and ``year`` depend on today's date."""
    answers: dict[str, tuple[bool, Any]] = {}

    def parse_memoized(value: str) -> Any:
        answer = answers.get(value)
        if answer is None:
            try:
                answer = (True, parse(value))
            except Invalid as exc:
                answer = (False, exc.args[0])
            if len(answers) < size:
                answers[value] = answer
        if answer[0]:
            return answer[1]
        raise Invalid(answer[1])

    return parse_memoized


def _division_codes() -> set[str]:
    if not _divisions:
        from zhijian.dictionaries.models import Division

        _divisions.update(c for c in Division.objects.values_list("code", flat=True))
    return _divisions


_DISTRICT = re.compile(r"\d{6}")


def district(value: str) -> str:
    if not _DISTRICT.fullmatch(value):
        raise Invalid(f"所属区应为6位行政区划代码（GB/T 2260），实为“{value[:50]}”")
    codes = _division_codes()
    if codes and value not in codes:
        raise Invalid(f"行政区划代码{value}不存在")
    return value


def _sections() -> dict[str, str]:
    if not _industry_sections:
        from zhijian.dictionaries.models import Industry

        parents = dict(Industry.objects.values_list("code", "parent_id"))
        for code in parents:
            if len(code) == 4 and code.isdigit():
                node = code
                for _ in range(5):
                    parent = parents.get(node)
                    if not parent:
                        break
                    node = parent
                _industry_sections[code] = node
    return _industry_sections


_INDUSTRY = re.compile(r"([A-T])?(\d{4})")


def industry(value: str) -> str:
    match = _INDUSTRY.fullmatch(value)
    if not match:
        raise Invalid(
            f"行业代码应为GB/T 4754-2017的4位小类代码，可带门类字母（如H6210或6210），实为“{value[:50]}”"
        )
    section, code = match[1], match[2]
    sections = _sections()
    if sections:
        if code not in sections:
            raise Invalid(f"行业代码{code}不是GB/T 4754-2017中的小类")
        if section and sections[code] != section:
            raise Invalid(f"行业代码{code}属于门类{sections[code]}，不属于门类{section}")
    return code


_CURRENCY = re.compile(r"[A-Z]{3}")


def currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise Invalid(f"币种应为ISO 4217三位大写字母代码（如CNY、USD），实为“{value[:50]}”")
    return value


def measures(value: str) -> str:
    allowed = rm.PenaltyRecord.MEASURES
    items = value.split("、")
    bad = [item for item in items if item not in allowed]
    if bad:
        raise Invalid(
            f"处罚种类“{bad[0][:30]}”不在规定范围内（{'、'.join(allowed)}，多项以“、”分隔）"
        )
    if len(set(items)) != len(items):
        raise Invalid("处罚种类重复")
    return value


# Parsers whose inputs repeat across the rows of a file: the importer memoizes them per batch.
REPEATING: frozenset[Parser] = frozenset({parse_date, id_number, district, industry})


# --- columns and tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    header: str
    field: str
    parse: Parser
    required: bool = False
    key: bool = False
    empty: Any = ""  # stored when the cell is empty
    strip: bool = True  # codes are validated exactly as received (see identifiers.py)
    export: str = ""  # lookup used by the export; default: the field
    mask: str | None = None  # masking kind in masked exports

    @property
    def lookup(self) -> str:
        return self.export or self.field


RowCheck = Callable[[dict], list[tuple[str, str]]]


@dataclass
class TableSpec:
    name: str
    title: str
    model: type
    columns: list[Col]
    check: RowCheck | None = None
    reference: str = ""  # "uscc" must exist, "optional" must exist when given, "link"
    keys: tuple[str, ...] = field(default=())

    def __post_init__(self):
        self.keys = tuple(c.field for c in self.columns if c.key)
        self.by_header = {c.header: c for c in self.columns}
        self.by_field = {c.field: c for c in self.columns}
        self.required_headers = [c.header for c in self.columns if c.required]

    def load_caches(self) -> None:
        """Load the dictionaries the parsers of this table read (so that they then run
        without the database, e.g. in a validation process)."""
        parsers = {c.parse for c in self.columns}
        if district in parsers:
            _division_codes()
        if industry in parsers:
            _sections()


def _max(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def T(model, name: str, header: str, *, field_name: str | None = None, **kw) -> Col:
    return Col(header, field_name or name, text(_max(model, name)), **kw)


def C(model, name: str, header: str, choices, *, field_name: str | None = None, **kw) -> Col:
    return Col(header, field_name or name, choice(choices), **kw)


WAN = money(4, 18, "万元")
YUAN = money(2, 16, "元")
NULL = {"empty": None}


def _dates_in_order(first: str, second: str, reason: str) -> RowCheck:
    def check(row: dict) -> list[tuple[str, str]]:
        a, b = row.get(first), row.get(second)
        if a and b and b < a:
            return [(second, reason)]
        return []

    return check


def _check_entity(row: dict) -> list[tuple[str, str]]:
    problems = []
    status = row.get("status")
    if status in ("注销", "吊销") and row.get("deregistered_on") is None:
        problems.append(("deregistered_on", f"登记状态为{status}时必须填写注销日期"))
    problems += _dates_in_order("established_on", "deregistered_on", "注销日期早于成立日期")(row)
    return problems


def _check_entity_person(row: dict) -> list[tuple[str, str]]:
    if row.get("subscribed_capital") is not None and row.get("role") != "股东":
        return [("subscribed_capital", "只有职务为股东时才能填写认缴出资额")]
    return []


E, EP, L, AR = rm.Entity, rm.EntityPerson, rm.Licence, rm.AnnualReport
IR, PR, CR, S, CL = (
    rm.InspectionRecord,
    rm.PenaltyRecord,
    rm.ComplaintRecord,
    rm.Sampling,
    rm.CreditListing,
)
USCC_REF = {"strip": False, "export": "entity__uscc"}

SPECS: dict[str, TableSpec] = {}


def _register(spec: TableSpec) -> None:
    SPECS[spec.name] = spec


_register(
    TableSpec(
        "entities",
        "市场主体",
        E,
        [
            Col("统一社会信用代码", "uscc", uscc, required=True, key=True, strip=False),
            T(E, "name", "名称", required=True),
            C(E, "kind", "主体类型", E.Kind.values, required=True),
            T(E, "legal_form", "企业类型"),
            C(E, "status", "登记状态", E.Status.values, required=True),
            Col("成立日期", "established_on", parse_date, required=True),
            Col("注销日期", "deregistered_on", parse_date, **NULL),
            Col("注册资本（万元）", "registered_capital", WAN, **NULL),
            Col("币种", "currency", currency, empty="CNY"),
            T(E, "legal_rep_name", "法定代表人", required=True),
            Col(
                "法定代表人证件号码",
                "legal_rep_id",
                id_number,
                strip=False,
                export="legal_rep__id_number",
                mask="id_number",
            ),
            T(E, "address", "住所", required=True),
            Col("所属区", "district", district, export="district_code"),
            T(E, "registration_authority", "登记机关"),
            Col("行业代码", "industry", industry),
            T(E, "business_scope", "经营范围"),
            T(E, "phone", "联系电话", mask="phone"),
        ],
        check=_check_entity,
    )
)
_register(
    TableSpec(
        "entity_persons",
        "主体人员",
        EP,
        [
            Col("统一社会信用代码", "uscc", uscc, required=True, key=True, **USCC_REF),
            Col("姓名", "name", text(100), required=True, export="person__name"),
            Col(
                "证件号码",
                "id_number",
                id_number,
                required=True,
                key=True,
                strip=False,
                export="person__id_number",
                mask="id_number",
            ),
            C(EP, "role", "职务", EP.Role.values, required=True, key=True),
            Col("认缴出资额（万元）", "subscribed_capital", WAN, **NULL),
        ],
        check=_check_entity_person,
        reference="uscc",
    )
)
_register(
    TableSpec(
        "licences",
        "行政许可",
        L,
        [
            T(L, "number", "许可证编号", required=True, key=True),
            Col("统一社会信用代码", "uscc", uscc, required=True, **USCC_REF),
            T(L, "licence_type", "许可类型", required=True),
            C(L, "mode", "许可方式", L.Mode.values),
            T(L, "issuer", "发证机关", required=True),
            Col("发证日期", "issued_on", parse_date, required=True),
            Col("有效期至", "valid_until", parse_date, **NULL),
            T(L, "premises", "许可地址"),
            T(L, "scope", "经营项目"),
            C(L, "status", "状态", L.Status.values, required=True),
        ],
        check=_dates_in_order("issued_on", "valid_until", "有效期至早于发证日期"),
        reference="uscc",
    )
)
_register(
    TableSpec(
        "annual_reports",
        "年度报告",
        AR,
        [
            Col("统一社会信用代码", "uscc", uscc, required=True, key=True, **USCC_REF),
            Col("年度", "year", year, required=True, key=True),
            Col("报送日期", "filed_on", parse_date, **NULL),
            Col("从业人数", "employees", integer, **NULL),
            Col("资产总额（万元）", "total_assets", WAN, **NULL),
            Col("所有者权益合计（万元）", "equity", WAN, **NULL),
            Col("负债总额（万元）", "liabilities", WAN, **NULL),
            Col("营业总收入（万元）", "revenue", WAN, **NULL),
            Col("主营业务收入（万元）", "main_revenue", WAN, **NULL),
            Col("利润总额（万元）", "total_profit", WAN, **NULL),
            Col("净利润（万元）", "net_profit", WAN, **NULL),
            Col("纳税总额（万元）", "tax_paid", WAN, **NULL),
            Col("实缴资本（万元）", "paid_in_capital", WAN, **NULL),
        ],
        reference="uscc",
    )
)
_register(
    TableSpec(
        "inspections",
        "检查记录",
        IR,
        [
            T(IR, "number", "检查编号", required=True, key=True),
            Col("统一社会信用代码", "uscc", uscc, required=True, **USCC_REF),
            Col("检查日期", "inspected_on", parse_date, required=True),
            C(IR, "method", "检查方式", IR.Method.values, required=True),
            T(IR, "item", "监管事项"),
            T(IR, "authority", "检查机关", required=True),
            C(IR, "outcome", "检查结果", IR.Outcome.values, required=True),
            Col("问题数", "findings", integer, **NULL),
        ],
        reference="uscc",
    )
)
_register(
    TableSpec(
        "penalties",
        "行政处罚",
        PR,
        [
            T(PR, "number", "决定书文号", required=True, key=True),
            Col("统一社会信用代码", "uscc", uscc, **USCC_REF),
            T(PR, "party", "当事人", required=True),
            T(PR, "violation", "违法类型", required=True),
            T(PR, "facts", "违法行为"),
            T(PR, "legal_basis", "法律依据"),
            Col("处罚种类", "measures", measures, required=True),
            Col("罚没金额（元）", "amount", YUAN, **NULL),
            C(PR, "intensity", "处罚强度", PR.Intensity.values),
            Col("决定日期", "decided_on", parse_date, required=True),
            T(PR, "authority", "处罚机关", required=True),
            T(PR, "brand_model", "涉案品牌型号"),
        ],
        reference="optional",
    )
)
_register(
    TableSpec(
        "complaints",
        "投诉举报",
        CR,
        [
            T(CR, "number", "工单编号", required=True, key=True),
            C(CR, "kind", "类型", CR.Kind.values, required=True),
            Col("登记时间", "received_at", parse_datetime, required=True),
            T(CR, "respondent_name", "被诉主体名称", required=True),
            Col("被诉主体统一社会信用代码", "respondent_uscc", uscc, strip=False),
            T(CR, "claimant_name", "诉求人姓名", mask="name"),
            T(CR, "claimant_id", "诉求人证件号码", strip=False, mask="id_number"),
            T(CR, "claimant_phone", "诉求人手机号", mask="mobile"),
            T(CR, "text", "诉求内容", required=True),
            T(CR, "goods_category", "商品类别"),
            T(CR, "service_category", "服务类别"),
            T(CR, "issue_category", "问题类别"),
            T(CR, "address", "涉及地址"),
            T(CR, "status", "处理状态"),
        ],
        reference="link",
    )
)
_register(
    TableSpec(
        "samplings",
        "监督抽检",
        S,
        [
            T(S, "number", "抽样单号", required=True, key=True),
            Col("统一社会信用代码", "uscc", uscc, required=True, **USCC_REF),
            Col("抽检环节", "stage", choice(("生产", "销售"))),
            Col(
                "产品类别",
                "category",
                choice(
                    (
                        "食品",
                        "食用农产品",
                        "保健食品",
                        "药品",
                        "化妆品",
                        "医疗器械",
                        "工业产品",
                        "特种设备",
                    )
                ),  # fmt: skip
                required=True,
            ),
            T(S, "product", "产品名称", required=True),
            Col("抽样日期", "sampled_on", parse_date, required=True),
            C(S, "result", "检验结论", S.Result.values, required=True),
            T(S, "failed_items", "不合格项目"),
        ],
        reference="uscc",
    )
)
_register(
    TableSpec(
        "credit_listings",
        "信用名单",
        CL,
        [
            Col("统一社会信用代码", "uscc", uscc, required=True, key=True, **USCC_REF),
            C(
                CL,
                "list_type",
                "名单类型",
                CL.ListType.values,
                field_name="list",
                required=True,
                key=True,
                export="list_type",
            ),  # fmt: skip
            T(CL, "reason", "列入原因", required=True),
            Col("列入日期", "listed_on", parse_date, required=True, key=True),
            T(CL, "authority", "列入机关", required=True),
            Col("移出日期", "removed_on", parse_date, **NULL),
            T(CL, "removal_reason", "移出原因"),
        ],
        check=_dates_in_order("listed_on", "removed_on", "移出日期早于列入日期"),
        reference="uscc",
    )
)

TABLE_CHOICES = [(name, f"{spec.title}（{name}）") for name, spec in SPECS.items()]


def get_spec(name: str) -> TableSpec | None:
    return SPECS.get(name)


# --- formatting for export ------------------------------------------------------------------


def to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text_value = f"{value.normalize():f}"
        return text_value
    return str(value)
