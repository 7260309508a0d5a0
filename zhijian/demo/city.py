"""The synthetic city: market entities and their records for the configured jurisdiction.

``generate_city(n, seed)`` writes ``n`` entities and their related rows straight into the
registry tables (tables 1–9 of the exchange format) and returns a :class:`CityResult` with
the row counts and the ground truth of the planted patterns. Same ``n``, ``seed`` and
``today`` ⇒ identical rows (apart from ``created_at``/``updated_at``), whether the rows are
made in this process or in a worker process (see ``zhijian.demo.load``).

Fast path: :class:`CityGenerator` makes the rows as tuples of plain values (``str``, ``int``,
``None``: dates as ISO strings, amounts as decimal strings, exactly what the database receives
for ``date`` and ``Decimal`` values), chunk by chunk of 5,000 entities; ``zhijian.demo.load``
writes them with multi-row INSERTs (SQLite) or ``executemany`` and explicit primary keys
(sequences are reset at the end on PostgreSQL), in a worker process for big cities. No model
instances, so no signals: the command writes one audit record. Dates are computed as day
ordinals; identifiers come from ``zhijian.demo.codes``.

Assumptions (Shanghai, rounded; sources: Shanghai statistical yearbook / SAMR press releases
give about 3.4 million market entities of which about 2.9 million enterprises):

* kinds: 私营企业 80 %, 外资企业 3 %, 国有企业 1.5 %, 个体工商户 15.2 %, 农民专业合作社 0.3 %
  (cooperatives only in the rural districts 浦东, 闵行, 嘉定, 金山, 松江, 青浦, 奉贤, 崇明,
  in towns (镇) only);
* status: 存续 75 %, 注销 20 %, 吊销 4 %, 迁出 1 %;
* established over the last 30 years, exponentially skewed to recent years (mean age 8 y);
  deregistered/revoked between establishment + 60 days and today;
* registered capital log-normal (median 100 万元 for companies, 3 万元 for individual
  businesses), 60 % rounded to a "nice" amount, at most ``BACKGROUND_CAPITAL_MAX`` (5 亿元;
  the log-normal tail would pass 10 亿元 about once in two million entities);
* districts weighted by their share of Shanghai's entities (浦东 largest; 崇明 and 奉贤 large
  because of their registration parks); streets within a district with random weights;
* industries (``words.INDUSTRIES``) include testing labs (检验检测机构, about 0.04 % of the
  entities: about 1,400 in Shanghai) and e-bike shops (mostly individual businesses);
* related rows: legal representative for every entity, 0–4 shareholders/supervisors for
  enterprises; a licence for licensed industries (5-year validity, a lab's qualification
  certificate 6 years, renewed; 30 % by commitment, 告知承诺); annual reports for the last
  three years; inspections (~12 %), penalties (~1.2 %), complaints (~4 %), samplings (~8 % of
  food/drug/cosmetics/industrial traders), abnormal-list listings (~1 %).

The background never exhibits a planted pattern, nor triggers a rule of the rules pack
(``zhijian/rules/packs``), by construction. The thresholds and windows are those of the pack
in force on ``today`` (``rule_calendar``: the parameters' values, the rules' own window
arithmetic, working days from the calendar); "outside" means at least ``OUTSIDE`` (30) days
beyond a window:

* every entity has its own address (roads are unique in the city and numbers unique per
  road): no address is shared, whatever the spelling (one_address_many_entities);
* a person is legal representative of at most two entities (one_person_many_entities), and
  never of a second one when an entity of theirs was revoked (吊销) within the restriction
  window (legal_rep_disqualified; older revocations may have a live second entity);
* registered capital below the threshold (very_high_registered_capital);
* licences of operating entities are valid beyond both expiry reminders (at least 60 days) or
  were cancelled with the entity (food_licence_expiring, lab_qualification_expiring); a lab has
  one qualification certificate (lab_frequent_commitments);
* every operating entity has filed its due annual reports; zero-revenue reports have no
  paid-in capital and 1 万元 of assets (paid_in_capital_no_activity);
* an entity has at most one failed sampling, older than the sampling rule's window
  (product_quality_sampling_failures: one failure within the window already warns, so the
  background's failures are history, never recent; recent failures are planted);
* at most one penalty (repeat_false_advertising, false_publicity_risk: two are needed), no
  pyramid-selling penalty (pyramid_selling_followup), and the e-bike shops' modification
  cases (改装, with a brand and model) are all older than the month of new cases
  (ebike_modification_repeat);
* at most two complaints (false_publicity_risk: five are needed).

Planted patterns (``PATTERNS``, ``_plan``) are recorded in the ground truth file's
``patterns``; the rules some of them trigger: person_many_entities (6–12 live entities of one
person) → one_person_many_entities, every member; address_cluster (6–12 live entities at one
building, ``_cluster_address`` spellings, in a 镇/街道/乡 whose name the normaliser strips) →
one_address_many_entities for the groups of at least its threshold; repeated_sampling_failure
(3–4 failures within two years) → product_quality_sampling_failures, level high;
licence_expiring (a food business licence expiring within 30 days) → food_licence_expiring for
those within its days; the others trigger no rule (zero_activity_paid_in reports its paid-in
capital as assets; the repeat offenders' penalties and the many complaints are of kinds no
rule reads).

From ``RULE_CASES_MIN`` entities on, every rule of the pack also gets its planted cases
(``_rule_cases``; about 130 entities, listed in the ground truth's ``rule_cases`` with
``near_miss``), on its thresholds and windows as of ``today``:

* very_high_registered_capital: capital at the threshold and above it (warn); 1 分 below, and
  above it but revoked or cancelled (not);
* one_person_many_entities: exactly the threshold of live entities, one an individual business
  (all warn); one fewer live plus one cancelled, or plus one moved out (迁出) (not);
* one_address_many_entities: exactly the threshold at one house number in ten spellings, at one
  building (幢/号楼/栋/座/#楼) and at one house of a lane (弄/衖, 号楼, 第N号, Chinese
  numerals) (all warn); one fewer live plus one cancelled and one revoked (not);
* legal_rep_disqualified: revoked on the first day of the window, or today with two live
  entities, or listed on the serious violators list but removed today (the live entities
  warn); revoked exactly three years ago, listed and not removed, cancelled instead of
  revoked, or the other entity cancelled (not);
* paid_in_capital_no_activity: last year's report all 0 with paid-in capital above the
  threshold by 1 万元 and by 1 分, and the year before read when last year's is not filed
  (overdue after 30 June: then also an annual_report_not_filed item) (warn); paid-in exactly at
  the threshold, last year filed with activity, tax 0.01 万元, one employee, figures left
  empty, or the entity cancelled (not);
* product_quality_sampling_failures: one failure on the first day of the window, two (one
  today) (normal), the high threshold from the first day (high), the high threshold with one
  a day early (normal); one failure a day early (not);
* food_licence_expiring: expiring today and on the last day of the window (warn); the day
  after, yesterday (still 有效), a cancelled licence, a cancelled entity, a food production
  licence (not);
* lab_qualification_expiring: today and on the 5th working day (warn); the day after, a
  cancelled lab (not);
* lab_frequent_commitments: the threshold of commitments from the first day of the window to
  today, and one more than it with an inspection after the first (warn); the first a day
  early, an inspection on the day of the last but one, one of them by the ordinary procedure,
  a cancelled lab (not);
* pyramid_selling_followup: decided exactly a year ago and on the last catch-up day (warn); a
  day before the catch-up period, a day short of a year (not);
* repeat_false_advertising: the threshold of 虚假广告 penalties from the first day of the
  window (warn); the first a day early, one of them 虚假宣传 (not; both still warn
  false_publicity_risk);
* false_publicity_risk: penalties from the first day of its window, complaints (投诉) from
  0:00 on the first day to 23:59:59 today, reports (举报) (warn); a penalty a day early, a
  complaint at 23:59:59 the day before the window, one short with a report or a quality
  complaint instead (not);
* ebike_modification_repeat: a new case (first day of the month of new cases) with an earlier
  one exactly two years ago, brand written in other case and spaces; two new cases of one
  brand, the later warns (warn); the earlier case a day too old, the "new" case a day before
  the month, no brand, the earlier case not a modification (not). Their brands
  (``words.EBIKE_CASE_MODELS``) are never the background's.

The ground truth's ``rules`` section lists, per rule of the pack, the day to run it on
(``as_of``: ``today``) and exactly the warnings it must raise (``expected``: uscc, key,
level); tests/rules/test_city_ground_truth.py checks precision and recall 1.0 and
bench/rules.py measures the rules on big cities.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from zhijian.dictionaries.models import Division
from zhijian.registry import models as rm
from zhijian.registry.location import locate, unit_index

from . import words as W
from .codes import IdNumbers, Usccs

SOURCE = "demo"
CHUNK = 5000
FIVE_YEARS = 1826  # days
SIX_YEARS = 2191  # days: validity of a testing-lab qualification certificate
SHANGHAI = ZoneInfo("Asia/Shanghai")
LAB_LICENCE = "检验检测机构资质认定证书"
EBIKE_VIOLATION = "电动自行车拼装改装"
# Violations read by the rules pack: never in the penalties of the penalty pattern.
RULE_VIOLATIONS = frozenset(("虚假宣传", "虚假广告", "传销", EBIKE_VIOLATION))
DEFAULT_VIOLATIONS = ("虚假宣传", "价格违法")  # industries without their own list
RULE_CASE = "rule_case"  # the planted tuple of a rule-case entity: (RULE_CASE, case, member)
RULE_CASES_MIN = 5_000  # entities from which the rule cases are planted (≤ 3 % of the city)
OUTSIDE = 30  # days: background records stay at least this far outside a rule's window
BACKGROUND_CAPITAL_MAX = 50_000.0  # 万元: the background's registered capital stays below
TOWN_SUFFIXES = ("镇", "街道", "乡")  # street names the address normaliser strips
# After a short district name (上海浦东…), a street name starting with one of these reads as
# part of a road or water name (徐汇湖…): the cluster addresses then use the full name.
AMBIGUOUS_AFTER_SHORT = frozenset("东南西北中一二三四五六七八九路街道弄巷桥港江河浜泾塘湖大公支")
WIDE_DIGITS = {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
CHINESE_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")

PRIVATE = rm.Entity.Kind.PRIVATE.value
FOREIGN = rm.Entity.Kind.FOREIGN.value
STATE = rm.Entity.Kind.STATE.value
INDIVIDUAL = rm.Entity.Kind.INDIVIDUAL.value
COOPERATIVE = rm.Entity.Kind.COOPERATIVE.value

PATTERNS = (
    "person_many_entities",
    "address_cluster",
    "zero_activity_paid_in",
    "repeated_sampling_failure",
    "licence_expiring",
    "licence_expired_still_operating",
    "annual_report_not_filed",
    "many_complaints_same_respondent",
    "penalty_repeat_offender",
)
LICENCE_PATTERNS = (
    "repeated_sampling_failure",
    "licence_expiring",
    "licence_expired_still_operating",
)

# Share of Shanghai's market entities by district (approximate, per cent).
DISTRICT_WEIGHTS = {
    "310115": 20, "310112": 8, "310114": 8, "310120": 8, "310151": 8, "310117": 7,
    "310118": 6, "310113": 6, "310116": 5, "310106": 4, "310104": 4, "310110": 3.5,
    "310107": 3.5, "310105": 3, "310101": 2.5, "310109": 2.5,
}  # fmt: skip
RURAL_DISTRICTS = {"310115", "310112", "310114", "310116", "310117", "310118", "310120", "310151"}
KINDS = ((PRIVATE, 80.0), (FOREIGN, 3.0), (STATE, 1.5), (INDIVIDUAL, 15.2), (COOPERATIVE, 0.3))
KIND_PREFIX = {INDIVIDUAL: "92", COOPERATIVE: "93"}  # USCC prefix; others 91
STATUSES = (("存续", 75), ("注销", 20), ("吊销", 4), ("迁出", 1))
NICE_CAPITAL = (1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000)
HISTORIC_AUTHORITY = {
    "310108": "上海市工商行政管理局闸北分局",
    "310103": "上海市工商行政管理局卢湾分局",
    "310230": "上海市工商行政管理局崇明分局",
    "310119": "上海市工商行政管理局南汇分局",
}
INSPECTION_ITEMS = ("食品经营监督检查", "广告发布监督检查", "产品质量监督检查", "企业公示信息抽查")
INSPECTION_OUTCOMES = ("未发现问题", "发现问题已责令整改", "发现问题已立案", "未发现经营")
INSPECTION_OUTCOME_CUM = tuple(accumulate((80, 12, 2, 6)))
LICENCE_PREFIX = {"食品经营许可证": "JY1", "食品生产许可证": "SC1", "药品经营许可证": "沪DA"}
LICENCE_SCOPE = {
    "food": "预包装食品销售（含冷藏冷冻食品）；热食类食品制售",
    "agri": "预包装食品销售（不含冷藏冷冻食品）；散装食品销售",
}
PAID_RATIOS = (0, 0.2, 0.5, 1, 1)
LOG_30 = math.log(30)
HOLDERS = (1, 1, 2, 2, 3)
GIVEN_ANY = W.GIVEN_MALE + W.GIVEN_FEMALE
GIVEN_WITH_NEUTRAL = (W.GIVEN_NEUTRAL + W.GIVEN_FEMALE, W.GIVEN_NEUTRAL + W.GIVEN_MALE)

# The tables in writing order (parents first); rows are kept per table in this order.
ORDER = (
    rm.Person,
    rm.Entity,
    rm.EntityPerson,
    rm.Licence,
    rm.AnnualReport,
    rm.InspectionRecord,
    rm.PenaltyRecord,
    rm.ComplaintRecord,
    rm.Sampling,
    rm.CreditListing,
)
(PERSON, ENTITY, ENTITY_PERSON, LICENCE, ANNUAL_REPORT, INSPECTION, PENALTY, COMPLAINT,
 SAMPLING, LISTING) = range(len(ORDER))  # fmt: skip
COMMON = ("source", "batch_id", "created_at", "updated_at")
FIELDS = {
    rm.Person: ("id", "id_number", "name", "id_is_citizen", *COMMON),
    rm.Entity: (
        "id", "uscc", "name", "kind", "legal_form", "status", "established_on",
        "deregistered_on", "registered_capital", "currency", "legal_rep_name", "legal_rep",
        "address", "district_code", "street_code", "location_source",
        "registration_authority", "industry", "business_scope", "phone", "unit", *COMMON,
    ),
    rm.EntityPerson: ("entity", "person", "role", "subscribed_capital", "unit", *COMMON),
    rm.Licence: (
        "number", "entity", "licence_type", "mode", "issuer", "issued_on", "valid_until",
        "premises", "scope", "status", "unit", *COMMON,
    ),
    rm.AnnualReport: (
        "entity", "year", "filed_on", "employees", "total_assets", "equity", "liabilities",
        "revenue", "main_revenue", "total_profit", "net_profit", "tax_paid", "paid_in_capital",
        "unit", *COMMON,
    ),
    rm.InspectionRecord: (
        "number", "entity", "inspected_on", "method", "item", "authority", "outcome",
        "findings", "unit", *COMMON,
    ),
    rm.PenaltyRecord: (
        "number", "entity", "party", "violation", "facts", "legal_basis", "measures", "amount",
        "intensity", "decided_on", "authority", "brand_model", "unit", *COMMON,
    ),
    rm.ComplaintRecord: (
        "number", "kind", "received_at", "respondent_name", "respondent_uscc", "entity",
        "claimant_name", "claimant_id", "claimant_phone", "text", "goods_category",
        "service_category", "issue_category", "address", "status", "unit", *COMMON,
    ),
    rm.Sampling: (
        "number", "entity", "stage", "category", "product", "sampled_on", "result",
        "failed_items", "unit", *COMMON,
    ),
    rm.CreditListing: (
        "entity", "list_type", "reason", "listed_on", "authority", "removed_on",
        "removal_reason", "unit", *COMMON,
    ),
}  # fmt: skip


def _money(value: float) -> str:
    """An amount with two decimals, as the database receives a ``Decimal`` ("12.50")."""
    return f"{value:.2f}"


class FastRandom(random.Random):
    """``random.Random`` whose ``randint`` and ``choice`` skip the argument checks.

    Same values from the same state as the standard methods (CPython's own algorithm:
    ``a + _randbelow(b - a + 1)`` and ``seq[_randbelow(len(seq))]``), with fewer Python calls.
    """

    def randint(self, a: int, b: int) -> int:
        return a + self._randbelow(b - a + 1)

    def choice(self, seq):
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._randbelow(len(seq))]


class Picker:
    """Weighted choice by bisect on cumulative weights (faster than random.choices)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class IsoDates(dict):
    """Day ordinal → ISO date string, computed once per day."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


class Years(dict):
    """Day ordinal → year, computed once per day."""

    def __missing__(self, ordinal: int) -> int:
        year = self[ordinal] = date.fromordinal(ordinal).year
        return year


@dataclass
class Street:
    code: str
    name: str
    district: str
    unit_id: int
    roads: list[tuple[str, int, int]]  # (name, first number, step)
    count: int = 0
    is_town: bool = False

    def next_address(self) -> tuple[str, int]:
        """(road, number) unique within the city: the road belongs to this street only."""
        k = self.count
        self.count += 1
        road, first, step = self.roads[k % len(self.roads)]
        return road, first + (k // len(self.roads)) * step


@dataclass
class District:
    code: str
    name: str
    short: str
    unit_id: int
    streets: list[Street]
    street_picker: Picker | None = None
    towns: list[Street] = field(default_factory=list)
    abolished: tuple[str, int] | None = None  # (code, last year)
    authority: str = ""  # 上海市浦东新区市场监督管理局


@dataclass
class CityResult:
    entities: int
    seed: int
    rows: dict[str, int]
    seconds: float
    ground_truth: dict
    ground_truth_path: Path | None = None
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase (see load.py)


@dataclass(slots=True)
class _Ent:
    id: int
    uscc: str
    name: str
    kind: str
    status: str
    established: int  # day ordinal
    deregistered: int | None  # day ordinal
    capital: float | None
    unit_id: int
    address: str
    district: District
    industry: dict | None
    pattern: str
    planted: tuple | None
    spec: dict | None = None  # a rule-case member's specification (see _rule_cases)


@dataclass
class _Case:
    """A planted case of a rule: its entities (``members``, specifications) and what it
    shows; the warnings it must raise are in the members' ``warn`` entries."""

    rule: str
    text: str  # Chinese, for the ground truth
    members: list[dict]
    usccs: list[str] = field(default_factory=list)

    @property
    def near_miss(self) -> bool:
        """True when no member warns for the case's own rule."""
        return not any(self.rule in _warns(member) for member in self.members)


def _warns(spec: dict) -> set[str]:
    """The rules a member's specification expects a warning from (its own or its records')."""
    found = set(spec.get("warn", ()))
    for kind in ("licences", "penalties"):
        for record in spec.get(kind, ()):
            found.update(record.get("warn", ()))
    return found


def rule_calendar(today: date) -> tuple[dict, dict, dict]:
    """({rule: {parameter: value}}, {rule: {window: day ordinal}}, {rule: default level}) of
    the rules pack as of ``today``: the thresholds and windows the planted cases sit on.
    Reads the parameter values in force (the database): call it before any worker starts."""
    from zhijian.rules.definitions import all_rules

    params, windows, levels = {}, {}, {}
    for rule_id, rule in all_rules().items():
        values = rule.values_on(today)
        params[rule_id] = {
            name: float(value) if rule.parameter_types[name] == "decimal" else int(value)
            for name, value in values.items()
            if rule.parameter_types[name] != "text_list"  # lists (exclusions) are not thresholds
        }
        days: dict[str, date] = {}
        for window in rule.windows:
            days[window.name] = window.on(days[window.base] if window.base else today, values)
        windows[rule_id] = {name: day.toordinal() for name, day in days.items()}
        levels[rule_id] = rule.level
    return params, windows, levels


def _next_id(model, using: str) -> int:
    last = model.objects.using(using).order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def _complaint_category(ent) -> str:
    if ent.industry is None:
        return "食品"
    return ent.industry["complaint"][1]


class CityGenerator:
    """Makes the rows of the city, chunk by chunk (``chunks()``); writes nothing.

    Reads the organisation tree and the divisions when it is created, then touches the
    database no more (it may run in a worker process, see ``zhijian.demo.load``).
    """

    def __init__(
        self,
        n: int,
        seed: int,
        *,
        today: date | None = None,
        using: str = "default",
    ):
        self.n = n
        self.seed = seed
        self.today = today or timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.rng = FastRandom(seed)
        self.using = using
        self.ops = connections[using].ops
        self.now = self.ops.adapt_datetimefield_value(timezone.now())
        self.tail = (SOURCE, None, self.now, self.now)
        self.iso = IsoDates()
        self.years = Years()
        self.id_numbers = IdNumbers()
        self.usccs = Usccs()
        self._load_geography()
        self.industries = [
            dict(zip(
                ("key", "words", "code", "w_ent", "w_ind", "shops", "licence", "sampling",
                 "complaint", "scope"), row, strict=True,
            ))
            for row in W.INDUSTRIES
        ]  # fmt: skip
        self.pick_ent_industry = Picker((i, i["w_ent"]) for i in self.industries if i["w_ent"])
        self.pick_ind_industry = Picker((i, i["w_ind"]) for i in self.industries if i["w_ind"])
        self.licensed = [i for i in self.industries if i["licence"] == "食品经营许可证"]
        self.industry = {i["key"]: i for i in self.industries}
        # The penalty pattern's industries: none of their violations is read by a rule.
        self.plain_penalty_industries = [
            i for i in self.industries if i["w_ent"] and not RULE_VIOLATIONS.intersection(
                W.VIOLATIONS_BY_INDUSTRY.get(i["key"], DEFAULT_VIOLATIONS))
        ]  # fmt: skip
        self.pick_kind = Picker(KINDS)
        self.pick_status = Picker(STATUSES)
        self.pick_surname = Picker(zip(W.SURNAMES, W.SURNAME_WEIGHTS, strict=True))
        self.pick_form = {
            PRIVATE: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_PRIVATE),
            FOREIGN: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_FOREIGN),
            STATE: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_STATE),
        }
        self.id_areas = [d.code for d in self.districts] * 3 + list(W.OTHER_ID_AREAS)
        self.id_areas += [code for code in HISTORIC_AUTHORITY if code.startswith("31")]
        # Area codes as small integers: keys of the ID sequence counters.
        self.area_key = {area: i for i, area in enumerate(dict.fromkeys(self.id_areas))}
        # Counters that make numbers unique by construction.
        self.next_entity_id = self.first_entity_id = _next_id(rm.Entity, using)
        self.next_person_id = self.first_person_id = _next_id(rm.Person, using)
        self.id_seq: dict[int, int] = {}
        self.org_seq = 0
        self.seq = {"licence": 0, "inspection": 0, "penalty": 0, "complaint": 0, "sampling": 0}
        self.reuse_pool: list[tuple[int, str]] = []
        # 9 characters of the organisation code: affine permutations, unique per counter.
        self.org_a = self.rng.randrange(1, 31**6) | 1
        while math.gcd(self.org_a, 31) != 1:
            self.org_a += 2
        self.org_b = self.rng.randrange(31**6)
        self.num_a = self.rng.randrange(10**7, 10**8) | 1
        while math.gcd(self.num_a, 10) != 1:
            self.num_a += 2
        self.num_b = self.rng.randrange(10**8)
        self.truth: dict[str, list] = {name: [] for name in PATTERNS}
        self._rule_setup()
        self.abolished_usccs: list[str] = []
        self.group_state: dict[tuple[str, int], dict] = {}
        self.rows: list[list[tuple]] = [[] for _ in ORDER]

    # ------------------------------------------------------------------ geography

    def _load_geography(self) -> None:
        jurisdiction = settings.JURISDICTION
        index = unit_index()
        rows = Division.objects.using(self.using).filter(code__startswith=jurisdiction[:2])
        divisions = list(rows.values_list("code", "name", "level", "parent_id", "is_current",
                                          "successor_id", "valid_to"))  # fmt: skip
        province = next((r[1] for r in divisions if r[0] == jurisdiction), "")
        self.city_name = province
        self.city_short = province.removesuffix("市").removesuffix("省")
        districts = {}
        for code, name, level, _parent, current, _succ, _to in divisions:
            if level == "district" and current and code in index.by_district:
                short = name.removesuffix("新区").removesuffix("区")
                districts[code] = District(code, name, short, index.by_district[code], [])
                districts[code].authority = f"{self.city_name}{name}市场监督管理局"
        for code, _name, level, _parent, current, succ, valid_to in divisions:
            if (
                level == "district"
                and not current
                and succ in districts
                and code in HISTORIC_AUTHORITY
                and valid_to
                and valid_to >= 2009
            ):
                districts[succ].abolished = (code, valid_to)
        road_names = self._road_names()
        position = 0
        for code, name, level, parent, current, _succ, _to in sorted(divisions):
            if level != "street" or not current or parent not in districts:
                continue
            unit_id = index.by_street.get(code)
            if unit_id is None:
                continue
            roads = [
                (road, self.rng.randint(1, 300), self.rng.randint(1, 9))
                for road in road_names[position : position + 24]
            ]
            position += 24
            street = Street(code, name, parent, unit_id, roads, is_town=name.endswith("镇"))
            districts[parent].streets.append(street)
        self.districts = [d for d in districts.values() if d.streets]
        if not self.districts:
            raise RuntimeError("no districts with stations: load the organisation tree first")
        for district in self.districts:
            district.street_picker = Picker(
                (s, self.rng.uniform(0.3, 1.0) * (0.3 if len(s.code) == 9 and
                 400 <= int(s.code[6:]) <= 599 else 1.0))
                for s in district.streets
            )  # fmt: skip
            district.towns = [s for s in district.streets if s.is_town]
        self.pick_district = Picker((d, DISTRICT_WEIGHTS.get(d.code, 3.0)) for d in self.districts)
        self.rural = [d for d in self.districts if d.code in RURAL_DISTRICTS and d.towns]
        # The address parser's index is built on first use: build it now, while the
        # database is at hand (planted address clusters are located while generating).
        district = self.districts[0]
        locate(f"{self.city_name}{district.name}{district.streets[0].name}")

    def _road_names(self) -> list[str]:
        chars = list(dict.fromkeys(W.ROAD_CHARS))
        names = [a + b for a in chars for b in chars if a != b]
        self.rng.shuffle(names)
        return [name + self.rng.choice(W.ROAD_SUFFIXES) for name in names]

    # ------------------------------------------------------------------ identifiers

    def _uscc(self, kind: str, district: str, established_year: int) -> str:
        self.org_seq += 1
        head = KIND_PREFIX.get(kind, "91") + district
        if established_year >= 2015 or kind == INDIVIDUAL:
            return self.usccs.with_ma(head, (self.org_a * self.org_seq + self.org_b) % 31**6)
        return self.usccs.with_number(head, (self.num_a * self.org_seq + self.num_b) % 10**8)

    def _person(self, born_after: int = 1950, born_before: int = 2000) -> tuple[int, str, str]:
        rng = self.rng
        randint = rng.randint
        area = rng.choice(self.id_areas)
        area_key = self.area_key[area] << 20
        id_seq = self.id_seq
        while True:
            year, month, day = randint(born_after, born_before), randint(1, 12), randint(1, 28)
            key = area_key | (year << 9) | (month << 5) | day
            count = id_seq.get(key, 0)
            if count < 450:
                break
        id_seq[key] = count + 1
        male = rng.random() < 0.55
        sequence = 2 * count + male + 100  # 100-999, odd = male
        id_number = self.id_numbers.make(area, year, month, day, sequence)
        name = self._name(male)
        pid = self.next_person_id
        self.next_person_id = pid + 1
        self.rows[PERSON].append((pid, id_number, name, True, *self.tail))
        return pid, name, id_number

    def _name(self, male: bool) -> str:
        rng = self.rng
        given = rng.choice(W.GIVEN_MALE if male else W.GIVEN_FEMALE)
        if rng.random() < 0.7:
            given = rng.choice(GIVEN_WITH_NEUTRAL[male]) + given
        return self.pick_surname(rng) + given

    def _claimant_id(self) -> str:
        rng = self.rng
        area = rng.choice(self.id_areas)
        year, month = rng.randint(1960, 2004), rng.randint(1, 12)
        day, sequence = rng.randint(1, 28), rng.randint(0, 999)
        return self.id_numbers.make(area, year, month, day, sequence)

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999999999):09d}"

    def _trade_name(self) -> str:
        rng = self.rng
        chars = W.TRADE_CHARS
        if rng.random() < 0.6:
            return rng.choice(chars) + rng.choice(chars)
        return rng.choice(chars) + rng.choice(chars) + rng.choice(chars)

    # ------------------------------------------------------------------ dates (ordinals)

    def _established(self, min_age_days: int = 30) -> int:
        span = 30 * 365
        lam = 1 / (8 * 365)
        u = self.rng.random() * (1 - math.exp(-lam * span))
        age = int(-math.log(1 - u) / lam)
        return self.today_ord - max(min_age_days, age)

    def _between(self, start: int, end: int) -> int:
        if end <= start:
            return start
        return start + self.rng.randint(0, end - start)

    # ------------------------------------------------------------------ planting

    def _plan(self) -> dict[int, tuple]:
        """Which entity indices carry which pattern: {index: (pattern, group)}, and which are
        members of a rule case (``_rule_cases``): {index: (RULE_CASE, case, member)}."""
        rng = self.rng
        groups = max(3, self.n // 2500)
        sizes = {
            "person_many_entities": [rng.randint(6, 12) for _ in range(groups)],
            "address_cluster": [rng.randint(6, 12) for _ in range(groups)],
        }
        for name in PATTERNS[2:]:
            sizes[name] = [1] * groups
        total = sum(sum(v) for v in sizes.values())
        if total > self.n // 3:
            return {}  # too small a city to plant anything (the ground truth lists nothing)
        cases = self._rule_cases() if self.n >= RULE_CASES_MIN else []
        members = sum(len(case.members) for case in cases)
        indices = rng.sample(range(self.n), total + members)
        plan = {}
        position = 0
        for name in PATTERNS:
            for group, size in enumerate(sizes[name]):
                for index in indices[position : position + size]:
                    plan[index] = (name, group)
                position += size
        for number, case in enumerate(cases):
            for member in range(len(case.members)):
                plan[indices[position]] = (RULE_CASE, number, member)
                position += 1
        self.cases = cases
        return plan

    def _rule_setup(self) -> None:
        """The rules pack as of ``today`` (``rule_calendar``) and the limits the background
        keeps to stay out of every rule (see the module docstring)."""
        self.rule_params, self.rule_windows, self.rule_levels = rule_calendar(self.today)
        today = self.today_ord

        def window(rule: str, name: str, days_before: int) -> int:
            return self.rule_windows.get(rule, {}).get(name, today - days_before)

        # failed samplings of the background: before the sampling rule's window
        self.sampling_old_end = window("product_quality_sampling_failures", "since", 730) - OUTSIDE
        # revocations old enough to leave a person free to represent another live entity
        self.revocation_clear = window("legal_rep_disqualified", "revoked_since", 1095) - OUTSIDE
        # modification cases of the background: before the month of new cases
        self.ebike_old_end = window("ebike_modification_repeat", "new_since", 31) - OUTSIDE
        # valid licences of operating entities: beyond both expiry reminders
        self.licence_horizon = max(
            today + 60,
            window("food_licence_expiring", "until", 0) + OUTSIDE,
            window("lab_qualification_expiring", "until", 0) + OUTSIDE,
        )
        threshold = self.rule_params.get("very_high_registered_capital", {}).get("min_capital")
        self.capital_max = min(BACKGROUND_CAPITAL_MAX, (threshold or math.inf) / 2)
        self.expected: dict[str, list[dict]] = {rule: [] for rule in self.rule_params}
        self.cases: list[_Case] = []
        self.case_state: dict[tuple, object] = {}

    def _expect(self, rule: str, uscc: str, key: str, level: str) -> None:
        """Record a warning ``rule`` must raise when run as of ``today``."""
        if rule in self.expected:
            self.expected[rule].append({"uscc": uscc, "key": key, "level": level})

    def _rule_cases(self) -> list[_Case]:
        """The planted cases of every rule of the pack: positive cases, boundary cases (at a
        threshold, on the first or last day of a window) and near misses (just below a
        threshold, one day outside a window), on the thresholds and windows in force on
        ``today``. A member is a specification: ``status``, ``deregistered`` (ordinal),
        ``capital``, ``industry`` (key of ``words.INDUSTRIES``), ``kind``, ``person`` (a label:
        the members of a case with the same label share their legal representative),
        ``cluster`` (an address family: the members share one building written in different
        ways), ``reports`` ({year: report}), ``licences``, ``penalties``, ``complaints``,
        ``samplings``, ``inspections``, ``listings``; ``warn`` ({rule: level}) on the member
        or on one of its licences or penalties names the warning it must raise."""
        rng = self.rng
        today = self.today_ord
        params, windows, levels = self.rule_params, self.rule_windows, self.rule_levels
        cases: list[_Case] = []

        def case(rule: str, text: str, *members: dict) -> None:
            cases.append(_Case(rule, text, [dict(m) for m in members]))

        def live(**spec) -> dict:
            return {"status": "存续", **spec}

        def gone(status: str, day: int | None = None, **spec) -> dict:
            return {"status": status, "deregistered": day, **spec}

        def days_in(start: int, end: int, count: int) -> list[int]:
            """``count`` distinct days in [start, end], in order."""
            return sorted(rng.sample(range(start, end + 1), count))

        # fmt: off
        rule = "very_high_registered_capital"
        if rule in params:
            least = params[rule]["min_capital"]
            warn = {rule: levels[rule]}
            case(rule, "注册资本恰为阈值：预警", live(capital=least, warn=warn))
            case(rule, "注册资本超过阈值（含角分）：预警", live(capital=least * 2.5 + 0.5, warn=warn))
            case(rule, "注册资本比阈值低1分：不预警", live(capital=least - 0.01))
            case(rule, "注册资本超过阈值但已吊销：不预警", gone("吊销", capital=least * 1.5))
            case(rule, "注册资本超过阈值但已注销：不预警", gone("注销", capital=least * 3))

        rule = "one_person_many_entities"
        if rule in params:
            k = params[rule]["min_entities"]
            warn = {rule: levels[rule]}
            case(rule, f"同一人恰任{k}户存续主体法定代表人（含1户个体工商户）：{k}户均预警",
                 *[live(person="P", warn=warn) for _ in range(k - 1)],
                 live(person="P", kind=INDIVIDUAL, industry="snack", warn=warn))
            case(rule, f"{k - 1}户存续加1户注销：不预警",
                 *[live(person="P") for _ in range(k - 1)], gone("注销", person="P"))
            case(rule, f"{k - 1}户存续加1户迁出：不预警",
                 *[live(person="P") for _ in range(k - 1)], gone("迁出", person="P"))

        rule = "one_address_many_entities"
        if rule in params:
            k = params[rule]["min_entities"]
            warn = {rule: levels[rule]}
            case(rule, f"同一门牌号{k}户存续主体，写法各异（全半角、號、中文数字、楼层房间、区名和街镇有无、"
                       "空格括注）：均预警", *[live(cluster="house", warn=warn) for _ in range(k)])
            case(rule, f"同一门牌号{k - 1}户存续加1户注销、1户吊销：不预警",
                 *[live(cluster="house") for _ in range(k - 1)],
                 gone("注销", cluster="house"), gone("吊销", cluster="house"))
            case(rule, f"同一幢楼{k}户（幢、号楼、栋、座、#楼）：均预警",
                 *[live(cluster="building", warn=warn) for _ in range(k)])
            case(rule, f"同一弄内门牌{k}户（弄、衖、号楼、第N号、中文数字）：均预警",
                 *[live(cluster="lane", warn=warn) for _ in range(k)])

        rule = "legal_rep_disqualified"
        if rule in params:
            since = windows[rule]["revoked_since"]
            warn = {rule: levels[rule]}
            serious = {"list_type": "严重违法失信名单", "listed": today - 200}
            case(rule, "吊销未逾三年（窗口首日吊销）又任另一存续主体法定代表人：预警",
                 gone("吊销", since + 1, person="P"), live(person="P", warn=warn))
            case(rule, "当天吊销，另任两户存续主体法定代表人：两户均预警",
                 gone("吊销", today, person="P"), live(person="P", warn=warn),
                 live(person="P", warn=warn))
            case(rule, "吊销恰满三年：不预警", gone("吊销", since, person="P"), live(person="P"))
            case(rule, "被吊销主体已列入严重违法失信名单：不预警",
                 gone("吊销", today - 300, person="P", listings=[serious]), live(person="P"))
            case(rule, "严重违法失信名单当天移出：预警",
                 gone("吊销", today - 300, person="P", listings=[{**serious, "removed": today}]),
                 live(person="P", warn=warn))
            case(rule, "未逾三年但为注销（非吊销）：不预警",
                 gone("注销", today - 100, person="P"), live(person="P"))
            case(rule, "吊销未逾三年但另一主体已注销：不预警",
                 gone("吊销", today - 200, person="P"), gone("注销", today - 50, person="P"))

        rule = "paid_in_capital_no_activity"
        if rule in params:
            least = params[rule]["min_paid_in"]
            last, before = self.today.year - 1, self.today.year - 2
            level = levels[rule]

            def zero(paid: float, **fields) -> dict:
                return {"paid_in": paid, **fields}

            case(rule, f"{last}年度年报实缴资本超过阈值、经营数据全为0：预警",
                 live(capital=least * 4, reports={last: zero(least + 1)}, warn={rule: level},
                      warn_year=last))
            case(rule, "实缴资本恰为阈值：不预警", live(capital=least * 4, reports={last: zero(least)}))
            case(rule, "实缴资本比阈值高1分：预警",
                 live(capital=least * 4, reports={last: zero(least + 0.01)}, warn={rule: level},
                      warn_year=last))
            case(rule, f"未报送{last}年度年报，读取{before}年度年报：预警",
                 live(capital=least * 10, warn={rule: level}, warn_year=before,
                      reports={last: {"unfiled": True}, before: zero(least * 5)}))
            case(rule, f"已报送{last}年度年报（有经营）时不读{before}年度年报：不预警",
                 live(capital=least * 10,
                      reports={last: {"active": True}, before: zero(least * 5)}))
            case(rule, "纳税总额0.01万元：不预警",
                 live(capital=least * 6, reports={last: zero(least * 3, tax_paid=0.01)}))
            case(rule, "从业人数1人：不预警",
                 live(capital=least * 6, reports={last: zero(least * 3, employees=1)}))
            case(rule, "经营数据未填报（空值不视为0）：不预警",
                 live(capital=least * 6, reports={last: zero(least * 3, undisclosed=True)}))
            case(rule, "主体已注销：不预警",
                 gone("注销", today, capital=least * 6, reports={last: zero(least * 3)}))

        rule = "product_quality_sampling_failures"
        if rule in params:
            since, high = windows[rule]["since"], params[rule]["high_failures"]

            def failures(*days: int) -> list:
                return [(day, "不合格") for day in days]

            food = {"industry": "food_retail"}
            case(rule, "窗口首日（恰两年前）1次不合格：一般预警",
                 live(**food, samplings=failures(since), warn={rule: "normal"}))
            case(rule, "早一天的1次不合格：不预警",
                 live(**food, samplings=[*failures(since - 1), (today - 100, "合格")]))
            case(rule, "2次不合格（1次在当天）与1次合格：一般预警",
                 live(**food, samplings=[*failures(since + 200, today), (today - 50, "合格")],
                      warn={rule: "high" if high <= 2 else "normal"}))
            case(rule, f"{high}次不合格（第一次在窗口首日）：高频预警",
                 live(**food, samplings=failures(since, *days_in(since + 1, today, high - 1)),
                      warn={rule: "high"}))
            case(rule, f"{high}次不合格但1次早一天：一般预警",
                 live(**food, samplings=failures(since - 1, *days_in(since + 1, today, high - 1)),
                      warn={rule: "normal"} if high > 1 else {}))

        rule = "food_licence_expiring"
        if rule in params:
            until, ahead = windows[rule]["until"], params[rule]["days_ahead"]
            warn = {rule: levels[rule]}

            def food(valid_until: int, **fields) -> dict:
                return {"type": "食品经营许可证", "valid_until": valid_until, **fields}

            shop = {"industry": "catering"}
            case(rule, "食品经营许可证当天到期：提醒", live(**shop, licences=[food(today, warn=warn)]))
            case(rule, f"恰在第{ahead}天到期：提醒", live(**shop, licences=[food(until, warn=warn)]))
            case(rule, f"第{ahead + 1}天到期：不提醒", live(**shop, licences=[food(until + 1)]))
            case(rule, "昨天已到期（状态仍为有效）：不提醒", live(**shop, licences=[food(today - 1)]))
            case(rule, "许可证已注销：不提醒", live(**shop, licences=[food(today + 5, status="注销")]))
            case(rule, "主体已注销（许可证状态仍为有效）：不提醒",
                 gone("注销", today - 20, **shop, licences=[food(today + 5)]))
            case(rule, "食品生产许可证临期（非食品经营许可）：不提醒",
                 live(industry="food_making",
                      licences=[{"type": "食品生产许可证", "valid_until": today + 5}]))

        rule = "lab_qualification_expiring"
        if rule in params:
            until, ahead = windows[rule]["until"], params[rule]["working_days_ahead"]
            warn = {rule: levels[rule]}

            def cma(valid_until: int, **fields) -> dict:
                return {"type": LAB_LICENCE, "valid_until": valid_until, **fields}

            lab = {"industry": "testing"}
            case(rule, "资质认定证书当天到期：预警", live(**lab, licences=[cma(today, warn=warn)]))
            case(rule, f"第{ahead}个工作日到期：预警", live(**lab, licences=[cma(until, warn=warn)]))
            case(rule, f"第{ahead}个工作日的次日到期：不预警", live(**lab, licences=[cma(until + 1)]))
            case(rule, "检验检测机构已注销：不预警",
                 gone("注销", today - 30, **lab, licences=[cma(today + 1)]))

        rule = "lab_frequent_commitments"
        if rule in params:
            since, least = windows[rule]["since"], params[rule]["min_commitments"]
            warn = {rule: levels[rule]}

            def commitments(*days: int, mode: str = "告知承诺") -> list[dict]:
                return [{"type": LAB_LICENCE, "mode": mode, "issued": day,
                         "valid_until": day + SIX_YEARS} for day in days]

            lab = {"industry": "testing"}
            inner = days_in(since + 1, today - 1, least + 1)
            case(rule, f"近6个月{least}次告知承诺（第一次在窗口首日、最后一次在当天）：预警",
                 live(**lab, licences=commitments(since, *inner[: least - 2], today), warn=warn))
            case(rule, f"{least}次告知承诺但第一次早一天：不预警",
                 live(**lab, licences=commitments(since - 1, *inner[: least - 2], today)))
            case(rule, f"{least}次告知承诺，第{least - 1}次当天完成检查后重新计算：不预警",
                 live(**lab, licences=commitments(*inner[:least]), inspections=[inner[least - 2]]))
            case(rule, f"{least + 1}次告知承诺，第1次后次日完成检查，其后{least}次：预警",
                 live(**lab, licences=commitments(since + 1, *days_in(since + 3, today, least)),
                      inspections=[since + 2], warn=warn))
            case(rule, f"{least - 1}次告知承诺加1次一般程序：不预警",
                 live(**lab, licences=[*commitments(*inner[: least - 1]),
                                       *commitments(inner[least - 1], mode="一般程序")]))
            case(rule, f"{least}次告知承诺但机构已注销：不预警",
                 gone("注销", today - 5, **lab,
                      licences=commitments(*days_in(since + 1, today - 10, least))))

        rule = "pyramid_selling_followup"
        if rule in params:
            anniversary, catch_up = windows[rule]["anniversary"], windows[rule]["catch_up_from"]
            warn = {rule: levels[rule]}

            def decision(day: int, **fields) -> list[dict]:
                return [{"violation": "传销", "day": day, **fields}]

            firm = {"industry": "tech_promo"}
            case(rule, "传销处罚决定签发恰满一年：提醒", live(**firm, penalties=decision(anniversary, warn=warn)))
            case(rule, "满一年未提醒，补提期最后一天：补发提醒",
                 live(**firm, penalties=decision(catch_up + 1, warn=warn)))
            case(rule, "补提期已过（早一天）：不提醒", live(**firm, penalties=decision(catch_up)))
            case(rule, "未满一年（晚一天）：不提醒", live(**firm, penalties=decision(anniversary + 1)))

        publicity = "false_publicity_risk"

        def publicity_warn(penalty_days: list[int]) -> dict:
            """The false-publicity warning some false-advertising cases raise too (penalties
            of both kinds count there, over its own window)."""
            if publicity not in params:
                return {}
            start = windows[publicity]["penalties_since"]
            count = sum(start <= day <= today for day in penalty_days)
            return (
                {publicity: levels[publicity]}
                if count >= params[publicity]["min_penalties"]
                else {}
            )

        rule = "repeat_false_advertising"
        if rule in params:
            since, least = windows[rule]["since"], params[rule]["min_penalties"]
            agency = {"industry": "advertising"}

            def adverts(*days: int) -> list[dict]:
                return [{"violation": "虚假广告", "day": day} for day in days]

            days = [since, *days_in(since + 1, today, least - 1)]
            case(rule, f"两年内{least}次虚假广告处罚（第一次恰在窗口首日）：阅知预警",
                 live(**agency, penalties=adverts(*days),
                      warn={rule: levels[rule], **publicity_warn(days)}))
            days = [since - 1, *days_in(since + 1, today, least - 1)]
            case(rule, f"{least}次虚假广告处罚但第一次早一天：不预警（虚假宣传潜在风险仍预警）",
                 live(**agency, penalties=adverts(*days), warn=publicity_warn(days)))
            days = days_in(since + 1, today, least)
            case(rule, f"{least - 1}次虚假广告加1次虚假宣传处罚：不预警（虚假宣传潜在风险仍预警）",
                 live(**agency, penalties=[*adverts(*days[1:]),
                                           {"violation": "虚假宣传", "day": days[0]}],
                      warn=publicity_warn(days)))

        rule = publicity
        if rule in params:
            p = params[rule]
            penalties_since = windows[rule]["penalties_since"]
            complaints_since = windows[rule]["complaints_since"]
            warn = {rule: levels[rule]}
            shop = {"industry": "cosmetics"}

            def claims(*days: int) -> list[dict]:
                return [{"violation": "虚假宣传", "day": day} for day in days]

            def filed(
                kind: str,
                count: int,
                first: tuple | None = None,
                last: tuple | None = None,
                issue: str = "虚假宣传",
            ) -> list[dict]:
                """``count`` records received within the window (``first`` and ``last``:
                (day, hour, minute, second) of the first and the last)."""
                inside = count - (first is not None) - (last is not None)
                days = days_in(complaints_since + 1, today - 1, inside)
                moments = [first] if first else []
                moments += [(day, rng.randint(8, 20), rng.randint(0, 59), 0) for day in days]
                moments += [last] if last else []
                return [{"kind": kind, "issue": issue, "at": at} for at in moments]

            n, m = p["min_penalties"], p["min_complaints"]
            case(rule, f"三年内{n}次虚假宣传处罚（第一次恰在窗口首日）：预警",
                 live(**shop, penalties=claims(penalties_since,
                                               *days_in(penalties_since + 1, today, n - 1)),
                      warn=warn))
            case(rule, f"{n}次处罚但第一次早一天：不预警",
                 live(**shop, penalties=claims(penalties_since - 1,
                                               *days_in(penalties_since + 1, today, n - 1))))
            case(rule, f"两年内{m}次虚假宣传投诉（窗口首日0时、当天23:59:59）：预警",
                 live(**shop, complaints=filed("投诉", m, (complaints_since, 0, 0, 0),
                                               (today, 23, 59, 59)), warn=warn))
            case(rule, f"{m}次投诉但1次在窗口前一天23:59:59：不预警",
                 live(**shop, complaints=filed("投诉", m, (complaints_since - 1, 23, 59, 59))))
            case(rule, f"{m - 1}次虚假宣传投诉加1次虚假宣传举报：不预警",
                 live(**shop, complaints=[*filed("投诉", m - 1), *filed("举报", 1)]))
            case(rule, f"两年内{p['min_reports']}次虚假宣传举报：预警",
                 live(**shop, complaints=filed("举报", p["min_reports"]), warn=warn))
            case(rule, f"{m - 1}次虚假宣传投诉加1次质量投诉：不预警",
                 live(**shop, complaints=[*filed("投诉", m - 1), *filed("投诉", 1, issue="质量")]))

        rule = "ebike_modification_repeat"
        if rule in params:
            lookback, new = windows[rule]["lookback_since"], windows[rule]["new_since"]
            warn = {rule: levels[rule]}
            models = W.EBIKE_CASE_MODELS

            def shop(day: int, model: str, violation: str = EBIKE_VIOLATION, **fields) -> dict:
                kind = INDIVIDUAL if rng.random() < 0.5 else PRIVATE
                return live(kind=kind, industry="ebike",
                            penalties=[{"violation": violation, "day": day, "brand": model,
                                        **fields}])

            case(rule, "本月新案与恰两年前旧案品牌型号相同（大小写、空格不同）：提醒新案当事人",
                 shop(new + 1, models[0], warn=warn), shop(lookback, f"  {models[0].lower()} "))
            case(rule, "旧案早于两年（早一天）：不提醒",
                 shop(today - 5, models[1]), shop(lookback - 1, models[1]))
            case(rule, "“新案”恰在本月窗口前一天：不提醒",
                 shop(new, models[2]), shop(today - 200, models[2]))
            case(rule, "新案无品牌型号：不比对", shop(today - 3, ""), shop(today - 100, ""))
            case(rule, "同品牌旧案不是改装案件：不提醒",
                 shop(today - 10, models[3]), shop(today - 100, models[3], "产品质量"))
            case(rule, "本月两起同品牌新案：较晚一起提醒",
                 shop(today - 20, models[4]), shop(today, models[4], warn=warn))
        # fmt: on
        return cases

    # ------------------------------------------------------------------ entities

    def chunks(self):
        """The rows, ``CHUNK`` entities at a time: one list of tuples per table of ``ORDER``
        (the generator keeps no reference to a chunk once it is handed out)."""
        plan = self._plan()
        for start in range(0, self.n, CHUNK):
            for index in range(start, min(start + CHUNK, self.n)):
                self._entity(plan.get(index))
            rows, self.rows = self.rows, [[] for _ in ORDER]
            yield rows

    def _entity(self, planted: tuple | None) -> None:
        rng = self.rng
        pattern = planted[0] if planted else ""
        if pattern == RULE_CASE:
            self._case_entity(planted)
            return
        kind = PRIVATE if pattern else self.pick_kind(rng)
        if kind == COOPERATIVE:
            district = rng.choice(self.rural)
            street = rng.choice(district.towns)
        else:
            district = self.pick_district(rng)
            street = district.street_picker(rng)
        if pattern == "address_cluster":
            district, street = self._cluster_place(planted, district, street)
        status = "存续" if pattern else self.pick_status(rng)
        established = self._established(min_age_days=4 * 365 + 200 if pattern else 30)
        established_year = self.years[established]
        deregistered = None
        if status == "注销" or status == "吊销":
            deregistered = min(self._between(established + 60, self.today_ord), self.today_ord)
        industry, code, name, legal_form, scope = self._business(kind, pattern, district, street)
        # identifiers and place
        reg_district = district.code
        authority = district.authority
        if (district.abolished and not pattern and established_year < district.abolished[1]
                and rng.random() < 0.35):  # fmt: skip
            reg_district = district.abolished[0]
            authority = HISTORIC_AUTHORITY[reg_district]
        uscc = self._uscc(kind, reg_district, established_year)
        if reg_district != district.code:
            self.abolished_usccs.append(uscc)
        road, number = street.next_address()
        location = (district.code, street.code, "address", street.unit_id)
        if pattern == "address_cluster":
            address, location = self._cluster_address(self.group_state[planted], uscc)
        else:
            address = f"{self.city_name}{district.name}{street.name}{road}{number}号"
            if rng.random() < 0.3:
                address += f"{rng.randint(1, 12)}幢{rng.randint(1, 20)}{rng.randint(1, 30):02d}室"
        unit_id = location[3]
        capital = self._capital(kind)
        # legal representative
        eid = self.next_entity_id
        self.next_entity_id = eid + 1
        rep_id, rep_name = self._legal_rep(planted, status, deregistered)
        phone = (f"021-{rng.randint(20000000, 69999999)}" if kind != INDIVIDUAL
                 else self._mobile())  # fmt: skip
        iso = self.iso
        self.rows[ENTITY].append((
            eid, uscc, name, kind, legal_form, status, iso[established],
            None if deregistered is None else iso[deregistered],
            None if capital is None else _money(capital), "CNY", rep_name, rep_id, address,
            location[0], location[1], location[2], authority, code, scope, phone, unit_id,
            *self.tail,
        ))  # fmt: skip
        ent = _Ent(eid, uscc, name, kind, status, established, deregistered, capital, unit_id,
                   address, district, industry, pattern, planted)  # fmt: skip
        self._key_persons(ent, rep_id)
        self._licences(ent)
        self._annual_reports(ent, established_year)
        self._inspections(ent)
        self._penalties(ent)
        self._complaints(ent)
        self._samplings(ent)
        self._listings(ent)
        if pattern and pattern not in ("person_many_entities", "address_cluster"):
            self.truth[pattern].append({"uscc": uscc, "name": name})

    def _case_entity(self, planted: tuple) -> None:
        """A member of a planted rule case (``_rule_cases``): its specification decides the
        status, dates, capital, legal representative, address and records; it gets no random
        records (a random inspection, penalty or listing could change what the case shows)."""
        rng = self.rng
        today = self.today_ord
        _, number, member = planted
        case = self.cases[number]
        spec = case.members[member]
        kind = spec.get("kind", PRIVATE)
        family = spec.get("cluster")
        state = None
        if family:
            state = self._case_cluster(number, family)
            district, street = state["district"], state["street"]
        else:
            district = self.pick_district(rng)
            street = district.street_picker(rng)
        status = spec["status"]
        established = today - rng.randint(10 * 365, 12 * 365)
        deregistered = spec.get("deregistered")
        if deregistered is None and status in ("注销", "吊销"):
            deregistered = today - rng.randint(60, 700)
        industry = self.industry[spec["industry"]] if "industry" in spec else None
        industry, code, name, legal_form, scope = self._business(
            kind, RULE_CASE, district, street, industry
        )
        uscc = self._uscc(kind, district.code, self.years[established])
        if state is not None:
            address, location = self._cluster_address(state, uscc)
        else:
            road, house = street.next_address()
            address = f"{self.city_name}{district.name}{street.name}{road}{house}号"
            location = (district.code, street.code, "address", street.unit_id)
        capital = spec["capital"] if "capital" in spec else self._capital(kind)
        eid = self.next_entity_id
        self.next_entity_id = eid + 1
        label = spec.get("person")
        if label:
            person = self.case_state.get((number, label))
            if person is None:
                person = self.case_state[(number, label)] = self._person()[:2]
            rep_id, rep_name = person
        else:
            rep_id, rep_name, _ = self._person()
        phone = (f"021-{rng.randint(20000000, 69999999)}" if kind != INDIVIDUAL
                 else self._mobile())  # fmt: skip
        iso = self.iso
        self.rows[ENTITY].append((
            eid, uscc, name, kind, legal_form, status, iso[established],
            None if deregistered is None else iso[deregistered],
            None if capital is None else _money(capital), "CNY", rep_name, rep_id, address,
            location[0], location[1], location[2], district.authority, code, scope, phone,
            location[3], *self.tail,
        ))  # fmt: skip
        ent = _Ent(eid, uscc, name, kind, status, established, deregistered, capital,
                   location[3], address, district, industry, RULE_CASE, planted, spec)  # fmt: skip
        case.usccs.append(uscc)
        self._key_persons(ent, rep_id)
        self._annual_reports(ent, self.years[established])
        self._case_records(ent, spec)
        for rule, level in spec.get("warn", {}).items():
            self._expect(rule, uscc, self._case_key(rule, spec, rep_id, state), level)

    @staticmethod
    def _case_key(rule: str, spec: dict, rep_id: int, state: dict | None) -> str:
        """The key of a rule's warning about a case entity (the SQL's ``key`` column)."""
        if rule in ("one_person_many_entities", "legal_rep_disqualified"):
            return f"person:{rep_id}"
        if rule == "one_address_many_entities":
            return f"address:{state['key']}"
        if rule == "paid_in_capital_no_activity":
            return f"annual_report:{spec['warn_year']}"
        return {
            "very_high_registered_capital": "capital",
            "product_quality_sampling_failures": "sampling",
            "lab_frequent_commitments": "commitments",
            "repeat_false_advertising": "false_advertising",
            "false_publicity_risk": "false_publicity",
        }[rule]

    def _business(self, kind: str, pattern: str, district: District, street: Street,
                  industry: dict | None = None):  # fmt: skip
        """(industry, industry code, name, legal form, business scope) of a new entity."""
        rng = self.rng
        if kind == COOPERATIVE:
            word, code = rng.choice(W.COOPERATIVES)
            place = street.name.removesuffix("镇")
            name = f"{self.city_name}{district.name}{place}{rng.choice(W.COOPERATIVE_PLACES)}{word}"
            scope = "组织采购、供应成员所需的农业生产资料；组织收购、销售成员生产的农产品"
            return None, code, name, "农民专业合作社", scope
        if kind == INDIVIDUAL:
            industry = industry or self.pick_ind_industry(rng)
            if rng.random() < 0.5:
                trade = rng.choice(W.SHOP_PREFIXES) + rng.choice(GIVEN_ANY)
            else:
                trade = self._trade_name()
            name = f"{district.name}{trade}{rng.choice(industry['shops'])}"
            return industry, industry["code"], name, "", industry["scope"]
        if industry is not None:
            pass
        elif pattern in LICENCE_PATTERNS:
            industry = rng.choice(self.licensed)
        elif pattern == "penalty_repeat_offender":
            industry = rng.choice(self.plain_penalty_industries)
        else:
            industry = self.pick_ent_industry(rng)
        suffix, legal_form = self.pick_form[kind](rng)
        if legal_form == "个人独资企业":
            suffix = rng.choice(("商行", "经营部", "工作室"))
        name = f"{self.city_short}{self._trade_name()}{rng.choice(industry['words'])}{suffix}"
        return industry, industry["code"], name, legal_form, industry["scope"]

    def _capital(self, kind: str) -> float | None:
        rng = self.rng
        if kind == INDIVIDUAL:
            if rng.random() < 0.5:
                return round(rng.lognormvariate(math.log(3), 1.0), 2)
            return None
        capital = rng.lognormvariate(math.log(100), 1.4)
        if rng.random() < 0.6:
            capital = min(NICE_CAPITAL, key=lambda v: abs(v - capital))
        # The log-normal tail reaches very_high_registered_capital about once in two million
        # entities: the background stops below it (planted cases carry such capitals).
        return round(min(max(capital, 1), self.capital_max), 2)

    def _legal_rep(self, planted, status: str, deregistered: int | None) -> tuple[int, str]:
        rng = self.rng
        if planted and planted[0] == "person_many_entities":
            state = self.group_state.get(planted)
            if state is None:
                pid, name, id_number = self._person(born_after=1955, born_before=1990)
                state = self.group_state[planted] = {"person": (pid, name), "usccs": []}
                self.truth["person_many_entities"].append(
                    {"id_number": id_number, "name": name, "usccs": state["usccs"]}
                )
            return state["person"]
        # A person of an entity revoked (吊销) within legal_rep_disqualified's window represents
        # no other entity: neither taken from nor put into the pool of second entities.
        free = status != "吊销" or deregistered < self.revocation_clear
        if self.reuse_pool and rng.random() < 0.02 and free:
            position = rng.randrange(len(self.reuse_pool))
            self.reuse_pool[position], self.reuse_pool[-1] = (
                self.reuse_pool[-1], self.reuse_pool[position])  # fmt: skip
            return self.reuse_pool.pop()
        pid, name, _ = self._person()
        if rng.random() < 0.1 and len(self.reuse_pool) < 2000 and free:
            self.reuse_pool.append((pid, name))
        return pid, name

    # ------------------------------------------------------------------ address clusters

    def _cluster_place(self, planted, district, street):
        state = self.group_state.get(planted)
        if state is None:
            state = self.group_state[planted] = self._new_cluster(district, street, "house")
            self.truth["address_cluster"].append(
                {"key": state["key"], "district_code": district.code, "usccs": state["usccs"]}
            )
        return state["district"], state["street"]

    def _case_cluster(self, number: int, family: str) -> dict:
        state = self.case_state.get((number, "cluster"))
        if state is None:
            district = self.pick_district(self.rng)
            state = self._new_cluster(district, district.street_picker(self.rng), family)
            self.case_state[(number, "cluster")] = state
        return state

    def _new_cluster(self, district: District, street: Street, family: str) -> dict:
        """One building for several entities: a new (road, number) of a street whose name
        the address normaliser strips (a 镇, 街道 or 乡: not a development zone or farm)."""
        if not street.name.endswith(TOWN_SUFFIXES):
            towns = [s for s in district.streets if s.name.endswith(TOWN_SUFFIXES)]
            street = self.rng.choice(towns) if towns else street
        road, number = street.next_address()
        state = {
            "district": district, "street": street, "road": road, "number": number,
            "family": family, "house": self.rng.randint(1, 30), "building": self.rng.randint(1, 9),
            "usccs": [], "variant": 0,
        }  # fmt: skip
        place = f"{district.name}{road}{number}"
        state["key"] = {
            "house": f"{place}号",
            "building": f"{place}号{state['building']}幢",
            "lane": f"{place}弄{state['house']}号",
        }[family]
        return state

    def _cluster_address(self, state: dict, uscc: str):
        """The next spelling of the cluster's building (``state["family"]``): every spelling
        names the same building by the rules of ``zhijian.rules.addresses`` — full- and
        half-width digits, 號/号, Chinese numerals, 号楼/栋/座/#楼 for 幢, 衖 for 弄, 第N号,
        floors and rooms, with or without city, district or street, spaces and notes."""
        rng = self.rng
        district, street = state["district"], state["street"]
        city, town, road, number = self.city_name, street.name, state["road"], state["number"]
        full = f"{city}{district.name}"
        # the short district name only where the street name cannot continue it (徐汇湖…)
        short = full if town[0] in AMBIGUOUS_AFTER_SHORT else f"{self.city_short}{district.short}"
        wide = str(number).translate(WIDE_DIGITS)
        floor, room = rng.randint(2, 20), rng.randint(1, 30)
        family = state["family"]
        if family == "house":
            variants = (
                f"{full}{town}{road}{number}号",
                f"{district.name}{town}{road}{number}号",
                f"{short}{town}{road}{wide}号{floor}楼",
                f"{full}{road}{number}号{floor}层",
                f"{full}{town}{road}{number}號{floor}楼{floor}{room:02d}室",
                f"{self.city_short}市{district.name}{road}{number}号（集中登记地）",
                f"{town}{road}{number}号{floor}{room:02d}室",
                f"{full}{town}{road}{str(number).translate(CHINESE_DIGITS)}号",
                f"{city} {district.name} {road} {number} 号 {floor}F",
                f"{full}{road}{number}号-1层B1{room:02d}",
            )
        elif family == "building":
            b = state["building"]
            variants = (
                f"{full}{town}{road}{number}号{b}幢",
                f"{full}{road}{number}号{b}号楼{floor}{room:02d}室",
                f"{district.name}{town}{road}{number}号{b}栋{floor}层",
                f"{full}{road}{wide}号{str(b).translate(WIDE_DIGITS)}座",
                f"{short}{town}{road}{number}号{b}#楼{floor}{room:02d}室",
                f"{full}{town}{road}{number}号{b}幢{floor}楼{floor}{room:02d}室",
                f"{town}{road}{number}号{b}号楼",
                f"{full}{road}{number}號{b}幢",
            )
        else:  # lane: house number h in lane `number`
            h = state["house"]
            variants = (
                f"{full}{town}{road}{number}弄{h}号",
                f"{full}{road}{number}衖{h}号{floor}{room:02d}室",
                f"{district.name}{town}{road}{number}弄{h}号楼{floor}楼",
                f"{short}{town}{road}{wide}弄{str(h).translate(WIDE_DIGITS)}号",
                f"{full}{road}{number}弄第{h}号",
                f"{full}{town}{road}{number}弄{h}号{floor}层",
                f"{full}{road}{number}弄{str(h).translate(CHINESE_DIGITS)}号",
            )
        address = variants[state["variant"] % len(variants)]
        state["variant"] += 1
        state["usccs"].append(uscc)
        loc = locate(address, uscc)
        return address, (loc.district_code, loc.street_code, loc.source, loc.unit_id)

    # ------------------------------------------------------------------ related rows

    def _key_persons(self, ent, rep_id) -> None:
        rows = self.rows[ENTITY_PERSON]
        tail = (ent.unit_id, *self.tail)
        if ent.pattern == "person_many_entities":
            self.group_state[ent.planted]["usccs"].append(ent.uscc)
        rows.append((ent.id, rep_id, "法定代表人", None, *tail))
        if ent.kind == INDIVIDUAL or ent.kind == COOPERATIVE:
            return
        rng = self.rng
        random = rng.random
        holders = rng.choice(HOLDERS) if ent.kind == PRIVATE else 1
        capital = ent.capital or 10
        shares = [random() + 0.2 for _ in range(holders)]
        total = sum(shares)
        for i, share in enumerate(shares):
            pid = rep_id if i == 0 and random() < 0.7 else self._person()[0]
            rows.append((ent.id, pid, "股东", _money(capital * share / total), *tail))
        if random() < 0.5:
            rows.append((ent.id, self._person()[0], "监事", None, *tail))

    def _licences(self, ent) -> None:
        industry = ent.industry
        if not industry or not industry["licence"]:
            return
        rng = self.rng
        if not ent.pattern and rng.random() > 0.85:
            return  # some licensed-industry entities never started the licensed business
        licence_type = industry["licence"]
        validity = SIX_YEARS if licence_type == LAB_LICENCE else FIVE_YEARS
        today = self.today_ord
        first = ent.established + rng.randint(5, 90)
        if ent.pattern == "licence_expiring":
            valid_until = today + rng.randint(1, 30)
            issued, status = valid_until - FIVE_YEARS, "有效"
        elif ent.pattern == "licence_expired_still_operating":
            valid_until = today - rng.randint(20, 300)
            issued, status = valid_until - FIVE_YEARS, "过期"
        else:
            issued = first
            horizon = self.licence_horizon
            while issued + validity <= horizon:
                issued += validity - rng.randint(0, 30)
            if issued > today:
                issued = today - rng.randint(1, 30)
            valid_until = issued + validity
            status = "有效"
            if ent.status != "存续":
                status = "注销" if ent.status != "吊销" else "吊销"
                end = ent.deregistered or today
                if issued > end:
                    issued = max(first, end - 1)
                    valid_until = issued + validity
        if issued < first - 5:
            issued = first
        number = self._licence_number(licence_type, ent.district.code, issued)
        scope = LICENCE_SCOPE.get(industry["sampling"], "")
        self.rows[LICENCE].append((
            number, ent.id, licence_type,
            "告知承诺" if rng.random() < 0.3 else "一般程序", ent.district.authority,
            self.iso[issued], self.iso[valid_until], ent.address, scope, status, ent.unit_id,
            *self.tail,
        ))  # fmt: skip
        if ent.pattern == "licence_expiring":
            rule = "food_licence_expiring"
            until = self.rule_windows.get(rule, {}).get("until", today - 1)
            if today <= valid_until <= until and licence_type.startswith("食品经营许可"):
                self._expect(rule, ent.uscc, f"licence:{number}", self.rule_levels[rule])

    def _licence_number(self, licence_type: str, district_code: str, issued: int) -> str:
        """A new licence number: a testing-lab certificate (CMA) has 12 digits (year of issue,
        province 09, serial); other licences a prefix, the district and a serial."""
        self.seq["licence"] += 1
        if licence_type == LAB_LICENCE:
            return f"{self.years[issued] % 100:02d}09{self.seq['licence']:08d}"
        prefix = LICENCE_PREFIX.get(licence_type, "XK")
        return f"{prefix}{district_code}{self.seq['licence']:07d}"

    def _due_years(self, ent, established_year: int):
        """Report years due, with their deadline (30 June of the next year) as an ordinal."""
        this_year = self.today.year
        for year in range(this_year - 3, this_year):
            if established_year > year:
                continue
            deadline = date(year + 1, 6, 30).toordinal()
            if ent.deregistered and ent.deregistered <= deadline:
                continue
            if ent.status == "迁出" and self.rng.random() < 0.5:
                continue
            yield year, deadline

    def _last_due_year(self) -> int:
        """The latest report year whose deadline (30 June of the next year) has passed."""
        today = self.today
        return today.year - 1 if today > date(today.year, 6, 30) else today.year - 2

    def _annual_reports(self, ent, established_year: int) -> None:
        rng = self.rng
        random = rng.random
        rows = self.rows[ANNUAL_REPORT]
        tail = (ent.unit_id, *self.tail)
        iso = self.iso
        today = self.today_ord
        individual = ent.kind == INDIVIDUAL
        capital = ent.capital or 0
        paid_ratio = rng.choice(PAID_RATIOS)
        due = list(self._due_years(ent, established_year))
        for n, (year, deadline) in enumerate(due):
            january = date(year + 1, 1, 1).toordinal()
            if deadline >= today:
                if not ent.pattern and random() < 0.5:
                    continue  # not yet filed; the deadline has not passed
                filed = iso[self._between(january, today)]
            else:
                filed = iso[self._between(january, deadline)]
            if ent.pattern and self._planted_report(
                ent, rows, tail, year, filed, n, len(due), capital
            ):
                continue
            if individual:
                revenue = rng.lognormvariate(LOG_30, 1.0)
                money = _money(revenue)
                rows.append((ent.id, year, filed, rng.randint(1, 6), None, None, None, money,
                             money, None, None, _money(revenue * 0.01), None, *tail))  # fmt: skip
                continue
            paid_in = capital * paid_ratio
            if paid_in == 0 and random() < 0.1:
                employees, revenue = 0, 0.0  # dormant shell without paid-in capital
            else:
                employees = max(1, int(rng.lognormvariate(1.3, 1.1)))
                revenue = max(0.5, rng.lognormvariate(math.log(max(capital, 5)) + 0.5, 1.2))
            assets = max(paid_in, revenue * (0.4 + (1.5 - 0.4) * random()), 1)
            liabilities = assets * (0.1 + (0.8 - 0.1) * random())
            profit = max(0.0, revenue * (-0.05 + (0.15 - -0.05) * random()))
            rows.append((
                ent.id, year, filed, employees, _money(assets), _money(assets - liabilities),
                _money(liabilities), _money(revenue), _money(revenue * 0.9), _money(profit),
                _money(profit * 0.75), _money(revenue * (0.01 + (0.06 - 0.01) * random())),
                _money(paid_in), *tail,
            ))  # fmt: skip
        if ent.pattern == RULE_CASE and "reports" in ent.spec:
            done = {year for year, _deadline in due}
            for year, report in ent.spec["reports"].items():
                if year not in done:  # e.g. not due before the entity was deregistered
                    self._case_report(ent, rows, tail, year, report)

    def _planted_report(self, ent, rows, tail, year, filed, n, due, capital) -> bool:
        """Rows of the annual-report patterns; True when the year is handled."""
        if ent.pattern == RULE_CASE:
            report = ent.spec.get("reports", {}).get(year)
            if report is None:
                return False
            self._case_report(ent, rows, tail, year, report)
            return True
        if ent.pattern == "annual_report_not_filed":
            if year == self._last_due_year():
                rows.append((ent.id, year, None) + (None,) * 10 + tail)
                return True
            return year > self._last_due_year()
        if ent.pattern == "zero_activity_paid_in" and n >= due - 2:
            paid = _money(max(capital, 10) * 0.5)
            zero = _money(0)
            rows.append((ent.id, year, filed, 0, paid, paid, zero, zero, zero, zero, zero,
                         zero, paid, *tail))  # fmt: skip
            return True
        return False

    def _case_report(self, ent, rows, tail, year: int, report: dict) -> None:
        """The annual report of a rule case: ``unfiled`` (no row while the deadline has not
        passed; after it an empty row and an abnormal-operations listing, as the pattern
        annual_report_not_filed), ``active`` (ordinary figures) or all figures 0 with
        ``paid_in`` (``undisclosed``: the figures left empty; a figure may be overridden)."""
        iso = self.iso
        if report.get("unfiled"):
            if year <= self._last_due_year():
                rows.append((ent.id, year, None) + (None,) * 10 + tail)
                self._not_filed_listing(ent, year)
                self.truth["annual_report_not_filed"].append({"uscc": ent.uscc, "name": ent.name})
            return
        january = date(year + 1, 1, 1).toordinal()
        deadline = date(year + 1, 6, 30).toordinal()
        filed = iso[self._between(january, min(deadline, self.today_ord))]
        if report.get("active"):
            rows.append((ent.id, year, filed, 6, _money(820), _money(410), _money(410),
                         _money(1260), _money(1180), _money(63), _money(47), _money(38),
                         _money(ent.capital or 0), *tail))  # fmt: skip
            return
        zero = None if report.get("undisclosed") else _money(0)
        names = ("total_assets", "equity", "liabilities", "revenue", "main_revenue",
                 "total_profit", "net_profit", "tax_paid")  # fmt: skip
        figures = dict.fromkeys(names, zero)
        figures.update({k: _money(v) for k, v in report.items() if k in figures})
        rows.append((ent.id, year, filed, report.get("employees", 0), *figures.values(),
                     _money(report["paid_in"]), *tail))  # fmt: skip

    def _not_filed_listing(self, ent, year: int) -> None:
        """Listed as abnormal for not filing the report of ``year`` (due 30 June next year)."""
        listed = min(date(year + 1, 7, 1).toordinal() + self.rng.randint(0, 20), self.today_ord)
        self.rows[LISTING].append((
            ent.id, "经营异常名录", "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
            self.iso[listed], ent.district.authority, None, "", ent.unit_id, *self.tail,
        ))  # fmt: skip

    def _case_records(self, ent, spec: dict) -> None:
        """The licences, penalties, complaints, samplings, inspections and listings of a rule
        case, exactly as specified; the expected warnings of its licences and penalties."""
        rng = self.rng
        iso = self.iso
        tail = (ent.unit_id, *self.tail)
        district = ent.district
        for licence in spec.get("licences", ()):
            licence_type, valid_until = licence["type"], licence["valid_until"]
            validity = SIX_YEARS if licence_type == LAB_LICENCE else FIVE_YEARS
            issued = licence.get("issued", valid_until - validity)
            number = self._licence_number(licence_type, district.code, issued)
            scope = LICENCE_SCOPE.get(ent.industry["sampling"], "") if ent.industry else ""
            self.rows[LICENCE].append((
                number, ent.id, licence_type, licence.get("mode", "一般程序"), district.authority,
                iso[issued], iso[valid_until], ent.address, scope, licence.get("status", "有效"),
                *tail,
            ))  # fmt: skip
            for rule, level in licence.get("warn", {}).items():
                self._expect(rule, ent.uscc, f"licence:{number}", level)
        for penalty in spec.get("penalties", ()):
            brand = penalty.get("brand", "")
            number = self._penalty(ent, penalty["violation"], penalty["day"], brand)
            for rule, level in penalty.get("warn", {}).items():
                key = (f"brand:{brand.strip().upper()}" if rule == "ebike_modification_repeat"
                       else f"penalty:{number}")  # fmt: skip
                self._expect(rule, ent.uscc, key, level)
        for complaint in spec.get("complaints", ()):
            day, hour, minute, second = complaint["at"]
            self._complaint(ent, complaint["issue"], date.fromordinal(day), (hour, minute, second),
                            complaint["kind"])  # fmt: skip
        if spec.get("samplings"):
            category, products = W.SAMPLING[ent.industry["sampling"]]
            stage = "生产" if ent.industry["licence"] == "食品生产许可证" else "销售"
            for day, result in spec["samplings"]:
                self.seq["sampling"] += 1
                failed = rng.choice(W.FAILED_ITEMS[category]) if result == "不合格" else ""
                self.rows[SAMPLING].append((
                    f"DBJ{self.years[day] % 100:02d}{district.code}{self.seq['sampling']:08d}",
                    ent.id, stage, category, rng.choice(products), iso[day], result, failed,
                    *tail,
                ))  # fmt: skip
        for day in spec.get("inspections", ()):
            self.seq["inspection"] += 1
            self.rows[INSPECTION].append((
                f"JC{self.years[day]}{district.code}{self.seq['inspection']:08d}", ent.id,
                iso[day], "双随机", "检验检测机构监督检查", district.authority, "未发现问题", 0,
                *tail,
            ))  # fmt: skip
        for listing in spec.get("listings", ()):
            removed = listing.get("removed")
            self.rows[LISTING].append((
                ent.id, listing["list_type"], "被吊销营业执照，列入严重违法失信名单",
                iso[listing["listed"]], district.authority,
                None if removed is None else iso[removed],
                "" if removed is None else "期满且已履行相关义务，申请移出", *tail,
            ))  # fmt: skip

    def _inspections(self, ent) -> None:
        rng = self.rng
        planted = ent.pattern == "licence_expired_still_operating"
        count = 1 if planted or (ent.status == "存续" and rng.random() < 0.12) else 0
        today = self.today_ord
        for _ in range(count):
            self.seq["inspection"] += 1
            start = max(ent.established, today - 3 * 365)
            day = self._between(start, today)
            outcome = INSPECTION_OUTCOMES[
                bisect.bisect_right(INSPECTION_OUTCOME_CUM, rng.random() * 100.0, 0, 3)
            ]
            if planted:
                day = today - rng.randint(1, 15)
                outcome = "发现问题已责令整改"
            findings = 0 if outcome in ("未发现问题", "未发现经营") else rng.randint(1, 4)
            self.rows[INSPECTION].append((
                f"JC{self.years[day]}{ent.district.code}{self.seq['inspection']:08d}", ent.id,
                self.iso[day], rng.choice(("日常检查", "双随机", "双随机", "专项检查")),
                rng.choice(INSPECTION_ITEMS), ent.district.authority, outcome, findings,
                ent.unit_id, *self.tail,
            ))  # fmt: skip

    def _penalties(self, ent) -> None:
        rng = self.rng
        if ent.pattern == "penalty_repeat_offender":
            count = rng.randint(3, 5)  # industries without rule violations (_business)
        elif rng.random() < 0.012:
            count = 1
        else:
            return
        key = ent.industry["key"] if ent.industry else ""
        choices = W.VIOLATIONS_BY_INDUSTRY.get(key, DEFAULT_VIOLATIONS)
        end = ent.deregistered or self.today_ord
        start = max(ent.established + 30, end - 5 * 365)
        if ent.pattern:
            start = self.today_ord - 3 * 365
        for _ in range(count):
            violation = rng.choice(choices)
            last, brand = end, ""
            if violation == EBIKE_VIOLATION:
                # the background's modification cases are older than the month of new cases
                last = min(end, self.ebike_old_end)
                if last < start:
                    violation, last = "产品质量", end
                else:
                    brand = rng.choice(W.EBIKE_MODELS)
            self._penalty(ent, violation, self._between(start, last), brand)

    def _penalty(self, ent, violation: str, day: int, brand: str = "") -> str:
        """One penalty decision against ``ent``; returns its number."""
        rng = self.rng
        basis, facts, (low, high) = W.VIOLATIONS[violation]
        item = rng.choice(W.COMPLAINT_ITEMS.get(_complaint_category(ent), ("商品",)))
        text = facts.format(item=item, value=rng.randint(200, 20000), claim=rng.choice(W.CLAIMS),
                            brand=brand.strip() or "涉案")  # fmt: skip
        amount = round(rng.uniform(low, high), -2)
        measures = "罚款" if rng.random() < 0.6 else "罚款、没收违法所得"
        self.seq["penalty"] += 1
        number = f"沪市监{ent.district.short}处〔{self.years[day]}〕{self.seq['penalty']:07d}号"
        self.rows[PENALTY].append((
            number, ent.id, ent.name, violation, text, basis, measures, _money(amount),
            rng.choice(("一般", "一般", "一般", "从轻", "从重")), self.iso[day],
            ent.district.authority, brand, ent.unit_id, *self.tail,
        ))  # fmt: skip
        return number

    def _complaints(self, ent) -> None:
        rng = self.rng
        if ent.pattern == "many_complaints_same_respondent":
            count = rng.randint(15, 30)
        else:
            r = rng.random()
            count = 2 if r < 0.005 else 1 if r < 0.04 else 0
        if not count:
            return
        category = _complaint_category(ent)
        is_goods = ent.industry is None or ent.industry["complaint"][0] == "goods"
        issues = W.ISSUES_BY_CATEGORY.get(category) or (
            ("质量", "售后服务", "价格", "虚假宣传") if is_goods else ("合同", "价格", "售后服务")
        )
        if ent.pattern:  # the pattern's many complaints leave false_publicity_risk alone
            issues = tuple(issue for issue in issues if issue != "虚假宣传")
        end = ent.deregistered or self.today_ord
        start = max(ent.established, end - 3 * 365)
        if ent.pattern:
            start = self.today_ord - 365
        for _ in range(count):
            issue = rng.choice(issues)
            day = date.fromordinal(self._between(start, end))
            self._complaint(ent, issue, day)

    def _complaint(self, ent, issue: str, day: date, time: tuple | None = None,
                   kind: str | None = None) -> None:  # fmt: skip
        """One complaint or report about ``ent`` received on ``day`` (at ``time``, else at a
        random office hour; ``kind`` 投诉/举报, else half the false-publicity and
        measurement ones are reports)."""
        rng = self.rng
        category = _complaint_category(ent)
        is_goods = ent.industry is None or ent.industry["complaint"][0] == "goods"
        text = rng.choice(W.COMPLAINT_TEMPLATES[issue]).format(
            name=ent.name, item=rng.choice(W.COMPLAINT_ITEMS.get(category, ("商品",))),
            amount=rng.randint(20, 5000), date=f"{day.year}年{day.month}月{day.day}日",
        )  # fmt: skip
        if time is None:
            time = (rng.randint(8, 20), rng.randint(0, 59), rng.randint(0, 59))
        received = datetime(day.year, day.month, day.day, *time, tzinfo=SHANGHAI)
        self.seq["complaint"] += 1
        if kind is None:
            kind = "举报" if issue in ("虚假宣传", "计量") and rng.random() < 0.5 else "投诉"
        self.rows[COMPLAINT].append((
            f"12315{day:%Y%m%d}{self.seq['complaint']:08d}", kind,
            self.ops.adapt_datetimefield_value(received), ent.name, ent.uscc, ent.id,
            self._name(rng.random() < 0.5), self._claimant_id(), self._mobile(), text,
            category if is_goods else "", "" if is_goods else category, issue,
            ent.address, rng.choice(W.COMPLAINT_STATUSES), ent.unit_id, *self.tail,
        ))  # fmt: skip

    def _samplings(self, ent) -> None:
        industry = ent.industry
        if not industry or not industry["sampling"]:
            return
        rng = self.rng
        today = self.today_ord
        planted = ent.pattern == "repeated_sampling_failure"
        old_end = today
        if planted:
            results = ["不合格"] * rng.randint(3, 4) + ["合格"] * rng.randint(0, 2)
            start = today - 720
        else:
            if ent.status != "存续" or rng.random() > 0.08:
                return
            count = 2 if rng.random() < 0.25 else 1
            results = ["合格"] * count
            start = max(ent.established, today - 3 * 365)
            # a failure of the background is older than the sampling rule's window
            if rng.random() < 0.05 and start <= self.sampling_old_end:
                results[0] = "不合格"
                old_end = self.sampling_old_end
        category, products = W.SAMPLING[industry["sampling"]]
        stage = "生产" if industry["licence"] == "食品生产许可证" else "销售"
        rule = "product_quality_sampling_failures"
        since = self.rule_windows.get(rule, {}).get("since", today + 1)
        recent = 0
        for result in results:
            failed = result == "不合格"
            day = self._between(start, old_end if failed else today)
            recent += planted and failed and since <= day
            self.seq["sampling"] += 1
            self.rows[SAMPLING].append((
                f"DBJ{self.years[day] % 100:02d}{ent.district.code}{self.seq['sampling']:08d}",
                ent.id, stage, category, rng.choice(products), self.iso[day], result,
                rng.choice(W.FAILED_ITEMS[category]) if failed else "", ent.unit_id, *self.tail,
            ))  # fmt: skip
        if recent:
            high = recent >= self.rule_params[rule]["high_failures"]
            self._expect(rule, ent.uscc, "sampling", "high" if high else "normal")

    def _listings(self, ent) -> None:
        rng = self.rng
        rows = self.rows[LISTING]
        today = self.today_ord
        authority = ent.district.authority
        if ent.pattern == "annual_report_not_filed":
            self._not_filed_listing(ent, self._last_due_year())
            return
        if ent.pattern or ent.status != "存续" or rng.random() > 0.01:
            return
        listed = self._between(ent.established + 180, today)
        removed, reason = None, ""
        if rng.random() < 0.6 and listed < today - 30:
            removed = self.iso[self._between(listed + 30, today)]
            reason = "依法办理住所或者经营场所变更登记，申请移出"
        rows.append((ent.id, "经营异常名录", "通过登记的住所或者经营场所无法联系",
                     self.iso[listed], authority, removed, reason, ent.unit_id,
                     *self.tail))  # fmt: skip

    # ------------------------------------------------------------------ ground truth

    def rules_truth(self) -> dict:
        """{rule: {"as_of", "expected": [{"uscc", "key", "level"}]}}: every warning each rule of
        the pack must raise when run as of ``today``, and no other."""
        expected = {rule: list(items) for rule, items in self.expected.items()}
        for (pattern, _group), state in self.group_state.items():
            # the members of both group patterns are all live
            if pattern == "person_many_entities":
                rule, key = "one_person_many_entities", f"person:{state['person'][0]}"
            elif pattern == "address_cluster":
                rule, key = "one_address_many_entities", f"address:{state['key']}"
            else:
                continue
            if rule in expected and len(state["usccs"]) >= self.rule_params[rule]["min_entities"]:
                level = self.rule_levels[rule]
                expected[rule] += [{"uscc": u, "key": key, "level": level} for u in state["usccs"]]
        as_of = self.today.isoformat()
        return {
            rule: {"as_of": as_of, "expected": sorted(items, key=lambda i: (i["uscc"], i["key"]))}
            for rule, items in sorted(expected.items())
        }

    def ground_truth(self) -> dict:
        return {
            "generator": "zhijian.demo.city",
            "entities": self.n,
            "seed": self.seed,
            "as_of": self.today.isoformat(),
            "jurisdiction": settings.JURISDICTION,
            "patterns": {
                "person_many_entities": {
                    "description": "一人担任多家市场主体的法定代表人（背景数据中每人至多2家）",
                    "items": self.truth["person_many_entities"],
                },
                "address_cluster": {
                    "description": "同一地址以不同写法登记多家市场主体（背景数据地址互不相同）",
                    "items": self.truth["address_cluster"],
                },
                "zero_activity_paid_in": {
                    "description": "最近两年年报有实缴资本，但营业收入和从业人数均为0",
                    "items": self.truth["zero_activity_paid_in"],
                },
                "repeated_sampling_failure": {
                    "description": "两年内抽检不合格3次及以上（背景数据每户至多1次）",
                    "items": self.truth["repeated_sampling_failure"],
                },
                "licence_expiring": {
                    "description": "有效许可证将在30天内到期（背景数据到期日均在60天以后）",
                    "items": self.truth["licence_expiring"],
                },
                "licence_expired_still_operating": {
                    "description": "许可证已过期且无有效许可证，但近期检查发现仍在经营",
                    "items": self.truth["licence_expired_still_operating"],
                },
                "annual_report_not_filed": {
                    "description": "最近一个已过截止日期的年度未报送年报（已列入经营异常名录）",
                    "items": self.truth["annual_report_not_filed"],
                },
                "many_complaints_same_respondent": {
                    "description": "一年内被投诉举报15次及以上（背景数据每户至多2次）",
                    "items": self.truth["many_complaints_same_respondent"],
                },
                "penalty_repeat_offender": {
                    "description": "三年内受到3次及以上行政处罚（背景数据每户至多1次）",
                    "items": self.truth["penalty_repeat_offender"],
                },
            },
            "rules": self.rules_truth(),
            "rule_cases": [
                {
                    "rule": case.rule,
                    "case": case.text,
                    "near_miss": case.near_miss,
                    "usccs": case.usccs,
                }
                for case in self.cases
            ],  # fmt: skip
            "info": {
                "abolished_district_code": {
                    "description": "统一社会信用代码第3-8位为已撤销区划代码（有效，非预警）",
                    "usccs": self.abolished_usccs,
                }
            },
        }


def print_progress(done: int, total: int, elapsed: float) -> None:
    rate = done / elapsed if elapsed else 0
    sys.stderr.write(f"\r演示城市 demo city: {done:,}/{total:,} entities, {rate:,.0f}/s   ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def generate_city(
    n: int,
    seed: int = 1,
    *,
    today: date | None = None,
    ground_truth: Path | str | None = None,
    progress=None,
    using: str = "default",
    parallel: bool | None = None,
    fill_search: bool = True,
) -> CityResult:
    """Write ``n`` entities with their records; the ground truth goes to ``ground_truth``.

    ``parallel``: make the rows in a worker process while this one writes them (default:
    for cities of ``load.PARALLEL_MIN`` entities or more on a machine with two cores or
    more). The rows are the same either way. ``fill_search=False``: rebuild the search
    index at the end instead of filling it during the load (SQLite; for comparisons).
    """
    from .load import load_city

    result = load_city(
        n,
        seed,
        today=today,
        progress=progress,
        using=using,
        parallel=parallel,
        fill_search=fill_search,
    )
    if ground_truth:
        path = Path(ground_truth)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.ground_truth, ensure_ascii=False, indent=1), "utf-8")
        result.ground_truth_path = path
    return result


def delete_city(using: str = "default") -> int:
    """Remove every registry row (all of tables 1–9) for ``--reset``, and every row of the
    other apps that refers to them (tasks, inspections, draws, …: ``dependent_models``);
    returns the entity count. One transaction: the foreign keys are deferred, so the order
    of the deletes does not matter before the commit."""
    count = rm.Entity.objects.using(using).count()
    with transaction.atomic(using=using):
        for model in dependent_models():
            model.objects.using(using).all()._raw_delete(using)
        for model in reversed(ORDER):
            model.objects.using(using).all()._raw_delete(using)
    return count


def dependent_models() -> list:
    """The models outside the registry whose rows refer, directly or through other such
    models, to registry rows (many-to-many tables included). Reference data that refers to
    none (supervision items, departments, scope rules) is kept."""
    from django.apps import apps

    found = set(ORDER)
    models = [m for m in apps.get_models(include_auto_created=True) if m not in found]
    dependent: list = []
    changed = True
    while changed:
        changed = False
        for model in models:
            if model in found:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & found:
                found.add(model)
                dependent.append(model)
                changed = True
    return dependent
