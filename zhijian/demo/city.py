"""The synthetic city: market entities and their records for the configured jurisdiction.

``generate_city(n, seed)`` writes ``n`` entities and their related rows straight into the
registry tables (tables 1–9 of the exchange format) and returns a :class:`CityResult` with
the row counts and the ground truth of the planted patterns. Same ``n``, ``seed`` and
``today`` ⇒ identical rows (apart from ``created_at``/``updated_at``).

Fast path: rows are built as tuples and written with ``executemany`` in chunks of 5,000
entities, one transaction per chunk, with explicit primary keys (sequences are reset at the
end on PostgreSQL). No model instances, so no signals: the command writes one audit record.

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
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from zhijian.core.identifiers import id_number_check_char, org_code_check_char, uscc_check_char
from zhijian.dictionaries.models import Division
from zhijian.registry import models as rm
from zhijian.registry.location import locate, unit_index

from . import words as W

SOURCE = "demo"
CHUNK = 5000
FIVE_YEARS = timedelta(days=1826)
SHANGHAI = ZoneInfo("Asia/Shanghai")

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

# Share of Shanghai's market entities by district (approximate, per cent).
DISTRICT_WEIGHTS = {
    "310115": 20, "310112": 8, "310114": 8, "310120": 8, "310151": 8, "310117": 7,
    "310118": 6, "310113": 6, "310116": 5, "310106": 4, "310104": 4, "310110": 3.5,
    "310107": 3.5, "310105": 3, "310101": 2.5, "310109": 2.5,
}  # fmt: skip
RURAL_DISTRICTS = {"310115", "310112", "310114", "310116", "310117", "310118", "310120", "310151"}
KINDS = (
    (rm.Entity.Kind.PRIVATE, 80.0),
    (rm.Entity.Kind.FOREIGN, 3.0),
    (rm.Entity.Kind.STATE, 1.5),
    (rm.Entity.Kind.INDIVIDUAL, 15.2),
    (rm.Entity.Kind.COOPERATIVE, 0.3),
)
STATUSES = (("存续", 75), ("注销", 20), ("吊销", 4), ("迁出", 1))
NICE_CAPITAL = (1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000)
HISTORIC_AUTHORITY = {
    "310108": "上海市工商行政管理局闸北分局",
    "310103": "上海市工商行政管理局卢湾分局",
    "310230": "上海市工商行政管理局崇明分局",
    "310119": "上海市工商行政管理局南汇分局",
}
INSPECTION_ITEMS = ("食品经营监督检查", "广告发布监督检查", "产品质量监督检查", "企业公示信息抽查")


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


@dataclass
class CityResult:
    entities: int
    seed: int
    rows: dict[str, int]
    seconds: float
    ground_truth: dict
    ground_truth_path: Path | None = None


class Writer:
    """Collects tuples per table and writes them with executemany."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.using = using
        self.rows: dict[type, list[tuple]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.sql: dict[type, str] = {}
        self.now = self.connection.ops.adapt_datetimefield_value(timezone.now())
        if self.connection.vendor == "sqlite":
            # The unique indexes (USCC, ID number, record numbers) take random keys: with
            # SQLite's default 2 MB page cache every insert reads pages from disk once the
            # tables outgrow it. A 512 MB cache for this connection keeps them in memory.
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -524288")

    def columns(self, model, names: tuple[str, ...]) -> None:
        quote = self.connection.ops.quote_name
        cols = ", ".join(quote(model._meta.get_field(name).column) for name in names)
        marks = ", ".join(["%s"] * len(names))
        table = quote(model._meta.db_table)
        self.sql[model] = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 - model metadata

    def flush(self) -> None:
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            for model in ORDER:
                rows = self.rows.get(model)
                if rows:
                    cursor.executemany(self.sql[model], rows)
                    self.counts[model._meta.model_name] += len(rows)
        self.rows.clear()


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


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


class CityGenerator:
    def __init__(self, n: int, seed: int, *, today: date | None = None, using: str = "default"):
        self.n = n
        self.seed = seed
        self.today = today or timezone.localdate()
        self.rng = random.Random(seed)
        self.using = using
        self.writer = Writer(using)
        for model, names in FIELDS.items():
            self.writer.columns(model, names)
        self.tail = (SOURCE, None, self.writer.now, self.writer.now)
        self.ops = self.writer.connection.ops
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
            rm.Entity.Kind.PRIVATE: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_PRIVATE),
            rm.Entity.Kind.FOREIGN: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_FOREIGN),
            rm.Entity.Kind.STATE: Picker(((s, f), w) for s, f, w in W.LEGAL_FORMS_STATE),
        }
        self.id_areas = [d.code for d in self.districts] * 3 + list(W.OTHER_ID_AREAS)
        self.id_areas += [code for code in HISTORIC_AUTHORITY if code.startswith("31")]
        # Counters that make numbers unique by construction.
        self.next_entity_id = (rm.Entity.objects.using(using).order_by("-id").values_list(
            "id", flat=True).first() or 0) + 1  # fmt: skip
        self.next_person_id = (rm.Person.objects.using(using).order_by("-id").values_list(
            "id", flat=True).first() or 0) + 1  # fmt: skip
        self.first_entity_id = self.next_entity_id
        self.first_person_id = self.next_person_id
        self.id_seq: dict[tuple[str, int], int] = defaultdict(int)
        self.org_seq = 0
        self.seq = defaultdict(int)
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

    def _road_names(self) -> list[str]:
        chars = list(dict.fromkeys(W.ROAD_CHARS))
        names = [a + b for a in chars for b in chars if a != b]
        self.rng.shuffle(names)
        return [name + self.rng.choice(W.ROAD_SUFFIXES) for name in names]

    # ------------------------------------------------------------------ identifiers

    def _uscc(self, kind: str, district: str, established: date) -> str:
        self.org_seq += 1
        if established.year >= 2015 or kind == rm.Entity.Kind.INDIVIDUAL:
            value = (self.org_a * self.org_seq + self.org_b) % 31**6
            body = "MA"
            tail = []
            for _ in range(6):
                value, digit = divmod(value, 31)
                tail.append(rm_alphabet[digit])
            body += "".join(tail)
        else:
            body = f"{(self.num_a * self.org_seq + self.num_b) % 10**8:08d}"
        prefix = {"个体工商户": "92", "农民专业合作社": "93"}.get(kind, "91")
        first17 = prefix + district + body + org_code_check_char(body)
        return first17 + uscc_check_char(first17)

    def _person(self, *, born_after: int = 1950, born_before: int = 2000) -> tuple[int, str, str]:
        rng = self.rng
        area = rng.choice(self.id_areas)
        while True:
            born = date(rng.randint(born_after, born_before), rng.randint(1, 12),
                        rng.randint(1, 28))  # fmt: skip
            key = (area, born.toordinal())
            count = self.id_seq[key]
            if count < 450:
                break
        self.id_seq[key] = count + 1
        male = rng.random() < 0.55
        seq = 2 * count + (1 if male else 0) + 100  # 100-999, odd = male
        first17 = f"{area}{born:%Y%m%d}{seq:03d}"
        id_number = first17 + id_number_check_char(first17)
        name = self._name(male)
        pid = self.next_person_id
        self.next_person_id += 1
        self.writer.rows[rm.Person].append((pid, id_number, name, True, *self.tail))
        return pid, name, id_number

    def _name(self, male: bool) -> str:
        rng = self.rng
        pool = W.GIVEN_MALE if male else W.GIVEN_FEMALE
        given = rng.choice(pool)
        if rng.random() < 0.7:
            given = rng.choice(W.GIVEN_NEUTRAL + pool) + given
        return self.pick_surname(rng) + given

    def _claimant_id(self) -> str:
        rng = self.rng
        first17 = (
            f"{rng.choice(self.id_areas)}{rng.randint(1960, 2004)}"
            f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        )
        return first17 + id_number_check_char(first17)

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999999999):09d}"

    def _trade_name(self) -> str:
        rng = self.rng
        chars = W.TRADE_CHARS
        size = 2 if rng.random() < 0.6 else 3
        return "".join(rng.choice(chars) for _ in range(size))

    # ------------------------------------------------------------------ dates

    def _established(self, min_age_days: int = 30) -> date:
        rng = self.rng
        span = 30 * 365
        lam = 1 / (8 * 365)
        u = rng.random() * (1 - math.exp(-lam * span))
        age = int(-math.log(1 - u) / lam)
        return self.today - timedelta(days=max(min_age_days, age))

    def _between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

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

    def run(self, progress=None) -> CityResult:
        start = time.perf_counter()
        plan = self._plan()
        self.group_state: dict[tuple[str, int], dict] = {}
        for index in range(self.n):
            self._entity(plan.get(index))
            if (index + 1) % CHUNK == 0 or index + 1 == self.n:
                self.writer.flush()
                if progress:
                    elapsed = time.perf_counter() - start
                    progress(index + 1, self.n, elapsed)
        self._reset_sequences()
        seconds = time.perf_counter() - start
        truth = self._ground_truth()
        return CityResult(self.n, self.seed, dict(self.writer.counts), seconds, truth)

    def _reset_sequences(self) -> None:
        connection = self.writer.connection
        if connection.vendor == "sqlite":
            return
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), list(ORDER))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def _entity(self, planted: tuple[str, int] | None) -> None:
        rng = self.rng
        pattern = planted[0] if planted else ""
        kind = rm.Entity.Kind.PRIVATE if pattern else self.pick_kind(rng)
        if kind == rm.Entity.Kind.COOPERATIVE:
            district = rng.choice(self.rural)
            street = rng.choice(district.towns)
        else:
            district = self.pick_district(rng)
            street = district.street_picker(rng)
        if pattern == "address_cluster":
            district, street = self._cluster_place(planted, district, street)
        status = "存续" if pattern else self.pick_status(rng)
        established = self._established(min_age_days=4 * 365 + 200 if pattern else 30)
        deregistered = None
        if status in ("注销", "吊销"):
            deregistered = self._between(established + timedelta(days=60), self.today)
            if deregistered > self.today:
                deregistered = self.today
        # industry and name
        industry = None
        if kind == rm.Entity.Kind.COOPERATIVE:
            word, code = rng.choice(W.COOPERATIVES)
            place = street.name.removesuffix("镇")
            name = f"{self.city_name}{district.name}{place}{rng.choice(W.COOPERATIVE_PLACES)}{word}"
            legal_form = "农民专业合作社"
            scope = "组织采购、供应成员所需的农业生产资料；组织收购、销售成员生产的农产品"
        elif kind == rm.Entity.Kind.INDIVIDUAL:
            industry = self.pick_ind_industry(rng)
            code = industry["code"]
            trade = (rng.choice(W.SHOP_PREFIXES) + rng.choice(W.GIVEN_MALE + W.GIVEN_FEMALE)
                     if rng.random() < 0.5 else self._trade_name())  # fmt: skip
            name = f"{district.name}{trade}{rng.choice(industry['shops'])}"
            legal_form = ""
            scope = industry["scope"]
        else:
            if pattern in ("repeated_sampling_failure", "licence_expiring",
                           "licence_expired_still_operating"):  # fmt: skip
                industry = rng.choice(self.licensed)
            else:
                industry = self.pick_ent_industry(rng)
            code = industry["code"]
            suffix, legal_form = self.pick_form[kind](rng)
            if legal_form == "个人独资企业":
                suffix = rng.choice(("商行", "经营部", "工作室"))
            name = f"{self.city_short}{self._trade_name()}{rng.choice(industry['words'])}{suffix}"
            scope = industry["scope"]
        # identifiers and place
        reg_district = district.code
        authority = f"{self.city_name}{district.name}市场监督管理局"
        if (district.abolished and not pattern and established.year < district.abolished[1]
                and rng.random() < 0.35):  # fmt: skip
            reg_district = district.abolished[0]
            authority = HISTORIC_AUTHORITY[reg_district]
        uscc = self._uscc(kind, reg_district, established)
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
        # capital
        if kind == rm.Entity.Kind.INDIVIDUAL:
            capital = (round(rng.lognormvariate(math.log(3), 1.0), 2)
                       if rng.random() < 0.5 else None)  # fmt: skip
        else:
            capital = rng.lognormvariate(math.log(100), 1.4)
            if rng.random() < 0.6:
                capital = min(NICE_CAPITAL, key=lambda v: abs(v - capital))
            capital = round(max(capital, 1), 2)
        # legal representative
        eid = self.next_entity_id
        self.next_entity_id += 1
        rep_id, rep_name = self._legal_rep(planted)
        phone = (f"021-{rng.randint(20000000, 69999999)}" if kind != rm.Entity.Kind.INDIVIDUAL
                 else self._mobile())  # fmt: skip
        self.writer.rows[rm.Entity].append((
            eid, uscc, name, kind, legal_form, status, established, deregistered,
            None if capital is None else _money(capital), "CNY", rep_name, rep_id, address,
            location[0], location[1], location[2], authority, code, scope, phone, unit_id,
            *self.tail,
        ))  # fmt: skip
        ent = _Ent(eid, uscc, name, kind, status, established, deregistered, capital, unit_id,
                   address, district, industry, pattern, planted)  # fmt: skip
        self._key_persons(ent, rep_id)
        self._licences(ent)
        self._annual_reports(ent)
        self._inspections(ent)
        self._penalties(ent)
        self._complaints(ent)
        self._samplings(ent)
        self._listings(ent)
        if pattern and pattern not in ("person_many_entities", "address_cluster"):
            self.truth[pattern].append({"uscc": uscc, "name": name})

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

    def _record_group(self, ent) -> None:
        if ent.pattern == "person_many_entities":
            self.group_state[ent.planted]["usccs"].append(ent.uscc)

    # ------------------------------------------------------------------ related rows

    def _key_persons(self, ent, rep_id) -> None:
        rows = self.writer.rows[rm.EntityPerson]
        tail = (ent.unit_id, *self.tail)
        self._record_group(ent)
        rows.append((ent.id, rep_id, "法定代表人", None, *tail))
        if ent.kind in (rm.Entity.Kind.INDIVIDUAL, rm.Entity.Kind.COOPERATIVE):
            return
        rng = self.rng
        holders = rng.choice((1, 1, 2, 2, 3)) if ent.kind == rm.Entity.Kind.PRIVATE else 1
        capital = ent.capital or 10
        shares = [rng.random() + 0.2 for _ in range(holders)]
        total = sum(shares)
        for i, share in enumerate(shares):
            pid = rep_id if i == 0 and rng.random() < 0.7 else self._person()[0]
            rows.append((ent.id, pid, "股东", _money(capital * share / total), *tail))
        if rng.random() < 0.5:
            rows.append((ent.id, self._person()[0], "监事", None, *tail))

    def _licences(self, ent) -> None:
        industry = ent.industry
        if not industry or not industry["licence"]:
            return
        rng = self.rng
        if not ent.pattern and rng.random() > 0.85:
            return  # some licensed-industry entities never started the licensed business
        self.seq["licence"] += 1
        prefix = {"食品经营许可证": "JY1", "食品生产许可证": "SC1", "药品经营许可证": "沪DA"}.get(
            industry["licence"], "XK"
        )
        number = f"{prefix}{ent.district.code}{self.seq['licence']:07d}"
        first = ent.established + timedelta(days=rng.randint(5, 90))
        if ent.pattern == "licence_expiring":
            valid_until = self.today + timedelta(days=rng.randint(1, 30))
            issued, status = valid_until - FIVE_YEARS, "有效"
        elif ent.pattern == "licence_expired_still_operating":
            valid_until = self.today - timedelta(days=rng.randint(20, 300))
            issued, status = valid_until - FIVE_YEARS, "过期"
        else:
            issued = first
            horizon = self.today + timedelta(days=60)
            while issued + FIVE_YEARS <= horizon:
                issued += FIVE_YEARS - timedelta(days=rng.randint(0, 30))
            if issued > self.today:
                issued = self.today - timedelta(days=rng.randint(1, 30))
            valid_until = issued + FIVE_YEARS
            status = "有效"
            if ent.status != "存续":
                status = "注销" if ent.status != "吊销" else "吊销"
                end = ent.deregistered or self.today
                if issued > end:
                    issued = max(first, end - timedelta(days=1))
                    valid_until = issued + FIVE_YEARS
        if issued < first - timedelta(days=5):
            issued = first
        scope = {"food": "预包装食品销售（含冷藏冷冻食品）；热食类食品制售",
                 "agri": "预包装食品销售（不含冷藏冷冻食品）；散装食品销售"}.get(
            industry["sampling"], "")  # fmt: skip
        self.writer.rows[rm.Licence].append((
            number, ent.id, industry["licence"],
            "告知承诺" if rng.random() < 0.3 else "一般程序",
            f"{self.city_name}{ent.district.name}市场监督管理局", issued, valid_until,
            ent.address, scope, status, ent.unit_id, *self.tail,
        ))  # fmt: skip

    def _due_years(self, ent):
        """Report years due and whether each is due (deadline 30 June of the next year)."""
        for year in range(self.today.year - 3, self.today.year):
            if ent.established.year > year:
                continue
            deadline = date(year + 1, 6, 30)
            if ent.deregistered and ent.deregistered <= deadline:
                continue
            if ent.status == "迁出" and self.rng.random() < 0.5:
                continue
            yield year, deadline

    def _last_due_year(self) -> int:
        """The latest report year whose deadline (30 June of the next year) has passed."""
        today = self.today
        return today.year - 1 if today > date(today.year, 6, 30) else today.year - 2

    def _annual_reports(self, ent) -> None:
        rng = self.rng
        rows = self.writer.rows[rm.AnnualReport]
        tail = (ent.unit_id, *self.tail)
        individual = ent.kind == rm.Entity.Kind.INDIVIDUAL
        capital = ent.capital or 0
        paid_ratio = rng.choice((0, 0.2, 0.5, 1, 1))
        due = list(self._due_years(ent))
        for n, (year, deadline) in enumerate(due):
            if deadline >= self.today:
                if not ent.pattern and rng.random() < 0.5:
                    continue  # not yet filed; the deadline has not passed
                filed = self._between(date(year + 1, 1, 1), self.today)
            else:
                filed = self._between(date(year + 1, 1, 1), deadline)
            if ent.pattern == "annual_report_not_filed":
                if year == self._last_due_year():
                    rows.append((ent.id, year, None) + (None,) * 10 + tail)
                    continue
                if year > self._last_due_year():
                    continue
            if ent.pattern == "zero_activity_paid_in" and n >= len(due) - 2:
                paid = _money(max(capital, 10) * 0.5)
                zero = _money(0)
                rows.append((ent.id, year, filed, 0, paid, paid, zero, zero, zero, zero, zero,
                             zero, paid, *tail))  # fmt: skip
                continue
            if individual:
                revenue = rng.lognormvariate(math.log(30), 1.0)
                rows.append((ent.id, year, filed, rng.randint(1, 6), None, None, None,
                             _money(revenue), _money(revenue), None, None,
                             _money(revenue * 0.01), None, *tail))  # fmt: skip
                continue
            paid_in = capital * paid_ratio
            if paid_in == 0 and rng.random() < 0.1:
                employees, revenue = 0, 0.0  # dormant shell without paid-in capital
            else:
                employees = max(1, int(rng.lognormvariate(1.3, 1.1)))
                revenue = max(0.5, rng.lognormvariate(math.log(max(capital, 5)) + 0.5, 1.2))
            assets = max(paid_in, revenue * rng.uniform(0.4, 1.5), 1)
            liabilities = assets * rng.uniform(0.1, 0.8)
            profit = max(0.0, revenue * rng.uniform(-0.05, 0.15))
            rows.append((
                ent.id, year, filed, employees, _money(assets), _money(assets - liabilities),
                _money(liabilities), _money(revenue), _money(revenue * 0.9), _money(profit),
                _money(profit * 0.75), _money(revenue * rng.uniform(0.01, 0.06)),
                _money(paid_in), *tail,
            ))  # fmt: skip

    def _inspections(self, ent) -> None:
        rng = self.rng
        planted = ent.pattern == "licence_expired_still_operating"
        count = 1 if planted or (ent.status == "存续" and rng.random() < 0.12) else 0
        for _ in range(count):
            self.seq["inspection"] += 1
            start = max(ent.established, self.today - timedelta(days=3 * 365))
            day = self._between(start, self.today)
            outcome = rng.choices(("未发现问题", "发现问题已责令整改", "发现问题已立案", "未发现经营"),
                                  (80, 12, 2, 6))[0]  # fmt: skip
            if ent.pattern == "licence_expired_still_operating":
                day = self.today - timedelta(days=rng.randint(1, 15))
                outcome = "发现问题已责令整改"
            findings = 0 if outcome in ("未发现问题", "未发现经营") else rng.randint(1, 4)
            self.writer.rows[rm.InspectionRecord].append((
                f"JC{day.year}{ent.district.code}{self.seq['inspection']:08d}", ent.id, day,
                rng.choice(("日常检查", "双随机", "双随机", "专项检查")),
                rng.choice(INSPECTION_ITEMS), f"{self.city_name}{ent.district.name}市场监督管理局",
                outcome, findings, ent.unit_id, *self.tail,
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
        end = ent.deregistered or self.today
        start = max(ent.established + timedelta(days=30), end - timedelta(days=5 * 365))
        if ent.pattern:
            start = self.today - timedelta(days=3 * 365)
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
            self.writer.rows[rm.PenaltyRecord].append((
                f"沪市监{ent.district.short}处〔{day.year}〕{self.seq['penalty']:07d}号", ent.id,
                ent.name, violation, text, basis, measures, _money(amount),
                rng.choice(("一般", "一般", "一般", "从轻", "从重")), day,
                f"{self.city_name}{ent.district.name}市场监督管理局", "", ent.unit_id,
                *self.tail,
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
        end = ent.deregistered or self.today
        start = max(ent.established, end - timedelta(days=3 * 365))
        if ent.pattern:
            start = self.today - timedelta(days=365)
        for _ in range(count):
            issue = rng.choice(issues)
            day = self._between(start, end)
            text = rng.choice(W.COMPLAINT_TEMPLATES[issue]).format(
                name=ent.name, item=rng.choice(W.COMPLAINT_ITEMS.get(category, ("商品",))),
                amount=rng.randint(20, 5000), date=f"{day.year}年{day.month}月{day.day}日",
            )  # fmt: skip
            received = datetime(day.year, day.month, day.day, rng.randint(8, 20),
                                rng.randint(0, 59), rng.randint(0, 59), tzinfo=SHANGHAI)  # fmt: skip
            self.seq["complaint"] += 1
            kind = "举报" if issue in ("虚假宣传", "计量") and rng.random() < 0.5 else "投诉"
            self.writer.rows[rm.ComplaintRecord].append((
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
        planted = ent.pattern == "repeated_sampling_failure"
        if planted:
            results = ["不合格"] * rng.randint(3, 4) + ["合格"] * rng.randint(0, 2)
            start = self.today - timedelta(days=720)
        else:
            if ent.status != "存续" or rng.random() > 0.08:
                return
            count = 2 if rng.random() < 0.25 else 1
            results = ["合格"] * count
            if rng.random() < 0.05:
                results[0] = "不合格"
            start = max(ent.established, self.today - timedelta(days=3 * 365))
        category, products = W.SAMPLING[industry["sampling"]]
        stage = "生产" if industry["licence"] == "食品生产许可证" else "销售"
        for result in results:
            day = self._between(start, self.today)
            self.seq["sampling"] += 1
            failed = rng.choice(W.FAILED_ITEMS[category]) if result == "不合格" else ""
            self.writer.rows[rm.Sampling].append((
                f"DBJ{day:%y}{ent.district.code}{self.seq['sampling']:08d}", ent.id, stage,
                category, rng.choice(products), day, result, failed, ent.unit_id, *self.tail,
            ))  # fmt: skip

    def _listings(self, ent) -> None:
        rng = self.rng
        rows = self.writer.rows[rm.CreditListing]
        authority = f"{self.city_name}{ent.district.name}市场监督管理局"
        if ent.pattern == "annual_report_not_filed":
            year = self._last_due_year()
            listed = date(year + 1, 7, 1) + timedelta(days=rng.randint(0, 20))
            listed = min(listed, self.today)
            rows.append((ent.id, "经营异常名录",
                         "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告", listed,
                         authority, None, "", ent.unit_id, *self.tail))  # fmt: skip
            return
        if ent.pattern or ent.status != "存续" or rng.random() > 0.01:
            return
        listed = self._between(ent.established + timedelta(days=180), self.today)
        removed, reason = None, ""
        if rng.random() < 0.6 and listed < self.today - timedelta(days=30):
            removed = self._between(listed + timedelta(days=30), self.today)
            reason = "依法办理住所或者经营场所变更登记，申请移出"
        rows.append((ent.id, "经营异常名录", "通过登记的住所或者经营场所无法联系", listed,
                     authority, removed, reason, ent.unit_id, *self.tail))  # fmt: skip

    # ------------------------------------------------------------------ ground truth

    def _ground_truth(self) -> dict:
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


rm_alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(slots=True)
class _Ent:
    id: int
    uscc: str
    name: str
    kind: str
    status: str
    established: date
    deregistered: date | None
    capital: float | None
    unit_id: int
    address: str
    district: District
    industry: dict | None
    pattern: str
    planted: tuple | None


def _complaint_category(ent) -> str:
    if ent.industry is None:
        return "食品"
    return ent.industry["complaint"][1]


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
) -> CityResult:
    """Write ``n`` entities with their records; the ground truth goes to ``ground_truth``."""
    from zhijian.registry.search import bulk_loading

    generator = CityGenerator(n, seed, today=today, using=using)
    if using == "default":
        # The search index is rebuilt once at the end instead of by a trigger per row.
        with bulk_loading():
            result = generator.run(progress)
    else:
        result = generator.run(progress)
    if ground_truth:
        path = Path(ground_truth)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.ground_truth, ensure_ascii=False, indent=1), "utf-8")
        result.ground_truth_path = path
    return result


def delete_city(using: str = "default") -> int:
    """Remove every registry row (all of tables 1–9) for ``--reset``; returns entity count."""
    count = rm.Entity.objects.using(using).count()
    with transaction.atomic(using=using):
        for model in reversed(ORDER):
            model.objects.using(using).all()._raw_delete(using)
    return count
