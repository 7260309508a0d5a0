"""YAML test cases of rules (``<rule_id>.tests.yaml`` beside the rule): input rows → expected
warnings. ``zhijian rules test`` and the test suite run them.

A case gives registry rows in a compact form (``given``), then one or more runs, each with
the day of the run and the warnings expected from it::

    rule: one_person_many_entities
    cases:
      - name: 恰好5户：触发
        given:
          persons: [{ref: P1}]
          entities:
            - {ref: E1, legal_rep: P1}
            - {ref: E2, legal_rep: P1, status: 注销}
        as_of: 2026-06-30                  # one run ...
        expect: [{entity: E1, key: "person:{P1}", level: normal}]
        runs:                              # ... or several (deduplication)
          - {as_of: 2026-06-30, expect: [{entity: E1}]}
          - {as_of: 2026-07-30, expect: []}

Rows get every required field by default; ``ref`` names a row for later rows and for the
expectations, where ``{REF}`` in a key stands for that row's primary key. Only warnings about
the case's own entities are compared, so a case may run on a database that holds other data;
everything a case writes is rolled back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .definitions import RuleDefinition
from .engine import run_rule
from .models import Warning

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class CaseError(ValueError):
    """A test file that cannot be used (Chinese message)."""


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class CaseResult:
    name: str
    ok: bool
    message: str = ""
    skipped: bool = False


def cases_path(rule: RuleDefinition) -> Path:
    return rule.path.with_name(f"{rule.id}.tests.yaml")


def load_cases(rule: RuleDefinition) -> list[dict]:
    path = cases_path(rule)
    if not path.is_file():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if raw.get("rule") != rule.id:
        raise CaseError(f"测试文件 {path.name} 的 rule 应为“{rule.id}”")
    cases = raw.get("cases") or []
    if not isinstance(cases, list):
        raise CaseError(f"测试文件 {path.name}：cases 应为列表")
    return cases


def run_cases(rule: RuleDefinition) -> list[CaseResult]:
    return [run_case(rule, case) for case in load_cases(rule)]


def run_case(rule: RuleDefinition, case: dict) -> CaseResult:
    from .definitions import missing_tables

    name = str(case.get("name") or "（未命名用例）")
    missing = missing_tables(rule)
    if missing:
        return CaseResult(name, True, f"所需数据表 {'、'.join(missing)} 尚不存在", skipped=True)
    runs = case.get("runs") or [{"as_of": case.get("as_of"), "expect": case.get("expect")}]
    outcome = CaseResult(name, True)
    try:
        with transaction.atomic():
            world = World()
            world.build(case.get("given") or {})
            for number, run in enumerate(runs, start=1):
                problem = _check_run(rule, world, run, number)
                if problem:
                    outcome = CaseResult(name, False, problem)
                    break
            raise _Rollback
    except _Rollback:
        pass
    except (CaseError, KeyError, TypeError, ValueError) as exc:
        return CaseResult(name, False, f"用例无法运行：{type(exc).__name__}: {exc}")
    return outcome


def _check_run(rule, world: World, run: dict, number: int) -> str:
    as_of = run.get("as_of")
    if not isinstance(as_of, dt.date):
        raise CaseError(f"第 {number} 次运行缺少 as_of（YYYY-MM-DD）")
    result = run_rule(rule, as_of)
    found = {
        (w.entity_id, w.key, w.level)
        for w in Warning.objects.filter(run=result, entity_id__in=world.entity_ids())
    }
    expected = set()
    for item in run.get("expect") or []:
        entity = world.pk(item["entity"])
        keys = {w[1] for w in found if w[0] == entity}
        key = world.fill(item["key"]) if "key" in item else (next(iter(keys)) if keys else "")
        level = item.get("level") or next((w[2] for w in found if w[:2] == (entity, key)), "")
        expected.add((entity, key, level))
    if found == expected:
        return ""
    missing = sorted(world.describe(e) for e in expected - found)
    extra = sorted(world.describe(e) for e in found - expected)
    return (f"第 {number} 次运行（as_of {as_of}）：缺少预警 {missing or '无'}；"
            f"多出预警 {extra or '无'}")  # fmt: skip


class World:
    """The rows of one case, built with defaults; refs map to primary keys."""

    def __init__(self):
        from zhijian.core.models import OrgUnit

        self.refs: dict[str, object] = {}
        self.token = "".join(secrets.choice(USCC_CHARS) for _ in range(5))
        self.serial = 0
        if not OrgUnit.objects.exists():
            from zhijian.core.services import load_default_org_tree

            load_default_org_tree()
        self.station = OrgUnit.objects.filter(kind="station").order_by("code").first()
        self.unit = self.station or OrgUnit.objects.get(parent__isnull=True)

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def pk(self, ref: str) -> int:
        if ref not in self.refs:
            raise CaseError(f"未定义的引用“{ref}”")
        return self.refs[ref].pk

    def fill(self, text: str) -> str:
        for ref, obj in self.refs.items():
            text = text.replace("{" + ref + "}", str(obj.pk))
        return text

    def entity_ids(self) -> list[int]:
        from zhijian.registry.models import Entity

        return [o.pk for o in self.refs.values() if isinstance(o, Entity)]

    def describe(self, item: tuple) -> str:
        entity, key, level = item
        ref = next((r for r, o in self.refs.items() if o.pk == entity and
                    type(o).__name__ == "Entity"), str(entity))  # fmt: skip
        return f"{ref}/{key}/{level}"

    def build(self, given: dict) -> None:
        order = ("persons", "entities", "licences", "annual_reports", "penalties", "samplings",
                 "complaints", "credit_listings", "inspections")  # fmt: skip
        unknown = set(given) - set(order)
        if unknown:
            raise CaseError(
                f"未知的数据表：{'、'.join(sorted(unknown))}（可用：{'、'.join(order)}）"
            )
        for table in order:
            for row in given.get(table) or []:
                row = dict(row)
                ref = row.pop("ref", None)
                obj = getattr(self, f"_{table}")(row)
                if ref:
                    self.refs[str(ref)] = obj

    def _entity(self, row: dict, field: str = "entity"):
        return self.refs[row.pop(field)] if field in row else None

    def _persons(self, row):
        from zhijian.registry.models import Person

        n = self._next()
        row.setdefault("id_number", f"TEST{self.token}{n:06d}")
        row.setdefault("name", f"测试人{n}")
        row.setdefault("id_is_citizen", False)
        return Person.objects.create(source="rules-test", **row)

    def _entities(self, row):
        from zhijian.registry.models import Entity

        n = self._next()
        legal_rep = self.refs[row.pop("legal_rep")] if "legal_rep" in row else None
        body = f"91TST{self.token}{n:07d}"[:17]
        row.setdefault("uscc", body + USCC_CHARS[n % 31])
        row.setdefault("name", f"规则测试{n}号有限公司")
        row.setdefault("kind", "私营企业")
        row.setdefault("status", "存续")
        row.setdefault("established_on", dt.date(2020, 1, 1))
        row.setdefault("address", f"上海市浦东新区测试路{n}号")
        row.setdefault("district_code", "310115")
        row.setdefault("legal_rep_name", legal_rep.name if legal_rep else "某某")
        if "registered_capital" in row:
            row["registered_capital"] = Decimal(str(row["registered_capital"]))
        return Entity.objects.create(
            source="rules-test", unit=self.unit, legal_rep=legal_rep, **row
        )

    def _records(self, model, row, defaults: dict):
        entity = self._entity(row)
        for key, value in defaults.items():
            row.setdefault(key, value)
        unit = entity.unit if entity is not None else self.unit
        return model.objects.create(source="rules-test", unit=unit, entity=entity, **row)

    def _licences(self, row):
        from zhijian.registry.models import Licence

        n = self._next()
        return self._records(Licence, row, {
            "number": f"TST{self.token}L{n}", "licence_type": "食品经营许可证",
            "issuer": "测试局", "issued_on": dt.date(2021, 1, 1), "status": "有效",
        })  # fmt: skip

    def _annual_reports(self, row):
        from zhijian.registry.models import AnnualReport

        for money in ("total_assets", "equity", "liabilities", "revenue", "main_revenue",
                      "total_profit", "net_profit", "tax_paid", "paid_in_capital"):  # fmt: skip
            if row.get(money) is not None:
                row[money] = Decimal(str(row[money]))
        return self._records(AnnualReport, row, {"year": 2025})

    def _penalties(self, row):
        from zhijian.registry.models import PenaltyRecord

        n = self._next()
        if row.get("amount") is not None:
            row["amount"] = Decimal(str(row["amount"]))
        return self._records(PenaltyRecord, row, {
            "number": f"测试罚〔{self.token}〕{n}号", "party": "当事人", "violation": "虚假宣传",
            "measures": "罚款", "decided_on": dt.date(2025, 1, 1), "authority": "测试局",
        })  # fmt: skip

    def _samplings(self, row):
        from zhijian.registry.models import Sampling

        n = self._next()
        return self._records(Sampling, row, {
            "number": f"TST{self.token}S{n}", "category": "食品", "product": "测试产品",
            "sampled_on": dt.date(2025, 1, 1), "result": "不合格",
        })  # fmt: skip

    def _complaints(self, row):
        from zhijian.registry.models import ComplaintRecord

        n = self._next()
        received = row.pop("received_on", dt.date(2025, 1, 1))
        row.setdefault(
            "received_at", timezone.make_aware(dt.datetime.combine(received, dt.time(9)))
        )
        return self._records(ComplaintRecord, row, {
            "number": f"TST{self.token}C{n}", "kind": "投诉", "respondent_name": "被诉主体",
            "text": "测试诉求",
        })  # fmt: skip

    def _inspections(self, row):
        from zhijian.registry.models import InspectionRecord

        n = self._next()
        return self._records(InspectionRecord, row, {
            "number": f"TST{self.token}I{n}", "inspected_on": dt.date(2025, 1, 1),
            "method": "日常检查", "authority": "测试局", "outcome": "未发现问题",
        })  # fmt: skip

    def _credit_listings(self, row):
        from zhijian.registry.models import CreditListing

        return self._records(CreditListing, row, {
            "list_type": "经营异常名录", "reason": "测试", "listed_on": dt.date(2025, 1, 1),
            "authority": "测试局",
        })  # fmt: skip
