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
  businesses), 60 % rounded to a "nice" amount;
* districts weighted by their share of Shanghai's entities (浦东 largest; 崇明 and 奉贤 large
  because of their registration parks); streets within a district with random weights;
* related rows: legal representative for every entity, 0–4 shareholders/supervisors for
  enterprises; a licence for licensed industries (5-year validity, renewed); annual reports
  for the last three years; inspections (~12 %), penalties (~1.2 %), complaints (~4 %),
  samplings (~8 % of food/drug/cosmetics/industrial traders), abnormal-list listings (~1 %).

The background never exhibits a planted pattern by construction: every entity has its own
address (roads are unique in the city and numbers unique per road), a person is legal
representative of at most two entities, licences of operating entities are valid for more
than 60 days or were cancelled with the entity, every operating entity has filed its due
annual reports, zero-revenue reports have no paid-in capital, an entity has at most one
failed sampling, at most one penalty and at most two complaints.

Planted patterns (see ``PATTERNS``) are recorded in the ground truth file.
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
SHANGHAI = ZoneInfo("Asia/Shanghai")

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

    def _plan(self) -> dict[int, tuple[str, int]]:
        """Which entity indices carry which pattern: {index: (pattern, group)}."""
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
        indices = rng.sample(range(self.n), total)
        plan = {}
        position = 0
        for name in PATTERNS:
            for group, size in enumerate(sizes[name]):
                for index in indices[position : position + size]:
                    plan[index] = (name, group)
                position += size
        return plan

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

    def _entity(self, planted: tuple[str, int] | None) -> None:
        rng = self.rng
        pattern = planted[0] if planted else ""
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
            address, location = self._cluster_address(planted, uscc)
        else:
            address = f"{self.city_name}{district.name}{street.name}{road}{number}号"
            if rng.random() < 0.3:
                address += f"{rng.randint(1, 12)}幢{rng.randint(1, 20)}{rng.randint(1, 30):02d}室"
        unit_id = location[3]
        capital = self._capital(kind)
        # legal representative
        eid = self.next_entity_id
        self.next_entity_id = eid + 1
        rep_id, rep_name = self._legal_rep(planted)
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

    def _business(self, kind: str, pattern: str, district: District, street: Street):
        """(industry, industry code, name, legal form, business scope) of a new entity."""
        rng = self.rng
        if kind == COOPERATIVE:
            word, code = rng.choice(W.COOPERATIVES)
            place = street.name.removesuffix("镇")
            name = f"{self.city_name}{district.name}{place}{rng.choice(W.COOPERATIVE_PLACES)}{word}"
            scope = "组织采购、供应成员所需的农业生产资料；组织收购、销售成员生产的农产品"
            return None, code, name, "农民专业合作社", scope
        if kind == INDIVIDUAL:
            industry = self.pick_ind_industry(rng)
            if rng.random() < 0.5:
                trade = rng.choice(W.SHOP_PREFIXES) + rng.choice(GIVEN_ANY)
            else:
                trade = self._trade_name()
            name = f"{district.name}{trade}{rng.choice(industry['shops'])}"
            return industry, industry["code"], name, "", industry["scope"]
        if pattern in LICENCE_PATTERNS:
            industry = rng.choice(self.licensed)
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
        return round(max(capital, 1), 2)

    def _legal_rep(self, planted) -> tuple[int, str]:
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
        if self.reuse_pool and rng.random() < 0.02:
            position = rng.randrange(len(self.reuse_pool))
            self.reuse_pool[position], self.reuse_pool[-1] = (
                self.reuse_pool[-1], self.reuse_pool[position])  # fmt: skip
            return self.reuse_pool.pop()
        pid, name, _ = self._person()
        if rng.random() < 0.1 and len(self.reuse_pool) < 2000:
            self.reuse_pool.append((pid, name))
        return pid, name

    def _cluster_place(self, planted, district, street):
        state = self.group_state.get(planted)
        if state is None:
            road, number = street.next_address()
            state = self.group_state[planted] = {
                "district": district, "street": street, "road": road, "number": number,
                "usccs": [], "variant": 0,
            }  # fmt: skip
            key = f"{district.name}{road}{number}号"
            self.truth["address_cluster"].append(
                {"key": key, "district_code": district.code, "usccs": state["usccs"]}
            )
        return state["district"], state["street"]

    def _cluster_address(self, planted, uscc):
        state = self.group_state[planted]
        district, street = state["district"], state["street"]
        road, number = state["road"], state["number"]
        wide = str(number).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        variants = (
            f"{self.city_name}{district.name}{street.name}{road}{number}号",
            f"{district.name}{street.name}{road}{number}号",
            f"{self.city_short}{district.short}{street.name}{road}{wide}号{self.rng.randint(2, 9)}楼",
            f"{self.city_name}{district.name}{road}{number}号{self.rng.randint(1, 9)}层",
            f"{self.city_name}{district.name}{street.name}{road}{number}号"
            f"{self.rng.choice('ABCDEF')}座{self.rng.randint(101, 999)}室",
            f"{self.city_short}市{district.name}{road}{number}号（集中登记地）",
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
        self.seq["licence"] += 1
        prefix = LICENCE_PREFIX.get(industry["licence"], "XK")
        number = f"{prefix}{ent.district.code}{self.seq['licence']:07d}"
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
            horizon = today + 60
            while issued + FIVE_YEARS <= horizon:
                issued += FIVE_YEARS - rng.randint(0, 30)
            if issued > today:
                issued = today - rng.randint(1, 30)
            valid_until = issued + FIVE_YEARS
            status = "有效"
            if ent.status != "存续":
                status = "注销" if ent.status != "吊销" else "吊销"
                end = ent.deregistered or today
                if issued > end:
                    issued = max(first, end - 1)
                    valid_until = issued + FIVE_YEARS
        if issued < first - 5:
            issued = first
        scope = LICENCE_SCOPE.get(industry["sampling"], "")
        self.rows[LICENCE].append((
            number, ent.id, industry["licence"],
            "告知承诺" if rng.random() < 0.3 else "一般程序", ent.district.authority,
            self.iso[issued], self.iso[valid_until], ent.address, scope, status, ent.unit_id,
            *self.tail,
        ))  # fmt: skip

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

    def _planted_report(self, ent, rows, tail, year, filed, n, due, capital) -> bool:
        """Rows of the annual-report patterns; True when the year is handled."""
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
            count = rng.randint(3, 5)
        elif rng.random() < 0.012:
            count = 1
        else:
            return
        key = ent.industry["key"] if ent.industry else ""
        choices = W.VIOLATIONS_BY_INDUSTRY.get(key, ("虚假宣传", "价格违法"))
        end = ent.deregistered or self.today_ord
        start = max(ent.established + 30, end - 5 * 365)
        if ent.pattern:
            start = self.today_ord - 3 * 365
        for _ in range(count):
            violation = rng.choice(choices)
            basis, facts, (low, high) = W.VIOLATIONS[violation]
            item = rng.choice(W.COMPLAINT_ITEMS.get(_complaint_category(ent), ("商品",)))
            text = facts.format(item=item, value=rng.randint(200, 20000),
                                claim=rng.choice(W.CLAIMS))  # fmt: skip
            amount = round(rng.uniform(low, high), -2)
            measures = "罚款" if rng.random() < 0.6 else "罚款、没收违法所得"
            day = self._between(start, end)
            self.seq["penalty"] += 1
            self.rows[PENALTY].append((
                f"沪市监{ent.district.short}处〔{self.years[day]}〕{self.seq['penalty']:07d}号",
                ent.id, ent.name, violation, text, basis, measures, _money(amount),
                rng.choice(("一般", "一般", "一般", "从轻", "从重")), self.iso[day],
                ent.district.authority, "", ent.unit_id, *self.tail,
            ))  # fmt: skip

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
        end = ent.deregistered or self.today_ord
        start = max(ent.established, end - 3 * 365)
        if ent.pattern:
            start = self.today_ord - 365
        for _ in range(count):
            issue = rng.choice(issues)
            day = date.fromordinal(self._between(start, end))
            text = rng.choice(W.COMPLAINT_TEMPLATES[issue]).format(
                name=ent.name, item=rng.choice(W.COMPLAINT_ITEMS.get(category, ("商品",))),
                amount=rng.randint(20, 5000), date=f"{day.year}年{day.month}月{day.day}日",
            )  # fmt: skip
            received = datetime(day.year, day.month, day.day, rng.randint(8, 20),
                                rng.randint(0, 59), rng.randint(0, 59), tzinfo=SHANGHAI)  # fmt: skip
            self.seq["complaint"] += 1
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
        if planted:
            results = ["不合格"] * rng.randint(3, 4) + ["合格"] * rng.randint(0, 2)
            start = today - 720
        else:
            if ent.status != "存续" or rng.random() > 0.08:
                return
            count = 2 if rng.random() < 0.25 else 1
            results = ["合格"] * count
            if rng.random() < 0.05:
                results[0] = "不合格"
            start = max(ent.established, today - 3 * 365)
        category, products = W.SAMPLING[industry["sampling"]]
        stage = "生产" if industry["licence"] == "食品生产许可证" else "销售"
        for result in results:
            day = self._between(start, today)
            self.seq["sampling"] += 1
            failed = rng.choice(W.FAILED_ITEMS[category]) if result == "不合格" else ""
            self.rows[SAMPLING].append((
                f"DBJ{self.years[day] % 100:02d}{ent.district.code}{self.seq['sampling']:08d}",
                ent.id, stage, category, rng.choice(products), self.iso[day], result, failed,
                ent.unit_id, *self.tail,
            ))  # fmt: skip

    def _listings(self, ent) -> None:
        rng = self.rng
        rows = self.rows[LISTING]
        today = self.today_ord
        authority = ent.district.authority
        if ent.pattern == "annual_report_not_filed":
            year = self._last_due_year()
            listed = date(year + 1, 7, 1).toordinal() + rng.randint(0, 20)
            listed = min(listed, today)
            rows.append((ent.id, "经营异常名录",
                         "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
                         self.iso[listed], authority, None, "", ent.unit_id,
                         *self.tail))  # fmt: skip
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
