"""Running rules: SQL (or Python) over the registry → candidates → deduplicated, routed warnings.

The contract of a rule's SQL (docs/rules.md): one portable SELECT with named parameters
(``%(as_of)s``, each parameter, each window) returning one row per triggering record, with
the columns ``entity_id`` and ``key`` (the grouping key: an address, a person, a product),
optionally ``level`` (``normal`` / ``high``), and any other columns, which become the
evidence. Rows are grouped by (entity, key): one candidate each. A candidate becomes a warning
unless the same rule raised one for the same entity and key within ``dedup_days`` of the day
of the run. Warnings are routed (home station, a district department, a city department) and
become supervision tasks or 阅知 reminders, all in one transaction per run, with one audit
record per run. One failing rule never stops the others (``run_rules``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core.models import OrgUnit
from zhijian.core.scope import district_code

from .definitions import RuleDefinition
from .models import RuleRun, RuleVersion, Warning

logger = logging.getLogger(__name__)

EVIDENCE_LIMIT = 20  # triggering rows stored per warning (the count is kept too)
LEVEL_ORDER = {"normal": 0, "high": 1}


@dataclass
class Candidate:
    entity_id: int
    key: str
    level: str
    evidence: list[dict] = field(default_factory=list)
    total: int = 0


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def rule_rows(rule: RuleDefinition, as_of: dt.date) -> Iterator[dict]:
    """The rows the rule's implementation returns for ``as_of`` (dicts by column name)."""
    params = rule.query_parameters(as_of)
    if rule.python:
        module, _sep, name = rule.python.partition(":")
        function = getattr(importlib.import_module(module), name)
        yield from function(rule, as_of, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(rule.sql, params)
        columns = [c[0].lower() for c in cursor.description]
        missing = {"entity_id", "key"} - set(columns)
        if missing:
            raise ValueError(f"规则 {rule.id} 的 SQL 缺少输出列：{'、'.join(sorted(missing))}")
        while True:
            batch = cursor.fetchmany(5000)
            if not batch:
                return
            for row in batch:
                yield dict(zip(columns, row, strict=True))


def candidates(rule: RuleDefinition, rows: Iterable[dict]) -> list[Candidate]:
    """Rows grouped by (entity, key), in first-seen order; the highest level wins."""
    found: dict[tuple[int, str], Candidate] = {}
    for row in rows:
        entity_id = int(row["entity_id"])
        key = str(row["key"] if row["key"] is not None else "")[:300]
        level = str(row.get("level") or rule.level)
        if level not in LEVEL_ORDER:
            raise ValueError(f"规则 {rule.id} 输出了未知的预警等级“{level}”")
        candidate = found.get((entity_id, key))
        if candidate is None:
            candidate = found[(entity_id, key)] = Candidate(entity_id, key, level)
        elif LEVEL_ORDER[level] > LEVEL_ORDER[candidate.level]:
            candidate.level = level
        candidate.total += 1
        if len(candidate.evidence) < EVIDENCE_LIMIT:
            evidence = {k: _json_value(v) for k, v in row.items()
                        if k not in ("entity_id", "key", "level")}  # fmt: skip
            candidate.evidence.append(evidence)
    return list(found.values())


def recent_keys(rule: RuleDefinition, as_of: dt.date) -> set[tuple[int, str]]:
    """(entity, key) pairs the rule already warned about within the deduplication window."""
    if rule.dedup_days <= 0:
        return set()
    window = dt.timedelta(days=rule.dedup_days)
    rows = Warning.objects.filter(
        rule_id=rule.id, as_of__gt=as_of - window, as_of__lt=as_of + window
    ).values_list("entity_id", "key")
    return set(rows)


def rows_examined(rule: RuleDefinition) -> int:
    """Rows in the tables the rule reads (what one run looked at)."""
    total = 0
    with connection.cursor() as cursor:
        for table in rule.sources:
            if table not in _known_tables():
                raise ValueError(f"规则 {rule.id} 声明的数据表 {table} 不存在")
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            total += cursor.fetchone()[0]
    return total


def _known_tables() -> set[str]:
    return set(connection.introspection.table_names())


# --- routing -----------------------------------------------------------------------------------


class Router:
    """The unit a warning goes to, per the rule's route (read once per run)."""

    def __init__(self):
        units = list(OrgUnit.objects.values_list("pk", "code", "path", "parent_id", "kind"))
        self.by_code = {code: pk for pk, code, _path, _parent, _kind in units}
        self.path = {pk: path for pk, _code, path, _parent, _kind in units}
        roots = [pk for pk, _code, _path, parent, _kind in units if parent is None]
        if not roots:
            raise ValueError("组织机构为空：请先导入机构（zhijian orgs）")
        self.root = roots[0]

    def unit_for(self, route: str, entity_unit_id: int | None) -> int:
        if route == "city_department" or entity_unit_id is None:
            return self.root
        if route == "home_station":
            return entity_unit_id
        code = district_code(self.path.get(entity_unit_id, ""))
        return self.by_code.get(code, self.root) if code else self.root


# --- a run ---------------------------------------------------------------------------------------


def record_version(rule_id: str, version: str, name: str, text: str, sql="", python="") -> None:
    """Keep the text of a rule's (or a feed's) version the first time it runs."""
    RuleVersion.objects.get_or_create(
        rule_id=rule_id, version=version,
        defaults={"name": name, "definition": text, "sql": sql, "python": python},
    )  # fmt: skip


def _version(rule: RuleDefinition) -> None:
    record_version(rule.id, rule.version, rule.name, rule.text, rule.sql, rule.python)


def run_rule(
    rule: RuleDefinition, as_of: dt.date | None = None, *, trigger=RuleRun.Trigger.MANUAL, user=None
) -> RuleRun:
    """Run ``rule`` on the data as of ``as_of`` (default today); the run records the outcome.

    A failure is recorded on the run (status failed, the error) and raised again."""
    from .definitions import missing_tables

    as_of = as_of or timezone.localdate()
    _version(rule)
    missing = missing_tables(rule)
    if missing:  # a module not installed yet: recorded, nothing raised, not an error
        now = timezone.now()
        return RuleRun.objects.create(
            rule_id=rule.id, version=rule.version, as_of=as_of, trigger=trigger,
            status=RuleRun.Status.SKIPPED, started_at=now, finished_at=now, started_by=user,
            error=f"跳过：所需数据表 {'、'.join(missing)} 尚不存在（相应模块上线后自动运行）",
        )  # fmt: skip
    run = RuleRun.objects.create(
        rule_id=rule.id, version=rule.version, as_of=as_of, trigger=trigger,
        status=RuleRun.Status.RUNNING, started_at=timezone.now(),
        parameters=rule.used_on(as_of), started_by=user,
    )  # fmt: skip
    try:
        with transaction.atomic():
            _execute(rule, run, as_of)
    except Exception as exc:
        RuleRun.objects.filter(pk=run.pk).update(
            status=RuleRun.Status.FAILED, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:4000],
        )  # fmt: skip
        raise
    run.refresh_from_db()
    return run


def _execute(rule: RuleDefinition, run: RuleRun, as_of: dt.date) -> None:
    found = candidates(rule, rule_rows(rule, as_of))
    seen = recent_keys(rule, as_of)
    fresh = [c for c in found if (c.entity_id, c.key) not in seen]
    warnings = raise_warnings(rule, run, as_of, fresh)
    run.rows_examined = rows_examined(rule)
    run.candidates = len(found)
    run.raised = len(warnings)
    run.duplicates = len(found) - len(fresh)
    run.status = RuleRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["rows_examined", "candidates", "raised", "duplicates", "status",
                            "finished_at"])  # fmt: skip
    log(
        "rules_run",
        obj=run,
        object_repr=f"预警规则 {rule.id}（{rule.name}）运行：新增预警 {len(warnings)} 条",
        detail={
            "rule": rule.id,
            "version": rule.version,
            "as_of": as_of.isoformat(),
            "candidates": len(found),
            "raised": len(warnings),
            "duplicates": run.duplicates,
        },  # fmt: skip
    )


def raise_warnings(rule, run, as_of, fresh: list[Candidate]) -> list[Warning]:
    """Write the warnings of ``fresh`` candidates and, for task rules, their tasks."""
    from zhijian.registry.models import Entity

    if not fresh:
        return []
    router = Router()
    entities = {}
    ids = [c.entity_id for c in fresh]
    for start in range(0, len(ids), 5000):
        for pk, unit_id, uscc, name in Entity.objects.filter(
            pk__in=ids[start : start + 5000]
        ).values_list("pk", "unit_id", "uscc", "name"):
            entities[pk] = (unit_id, uscc, name)
    used = {name: v["value"] for name, v in run.parameters.items()}
    warnings = [
        Warning(
            rule_id=rule.id,
            rule_version=rule.version,
            run=run,
            entity_id=c.entity_id,
            key=c.key,
            as_of=as_of,
            level=c.level,
            parameters=run.parameters,
            evidence=c.evidence,
            evidence_total=c.total,
            route=rule.route.to,
            department=rule.route.department,
            unit_id=router.unit_for(rule.route.to, entities[c.entity_id][0]),
            handling=rule.handling,
        )  # fmt: skip
        for c in fresh
        if c.entity_id in entities
    ]
    Warning.objects.bulk_create(warnings, batch_size=2000)
    if rule.handling == "task":
        _tasks_for(rule, run, warnings, entities, used)
    return warnings


def _tasks_for(rule, run, warnings: list[Warning], entities: dict, used: dict) -> None:
    from zhijian.supervision.services import bulk_create_tasks

    department = f"（{rule.route.department}）" if rule.route.department else ""
    values = "；".join(f"{k}={v}" for k, v in used.items())
    rows = [
        {
            "title": f"{rule.name}预警{department}：{entities[w.entity_id][2]}"[:200],
            "description": (
                f"预警规则 {rule.id}（版本 {rule.version}）于 {w.as_of} 命中：{rule.description}"
                f"\n归集键：{w.key}\n参数：{values or '无'}\n处置时请选择处置结果。"
            ),
            "unit_id": w.unit_id,
            "entity_id": w.entity_id,
            "due_days": rule.due_days or None,
            "working_days": rule.working_days,
            "due_basis": f"预警规则 {rule.id}：{rule.legal_basis}"[:300],
        }
        for w in warnings
    ]
    tasks = bulk_create_tasks(rows, source="warning", source_ref=f"rules.run:{run.pk}")
    for warning, task in zip(warnings, tasks, strict=True):
        warning.task_id = task.pk
    Warning.objects.bulk_update(warnings, ["task"], batch_size=2000)


# --- many rules ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    rule_id: str
    run: RuleRun | None
    error: str = ""


def run_rules(rules: Iterable[RuleDefinition], as_of=None, *, trigger=RuleRun.Trigger.MANUAL,
              user=None) -> list[Outcome]:  # fmt: skip
    """Run each rule; a failure is recorded and the next rule runs."""
    outcomes = []
    for rule in rules:
        try:
            outcomes.append(Outcome(rule.id, run_rule(rule, as_of, trigger=trigger, user=user)))
        except Exception as exc:  # noqa: BLE001 - one failing rule never stops the others
            logger.exception("rule %s failed", rule.id)
            run = RuleRun.objects.filter(rule_id=rule.id).order_by("-id").first()
            outcomes.append(Outcome(rule.id, run, f"{type(exc).__name__}: {exc}"))
    return outcomes


def evidence_json(warning: Warning) -> str:
    return json.dumps(warning.evidence, ensure_ascii=False, indent=1)
