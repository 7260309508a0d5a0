"""Rule definitions: one YAML file per rule in a rule pack, with its SQL beside it.

A rule is data (the OpenFisca habit, docs/rules.md): a stable id, a Chinese name, a category,
the tables it reads, a schedule, parameters with effective-dated values and the source of
each value, date windows derived from the day of the run, routing, a deduplication window, a
handling mode (to-do task or 阅知 reminder) and an implementation, normally one portable SQL
statement (``sql: file.sql``), else a Python function (``python: module:function``). The
version of a rule is the SHA-256 of its YAML and SQL texts: any change is a new version, and
every warning records the version that raised it.

This module only reads and checks files; ``engine.py`` runs rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from zhijian.dictionaries import parameters

PACK_DIR = Path(__file__).resolve().parent / "packs"
CATEGORIES = ("风险预警类", "信用评价类")
ROUTES = ("home_station", "district_department", "city_department")
HANDLINGS = ("task", "acknowledge")
LEVELS = ("normal", "high")
PARAMETER_TYPES = ("int", "decimal", "days", "text_list")  # text_list: Python rules only
ID_RE = re.compile(r"[a-z][a-z0-9_]{2,63}")
WINDOW_UNITS = ("years", "months", "days", "working_days")


class DefinitionError(ValueError):
    """A rule file that cannot be used; the message names the file and the problem (Chinese)."""


@dataclass(frozen=True)
class Window:
    """A date derived from the day of the run: ``as_of`` minus (or, ``after``, plus) an amount
    (a number or the name of a parameter) of years, months, days or working days."""

    name: str
    unit: str
    amount: int | str  # a number, or the name of a parameter holding the number
    after: bool = False
    base: str = ""  # another (earlier) window to count from instead of as_of

    def on(self, as_of: dt.date, values: dict) -> dt.date:
        amount = int(values[self.amount] if isinstance(self.amount, str) else self.amount)
        if self.unit == "working_days":
            from zhijian.dictionaries.workdays import add_working_days

            return add_working_days(as_of, amount if self.after else -amount)
        return shift(as_of, self.unit, amount if self.after else -amount)


@dataclass(frozen=True)
class Route:
    to: str
    department: str = ""

    def label(self) -> str:
        kinds = {"home_station": "属地市场监管所", "district_department": "区局",
                 "city_department": "市局"}  # fmt: skip
        return kinds[self.to] + (f"（{self.department}）" if self.department else "")


@dataclass(frozen=True)
class RuleDefinition:
    id: str
    name: str
    name_en: str
    category: str
    description: str
    legal_basis: str
    sources: tuple[str, ...]
    schedule: str
    parameters: dict  # name → parameters.Parameter (key "rules.<id>.<name>")
    parameter_types: dict  # name → "int" | "decimal" | "days"
    windows: tuple[Window, ...]
    route: Route
    handling: str
    dedup_days: int
    level: str
    due_days: int
    working_days: bool
    sql: str = ""
    python: str = ""
    # tables of a module not installed yet: the rule is skipped, saying so, until they exist
    requires: tuple[str, ...] = ()
    path: Path = field(default=PACK_DIR, compare=False)
    version: str = ""
    text: str = field(default="", compare=False, repr=False)

    def values_on(self, day: dt.date) -> dict:
        """{name: value} of the parameters in force on ``day``."""
        return {name: p.on(day) for name, p in self.parameters.items()}

    def used_on(self, day: dt.date) -> dict:
        """{name: {value, effective_from, source}}: what a warning records."""
        out = {}
        for name, p in self.parameters.items():
            used = p.used(day)
            out[name] = {k: used[k] for k in ("value", "effective_from", "source")}
        return out

    def query_parameters(self, as_of: dt.date) -> dict:
        """The named parameters of the SQL (docs/rules.md):

        ``as_of`` (ISO date) and ``as_of_year``; each parameter; each window (ISO date).
        For datetime columns, ``as_of_end`` and ``<window>_start``: the start of the day after
        ``as_of`` and of the window's day, in local time, as the database stores datetimes.
        A window is inclusive: ``col >= %(since)s AND col <= %(as_of)s`` for dates,
        ``col >= %(since_start)s AND col < %(as_of_end)s`` for datetimes."""
        values = self.values_on(as_of)
        params = {"as_of": as_of.isoformat(), "as_of_year": as_of.year,
                  "as_of_end": _day_start(as_of + dt.timedelta(days=1))}  # fmt: skip
        for name, value in values.items():
            params[name] = Decimal(str(value)) if self.parameter_types[name] == "decimal" else value
        days = {}
        for window in self.windows:
            base = days[window.base] if window.base else as_of
            day = days[window.name] = window.on(base, values)
            params[window.name] = day.isoformat()
            params[f"{window.name}_start"] = _day_start(day)
        return params


def _day_start(day: dt.date):
    """Local midnight of ``day`` as the database connection takes a datetime parameter."""
    from django.db import connection
    from django.utils import timezone

    moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return connection.ops.adapt_datetimefield_value(moment)


def shift(day: dt.date, unit: str, amount: int) -> dt.date:
    """``day`` moved by ``amount`` years / months / days (29 Feb and month ends clamp)."""
    if unit == "days":
        return day + dt.timedelta(days=amount)
    months = amount * 12 if unit == "years" else amount
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


def _fail(path: Path, message: str):
    raise DefinitionError(f"规则文件 {path.name}：{message}")


def _text(raw: dict, name: str, path: Path, *, required=True, choices=None, fail=None) -> str:
    """A text field of a YAML file (rule packs, feeds: ``fail`` names the file its own way)."""
    fail = fail or _fail
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        fail(path, f"“{name}”应为文本")
    value = value.strip()
    if required and not value:
        fail(path, f"缺少“{name}”")
    if choices and value not in choices:
        fail(path, f"“{name}”应为 {' / '.join(choices)} 之一，收到“{value}”")
    return value


def _int(raw: dict, name: str, path: Path, default: int, minimum: int = 0, fail=None) -> int:
    fail = fail or _fail
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "正整数" if minimum == 1 else "非负整数"
        fail(path, f"“{name}”应为{kind}，收到“{value}”")
    return value


def _check_value(kind: str, value, label: str, path: Path):
    if kind == "text_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            _fail(path, f"参数“{label}”的取值应为文本列表，收到“{value}”")
        return [v.strip() for v in value if v.strip()]
    if kind in ("int", "days"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            _fail(path, f"参数“{label}”的取值应为非负整数，收到“{value}”")
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        _fail(path, f"参数“{label}”的取值应为数值，收到“{value}”")


def _validator(kind: str):
    def check(value):
        if kind == "text_list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise parameters.InvalidParameter(f"取值应为文本列表，收到“{value}”")
            return [v.strip() for v in value if v.strip()]
        if kind in ("int", "days"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise parameters.InvalidParameter(f"取值应为非负整数，收到“{value}”")
            return value
        try:
            return str(Decimal(str(value)))
        except ArithmeticError:
            raise parameters.InvalidParameter(f"取值应为数值，收到“{value}”") from None

    return check


def _parameters(rule_id: str, raw, path: Path) -> tuple[dict, dict]:
    if raw in (None, {}):
        return {}, {}
    if not isinstance(raw, dict):
        _fail(path, "“parameters”应为“名称: 定义”的映射")
    out, types = {}, {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not ID_RE.fullmatch(name):
            _fail(path, f"参数名“{name}”应为小写字母开头的字母、数字或下划线")
        if not isinstance(spec, dict):
            _fail(path, f"参数“{name}”的定义应为映射")
        label = _text(spec, "name", path)
        kind = _text(spec, "type", path, choices=PARAMETER_TYPES)
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            _fail(path, f"参数“{name}”至少要有一个带生效日期的取值（values）")
        history = []
        for entry in values:
            if not isinstance(entry, dict) or not isinstance(entry.get("from"), dt.date):
                _fail(path, f"参数“{name}”的每个取值都要有生效日期 from（YYYY-MM-DD）")
            source = _text(entry, "source", path)
            checked = _check_value(kind, entry.get("value"), label, path)
            history.append((entry["from"], str(checked) if kind == "decimal" else checked, source))
        history.sort(key=lambda h: h[0])
        if len({h[0] for h in history}) != len(history):
            _fail(path, f"参数“{name}”有两个取值的生效日期相同")
        first = history[0]
        out[name] = parameters.declare(
            f"rules.{rule_id}.{name}",
            first[1],
            name=f"预警规则 {rule_id}：{label}",
            source=first[2],
            validate=_validator(kind),
            unit=str(spec.get("unit", "") or ""),
            history=history,
        )
        types[name] = kind
    return out, types


def _windows(raw, params: dict, path: Path) -> tuple[Window, ...]:
    if raw in (None, {}):
        return ()
    if not isinstance(raw, dict):
        _fail(path, "“windows”应为“名称: {years|months|days|working_days: 数量或参数名}”的映射")
    out = []
    for name, spec in raw.items():
        base = ""
        if isinstance(spec, dict) and "from" in spec:
            spec = dict(spec)
            base = str(spec.pop("from"))
            if base not in {w.name for w in out}:
                _fail(path, f"时间窗“{name}”的 from 应为前面定义的时间窗，收到“{base}”")
        after = isinstance(spec, dict) and set(spec) == {"after"}
        if after:
            spec = spec["after"]
        if not isinstance(spec, dict) or len(spec) != 1:
            _fail(path, f"时间窗“{name}”应恰好写一个 {' / '.join(WINDOW_UNITS)}（或 after: {{…}}）")
        ((unit, amount),) = spec.items()
        if unit not in WINDOW_UNITS:
            _fail(path, f"时间窗“{name}”的单位应为 {' / '.join(WINDOW_UNITS)}，收到“{unit}”")
        if isinstance(amount, str):
            if amount not in params:
                _fail(path, f"时间窗“{name}”引用了未定义的参数“{amount}”")
        elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            _fail(path, f"时间窗“{name}”的数量应为非负整数或参数名")
        if name in params or name == "as_of":
            _fail(path, f"时间窗“{name}”与参数重名")
        out.append(Window(name, unit, amount, after, base))
    return tuple(out)


def _python_source(target: str, path: Path) -> str:
    """The text of a Python implementation's module and of the ``zhijian`` modules it imports
    directly (e.g. the address normaliser), so that a code change is a new rule version."""
    import ast
    import importlib.util

    module_name = target.partition(":")[0]
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        _fail(path, f"找不到实现模块 {module_name}")
    texts = [Path(spec.origin).read_text(encoding="utf-8")]
    imported = set()
    for node in ast.walk(ast.parse(texts[0])):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name.rsplit(".", node.level)[0]
                base = f"{package}.{base}" if base else package
            imported.add(base)
            imported.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    for name in sorted(n for n in imported if n.startswith("zhijian.") and n != module_name):
        found = importlib.util.find_spec(name) if _importable(name) else None
        if found is not None and found.origin and found.origin.endswith(".py"):
            texts.append(Path(found.origin).read_text(encoding="utf-8"))
    return "\n--\n".join(texts)


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name.rpartition(".")[0] or name) is not None
    except (ImportError, ValueError):
        return False


def load_file(path: Path) -> RuleDefinition:
    """The rule defined by ``path`` (a ``<id>.yaml`` file), checked."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"规则文件 {path.name}：YAML 格式错误：{exc}") from None
    if not isinstance(raw, dict):
        _fail(path, "内容应为映射")
    rule_id = _text(raw, "id", path)
    if not ID_RE.fullmatch(rule_id) or path.stem != rule_id:
        _fail(path, f"规则标识“{rule_id}”应为小写字母、数字和下划线，并与文件名一致")
    params, types = _parameters(rule_id, raw.get("parameters"), path)
    routing = raw.get("routing") or {}
    if not isinstance(routing, dict):
        _fail(path, "“routing”应为映射")
    route = Route(
        _text(routing, "to", path, choices=ROUTES),
        _text(routing, "department", path, required=False),
    )
    if route.to != "home_station" and not route.department:
        _fail(path, "推送到区局或市局的规则必须写明承办部门（routing.department）")
    implementation = raw.get("implementation") or {}
    if not isinstance(implementation, dict):
        _fail(path, "“implementation”应为映射")
    sql_name = _text(implementation, "sql", path, required=False)
    python = _text(implementation, "python", path, required=False)
    if bool(sql_name) == bool(python):
        _fail(path, "implementation 应恰好写 sql（SQL 文件名）或 python（模块:函数）之一")
    sql = ""
    if sql_name:
        sql_path = path.parent / sql_name
        if not sql_path.is_file():
            _fail(path, f"找不到 SQL 文件 {sql_name}")
        sql = sql_path.read_text(encoding="utf-8")
    sources = raw.get("sources") or []
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        _fail(path, "“sources”应列出规则读取的数据表")
    requires = raw.get("requires") or []
    if not isinstance(requires, list) or not all(isinstance(t, str) for t in requires):
        _fail(path, "“requires”应列出规则需要的数据表")
    code = sql or _python_source(python, path)
    version = hashlib.sha256(f"{text}\n--\n{code}".encode()).hexdigest()[:16]
    return RuleDefinition(
        id=rule_id,
        name=_text(raw, "name", path),
        name_en=_text(raw, "name_en", path, required=False),
        category=_text(raw, "category", path, choices=CATEGORIES),
        description=_text(raw, "description", path),
        legal_basis=_text(raw, "legal_basis", path),
        sources=tuple(sources),
        schedule=_text(raw, "schedule", path),
        parameters=params,
        parameter_types=types,
        windows=_windows(raw.get("windows"), params, path),
        route=route,
        handling=_text(raw, "handling", path, choices=HANDLINGS),
        dedup_days=_int(raw, "dedup_days", path, 90),
        level=_text(raw, "level", path, required=False) or "normal",
        due_days=_int(raw, "due_days", path, 10),
        working_days=bool(raw.get("working_days", True)),
        sql=sql,
        python=python,
        requires=tuple(requires),
        path=path,
        version=version,
        text=text,
    )


@cache
def all_rules(pack: Path = PACK_DIR) -> dict[str, RuleDefinition]:
    """Every rule of the pack, by id (read once per process)."""
    rules = {}
    for path in sorted(pack.glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        rule = load_file(path)
        if rule.level not in LEVELS:
            _fail(path, f"“level”应为 {' / '.join(LEVELS)} 之一")
        rules[rule.id] = rule
    return rules


def missing_tables(rule: RuleDefinition) -> list[str]:
    """The tables ``rule`` requires that this database does not have (yet)."""
    if not rule.requires:
        return []
    from django.db import connection

    present = set(connection.introspection.table_names())
    return [t for t in rule.requires if t not in present]


def get(rule_id: str) -> RuleDefinition:
    try:
        return all_rules()[rule_id]
    except KeyError:
        raise DefinitionError(f"没有标识为“{rule_id}”的预警规则") from None
