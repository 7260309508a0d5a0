"""External warning feeds (外部预警接入): warnings produced by other systems (网络监测, 广告监测,
食品抽检追溯, 智慧电梯, 信用风险分类, 认证活动, 商品条码, 价格监管), imported from a file (CSV or
XLSX) or from JSON rows, validated row by row, deduplicated and raised through
``engine.raise_warnings``, so that routing, supervision tasks and 阅知 reminders are exactly
those of the rules (docs/rules-feeds.md).

Definitions
-----------
One YAML file per feed, ``feeds/<feed_id>.yaml``: id (``feed_…``), Chinese name, the source
system, category, description, basis, routing (``home_station`` / ``district_department`` /
``city_department`` with its department; optionally ``departments``, the sections a row may
name in its 承办部门 column, and ``by_licence``, a section per licence type held), handling
(``task`` / ``acknowledge``), ``dedup_days``, the default level, due days, the label of the key
and the usual evidence columns. The version of a feed is the SHA-256 of its YAML text (cut to
16 characters, like a rule's); every warning records it.

Import
------
Files are read by ``exchange.readers.open_table_file`` (UTF-8 or GBK/GB18030 CSV, XLSX with
the zip-bomb checks, huge cells marked, blank rows skipped and not counted). Columns, English
or Chinese: ``uscc`` 统一社会信用代码, ``key`` 归集键, ``as_of`` 预警日期 and ``description``
预警内容 are required, ``level`` 预警等级 is optional (normal/high or 一般/较高), ``department``
承办部门 too for feeds that list departments; any other column is kept as evidence. Rows are
rejected with Chinese reasons (all the reasons of a row are kept): an empty required cell, an
invalid code, a code not in the register, a key longer than 300 characters, a date not
``YYYY-MM-DD`` or in the future, an unknown level, a formula (a cell starting with ``=``:
external feeds carry values, never formulas), a cell beyond its length. A file that cannot be
read at all, lacks a required column, has no data row or more than ``MAX_ROWS`` is refused as
a whole and nothing is written.

Deduplication: a valid row whose feed, entity and key already have a warning (or an earlier
row of the same import) dated less than ``dedup_days`` from the row's date is skipped and
reported as a duplicate, with the warning it repeats. Hence importing the same file again
raises nothing new. Counting: ``rows read = accepted + rejected`` and ``accepted = raised +
duplicates``.

Each import is a ``RuleRun`` (trigger ``feed``, rule id = feed id, version = feed version,
as-of = the day of the import): ``rows_examined`` = rows read, ``candidates`` = rows accepted,
``raised``, ``duplicates``; ``parameters["import"]`` keeps the file, the counts and the first
``STORED_ROWS`` rejected and duplicate rows, for the result page, the API and the report of
rejected rows. These hold external data on entities of the whole city: the pages showing them
need ``risk.run_rules`` (city officers). A refused file is a failed run whose error is the
reason. The dedup check and the writes run in one transaction, serialised per feed (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: the feed's version rows are locked), with one audit record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.exchange import readers, specs

from . import definitions, engine
from .definitions import CATEGORIES, HANDLINGS, LEVELS, ROUTES, DefinitionError, Route
from .models import RuleRun, RuleVersion, Warning

FEED_DIR = Path(__file__).resolve().parent / "feeds"
ID_RE = re.compile(r"feed_[a-z0-9_]{2,59}")
MAX_ROWS = 50_000  # rows per import (a larger export of a source system is split)
STORED_ROWS = 1_000  # rejected and duplicate rows kept on the run (each); counts are exact
KEY_CHARS = 300  # Warning.key
TEXT_CHARS = 2_000  # 预警内容 and each evidence cell
VALUE_CHARS = 200  # the value quoted with a reason
REPORT_EXTRA = ("错误列", "错误原因", "原行号")  # added by the report; ignored on import
DESCRIPTION_LABEL = "预警内容"
LEVEL_WORDS = {"normal": "normal", "high": "high", "一般": "normal", "较高": "high"}
FIELDS = (
    "id", "name", "name_en", "category", "source_system", "description", "legal_basis",
    "routing", "handling", "level", "dedup_days", "due_days", "working_days", "key_label",
    "evidence_columns",
)  # fmt: skip
ROUTING_FIELDS = ("to", "department", "departments", "by_licence")


class FeedDefinitionError(DefinitionError):
    """A feed file that cannot be used, or an unknown feed; the message is Chinese."""


@dataclass(frozen=True)
class Column:
    name: str  # the English header
    label: str  # the Chinese header
    required: bool = False


COLUMNS = (
    Column("uscc", "统一社会信用代码", True),
    Column("key", "归集键", True),
    Column("as_of", "预警日期", True),
    Column("level", "预警等级"),
    Column("description", "预警内容", True),
    Column("department", "承办部门"),
)
BY_HEADER = {c.name: c for c in COLUMNS} | {c.label: c for c in COLUMNS}


@dataclass(frozen=True)
class FeedDefinition:
    """One feed. Has the attributes of a rule that ``engine.raise_warnings`` reads (id,
    version, name, description, legal basis, route, handling, due days, working days)."""

    id: str
    name: str
    name_en: str
    category: str
    source_system: str
    description: str
    legal_basis: str
    route: Route
    handling: str
    dedup_days: int
    level: str
    due_days: int
    working_days: bool
    key_label: str = ""
    evidence_columns: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()  # what a row's 承办部门 may name (the default included)
    by_licence: tuple[tuple[str, str], ...] = ()  # (licence type held, department)
    path: Path = field(default=FEED_DIR, compare=False)
    version: str = ""
    text: str = field(default="", compare=False, repr=False)

    @property
    def per_row_department(self) -> bool:
        return bool(self.departments)

    def routed_to(self, department: str) -> FeedDefinition:
        if department == self.route.department:
            return self
        return dataclasses.replace(self, route=Route(self.route.to, department))

    def handling_label(self) -> str:
        return "待办任务" if self.handling == "task" else "阅知"

    def columns(self) -> list[Column]:
        """The columns of this feed's format (承办部门 only where rows may name one)."""
        return [c for c in COLUMNS if c.name != "department" or self.per_row_department]


# --- definitions -------------------------------------------------------------------------------


def _fail(path: Path, message: str):
    raise FeedDefinitionError(f"外部预警接入文件 {path.name}：{message}")


def _text(raw: dict, name: str, path: Path, **options) -> str:
    return definitions._text(raw, name, path, fail=_fail, **options)


def _int(raw: dict, name: str, path: Path, default: int, minimum: int = 0) -> int:
    return definitions._int(raw, name, path, default, minimum, fail=_fail)


def _names(raw: dict, name: str, path: Path) -> tuple[str, ...]:
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(path, f"“{name}”应为文本列表")
    names = tuple(v.strip() for v in value)
    if len(set(names)) != len(names):
        _fail(path, f"“{name}”中有重复的名称")
    return names


def _level(raw: dict, path: Path) -> str:
    level = _text(raw, "level", path, required=False) or "normal"
    if level not in LEVELS:
        _fail(path, f"“level”应为 {' / '.join(LEVELS)} 之一，收到“{level}”")
    return level


def _routing(raw, path: Path) -> tuple[Route, tuple[str, ...], tuple[tuple[str, str], ...]]:
    if not isinstance(raw, dict):
        _fail(path, "“routing”应为映射（to、department）")
    unknown = sorted(set(map(str, raw)) - set(ROUTING_FIELDS))
    if unknown:
        _fail(path, f"routing 中有未知的字段：{'、'.join(unknown)}")
    route = Route(
        _text(raw, "to", path, choices=ROUTES), _text(raw, "department", path, required=False)
    )
    if route.to != "home_station" and not route.department:
        _fail(path, "推送到区局或市局的接入必须写明承办部门（routing.department）")
    departments = _names(raw, "departments", path)
    licences = raw.get("by_licence") or {}
    if not isinstance(licences, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in licences.items()
    ):
        _fail(path, "“routing.by_licence”应为“许可类型: 承办部门”的映射")
    by_licence = tuple((k.strip(), v.strip()) for k, v in licences.items())
    if (departments or by_licence) and route.to == "home_station":
        _fail(path, "按科室分派（departments、by_licence）只适用于推送到区局或市局的接入")
    if departments:
        missing = [d for _t, d in by_licence if d not in departments]
        if route.department not in departments or missing:
            _fail(path, "routing.departments 应包含默认承办部门和 by_licence 中的各个部门")
    return route, departments, by_licence


def load_file(path: Path) -> FeedDefinition:
    """The feed defined by ``path`` (a ``feed_<name>.yaml`` file), checked."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FeedDefinitionError(f"外部预警接入文件 {path.name}：YAML 格式错误：{exc}") from None
    if not isinstance(raw, dict):
        _fail(path, "内容应为映射")
    unknown = sorted(set(map(str, raw)) - set(FIELDS))
    if unknown:
        _fail(path, f"有未知的字段：{'、'.join(unknown)}")
    feed_id = _text(raw, "id", path)
    if not ID_RE.fullmatch(feed_id) or path.stem != feed_id:
        _fail(path, f"接入标识“{feed_id}”应为 feed_ 开头的小写字母、数字和下划线，并与文件名一致")
    route, departments, by_licence = _routing(raw.get("routing"), path)
    return FeedDefinition(
        id=feed_id,
        name=_text(raw, "name", path),
        name_en=_text(raw, "name_en", path, required=False),
        category=_text(raw, "category", path, choices=CATEGORIES),
        source_system=_text(raw, "source_system", path),
        description=_text(raw, "description", path),
        legal_basis=_text(raw, "legal_basis", path),
        route=route,
        handling=_text(raw, "handling", path, choices=HANDLINGS),
        # at least one day: the same key of the same day is always a duplicate
        dedup_days=_int(raw, "dedup_days", path, 365, minimum=1),
        level=_level(raw, path),
        due_days=_int(raw, "due_days", path, 10),
        working_days=bool(raw.get("working_days", True)),
        key_label=_text(raw, "key_label", path, required=False),
        evidence_columns=_names(raw, "evidence_columns", path),
        departments=departments,
        by_licence=by_licence,
        path=path,
        version=hashlib.sha256(text.encode()).hexdigest()[:16],
        text=text,
    )


@cache
def all_feeds(feed_dir: Path = FEED_DIR) -> dict[str, FeedDefinition]:
    """Every feed, by id (read once per process)."""
    return {feed.id: feed for feed in map(load_file, sorted(feed_dir.glob("*.yaml")))}


def get(feed_id: str) -> FeedDefinition:
    try:
        return all_feeds()[feed_id]
    except KeyError:
        known = "、".join(all_feeds())
        raise FeedDefinitionError(f"没有标识为“{feed_id}”的外部预警接入（可用：{known}）") from None


def name_of(rule_id: str) -> str | None:
    """The Chinese name of a feed (for the warning lists), ``None`` if ``rule_id`` is none."""
    feed = all_feeds().get(rule_id)
    return feed.name if feed else None


# --- results -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """The outcome of one import; ``from_run`` rebuilds it from the run (rows capped)."""

    feed_id: str
    run_id: int | None = None
    status: str = RuleRun.Status.RUNNING
    message: str = ""
    source: str = "file"  # "file" | "json"
    file_name: str = ""
    sha256: str = ""
    format: str = ""
    encoding: str = ""
    headers: list[str] = field(default_factory=list)
    rows_read: int = 0
    rejected: int = 0
    raised: int = 0
    duplicates: int = 0
    # {"row", "column", "value", "reason", "errors": [{"column", "value", "reason"}], "raw"}
    rejections: list[dict] = field(default_factory=list)
    # {"row", "uscc", "key", "as_of", "reason", "warning"}
    duplicate_rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def accepted(self) -> int:
        return self.rows_read - self.rejected

    @property
    def failed(self) -> bool:
        return self.status == RuleRun.Status.FAILED

    @property
    def feed(self) -> FeedDefinition | None:
        return all_feeds().get(self.feed_id)

    def stored(self) -> dict:
        data = dataclasses.asdict(self)
        for name in ("run_id", "status", "message"):
            data.pop(name)
        data["accepted"] = self.accepted
        data["rejections"] = self.rejections[:STORED_ROWS]
        data["duplicate_rows"] = self.duplicate_rows[:STORED_ROWS]
        data["truncated"] = self.truncated or max(self.rejected, self.duplicates) > STORED_ROWS
        return data

    @classmethod
    def from_run(cls, run: RuleRun) -> ImportResult:
        data = dict((run.parameters or {}).get("import") or {})
        data.pop("accepted", None)
        names = {f.name for f in dataclasses.fields(cls)}
        result = cls(**{k: v for k, v in data.items() if k in names and k != "feed_id"},
                     feed_id=run.rule_id)  # fmt: skip
        result.run_id, result.status, result.message = run.pk, run.status, run.error
        return result

    def as_dict(self) -> dict:
        """The answer of the API (and of ``summary``): counts, reasons, rows."""
        feed = self.feed
        return {
            "run": self.run_id,
            "feed": self.feed_id,
            "feed_name": feed.name if feed else self.feed_id,
            "status": self.status,
            "message": self.message,
            "file_name": self.file_name,
            "format": self.format,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "raised": self.raised,
            "duplicates": self.duplicates,
            "rejections": [
                {k: r[k] for k in ("row", "column", "value", "reason", "errors")}
                for r in self.rejections
            ],
            "duplicate_rows": self.duplicate_rows,
            "notes": self.notes,
            "truncated": self.truncated,
        }


def report_rows(result: ImportResult) -> Iterator[list[str]]:
    """The rejected rows (as stored): original columns + 错误列 + 错误原因 + 原行号. Corrected,
    the report can be imported again (the three extra columns are ignored)."""
    headers = [h for h in result.headers if h and h not in REPORT_EXTRA]
    yield [*headers, *REPORT_EXTRA]
    for r in result.rejections:
        raw = r.get("raw") or {}
        errors = r.get("errors") or [{"column": r["column"], "reason": r["reason"]}]
        columns = "、".join(dict.fromkeys(e["column"] for e in errors))
        reasons = "；".join(f"{e['column']}：{e['reason']}" for e in errors)
        yield [*(str(raw.get(h, "")) for h in headers), columns, reasons, str(r["row"])]


# --- reading and checking rows -----------------------------------------------------------------


@dataclass
class _Row:
    number: int
    uscc: str
    key: str
    as_of: dt.date
    level: str
    description: str
    department: str
    evidence: dict
    entity_id: int = 0


@dataclass
class _Layout:
    headers: list[str]
    columns: dict[str, int]  # column name → index
    evidence: list[tuple[int, str]]  # (index, header)


def _layout(feed: FeedDefinition, headers: list[str]) -> tuple[_Layout, list[str]]:
    columns: dict[str, int] = {}
    evidence = []
    notes = []
    for index, header in enumerate(headers):
        if not header or header in REPORT_EXTRA:
            continue
        column = BY_HEADER.get(header) or BY_HEADER.get(header.lower())
        if column is not None and column.name == "department" and not feed.per_row_department:
            notes.append(f"本接入不按行指定承办部门：“{header}”列作为触发数据保存")
            column = None
        if column is None:
            evidence.append((index, header))
            continue
        if column.name in columns:
            first = headers[columns[column.name]]
            raise readers.FileError(
                f"列“{first}”与“{header}”重复：都是{column.label}（{column.name}）"
            )
        columns[column.name] = index
    missing = [f"{c.label}（{c.name}）" for c in COLUMNS if c.required and c.name not in columns]
    if missing:
        raise readers.FileError(
            f"缺少必需的列：{'、'.join(missing)}（列名可用英文或中文，见“外部预警接入”说明）"
        )
    return _Layout(headers, columns, evidence), notes


_parse_key = specs.text(KEY_CHARS)
_parse_text = specs.text(TEXT_CHARS)


def _check(feed, layout: _Layout, number: int, cells: list[str], oversize: list[int], today):
    """(row, errors): the row when valid, else the errors (column, value, reason)."""
    errors: list[tuple[str, str, str]] = []
    values: dict[str, str] = {}
    width = len(cells)
    big = set(oversize)

    def cell(index: int, label: str) -> str | None:
        value = cells[index].strip() if index < width else ""
        if index in big:
            errors.append((label, value[:50], f"单元格内容超过{readers.MAX_CELL}个字符"))
            return None
        if value.startswith("="):
            errors.append((label, value[:VALUE_CHARS],
                           "单元格为公式（以“=”开头）：外部预警只接受数据值，请在源系统中导出为文本后重新导入"))  # fmt: skip
            return None
        return value

    for name, index in layout.columns.items():
        column = BY_HEADER[name]
        value = cell(index, column.label)
        if value is None:
            continue
        if not value and column.required:
            errors.append((column.label, "", "必填项为空"))
            continue
        values[name] = value
    row = _Row(number, "", "", today, feed.level, "", "", {})
    try:
        if values.get("uscc"):
            row.uscc = specs.uscc(values["uscc"])
    except specs.Invalid as exc:
        errors.append(("统一社会信用代码", values["uscc"][:VALUE_CHARS], exc.args[0]))
    try:
        if values.get("key"):
            row.key = _parse_key(values["key"])
    except specs.Invalid as exc:
        errors.append(("归集键", values["key"][:VALUE_CHARS], exc.args[0]))
    if values.get("as_of"):
        try:
            row.as_of = specs.parse_date(values["as_of"])
            if row.as_of > today:
                errors.append(("预警日期", values["as_of"],
                               f"预警日期晚于今天（{today.isoformat()}），不能是将来的日期"))  # fmt: skip
        except specs.Invalid as exc:
            errors.append(("预警日期", values["as_of"][:VALUE_CHARS], exc.args[0]))
    if values.get("level"):
        level = LEVEL_WORDS.get(values["level"].lower())
        if level is None:
            errors.append(("预警等级", values["level"][:VALUE_CHARS],
                           f"预警等级应为 一般（normal）或 较高（high），实为“{values['level'][:50]}”"))  # fmt: skip
        else:
            row.level = level
    if values.get("description"):
        try:
            row.description = _parse_text(values["description"])
        except specs.Invalid as exc:
            errors.append(("预警内容", values["description"][:VALUE_CHARS], exc.args[0]))
    if values.get("department"):
        if values["department"] in feed.departments:
            row.department = values["department"]
        else:
            errors.append(("承办部门", values["department"][:VALUE_CHARS],
                           f"承办部门应为以下之一：{'、'.join(feed.departments)}；"
                           f"实为“{values['department'][:50]}”"))  # fmt: skip
    row.evidence = {DESCRIPTION_LABEL: row.description}
    for index, header in layout.evidence:
        value = cell(index, header)
        if value is None:
            continue
        try:
            row.evidence[header] = _parse_text(value)
        except specs.Invalid as exc:
            errors.append((header, value[:VALUE_CHARS], exc.args[0]))
    return (None, errors) if errors else (row, [])


def _rejection(layout_headers: list[str], number: int, cells: list[str], errors) -> dict:
    raw = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(layout_headers) if h}
    column, value, reason = errors[0]
    return {
        "row": number,
        "column": column,
        "value": value,
        "reason": "；".join(f"{c}：{r}" for c, _v, r in errors) if len(errors) > 1 else reason,
        "errors": [{"column": c, "value": v, "reason": r} for c, v, r in errors],
        "raw": raw,
    }


# --- an import ---------------------------------------------------------------------------------


def _version(feed: FeedDefinition) -> None:
    engine.record_version(feed.id, feed.version, feed.name, feed.text)


def _start(feed: FeedDefinition, user, result: ImportResult) -> RuleRun:
    _version(feed)
    run = RuleRun.objects.create(
        rule_id=feed.id, version=feed.version, as_of=timezone.localdate(),
        trigger=RuleRun.Trigger.FEED, status=RuleRun.Status.RUNNING, started_at=timezone.now(),
        parameters={}, started_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip
    result.run_id = run.pk
    return run


def import_file(feed: FeedDefinition | str, path: str | Path, *, user=None,
                file_name: str = "") -> ImportResult:  # fmt: skip
    """Import the CSV or XLSX file at ``path`` into ``feed`` (one run)."""
    from zhijian.exchange.services import file_sha256

    feed = get(feed) if isinstance(feed, str) else feed
    path = Path(path)
    result = ImportResult(feed.id, source="file", file_name=(file_name or path.name)[:255])
    run = _start(feed, user, result)
    try:
        result.sha256 = file_sha256(path)
        table = readers.open_table_file(path)
        try:
            result.format, result.encoding = table.format, table.encoding
            result.headers = list(table.headers)
            layout, notes = _layout(feed, result.headers)
            rows = _read(table.rows)
            result.notes = notes + list(table.notes)
        finally:
            table.close()
    except readers.FileError as exc:
        return _refuse(feed, run, result, str(exc))
    return _import(feed, run, result, layout, rows)


def import_records(feed: FeedDefinition | str, records, *, user=None) -> ImportResult:
    """Import JSON rows (a list of objects with the same columns); rows count from 1."""
    feed = get(feed) if isinstance(feed, str) else feed
    result = ImportResult(feed.id, source="json", file_name="(JSON)", format="json",
                          encoding="UTF-8")  # fmt: skip
    run = _start(feed, user, result)
    try:
        if not isinstance(records, list):
            raise readers.FileError('应提交行的列表：[{"uscc": …, "key": …}, …]')
        if not records:
            raise readers.FileError("没有数据行（rows为空）")
        if len(records) > MAX_ROWS:
            raise readers.FileError(f"数据行超过{MAX_ROWS}行，请分多次提交")
        headers = list(dict.fromkeys(
            str(k).strip() for r in records if isinstance(r, dict) for k in r
        ))  # fmt: skip
        result.headers = headers
        layout, result.notes = _layout(feed, headers)
    except readers.FileError as exc:
        return _refuse(feed, run, result, str(exc))
    rows, bad = [], {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            bad[number] = [("行", str(record)[:50], "每一行应为对象（{列名: 值}）")]
            rows.append((number, [""] * len(headers), []))
            continue
        values = {str(k).strip(): v for k, v in record.items()}
        nested = [(k, str(v)[:50], "应为文本、数字或日期，不能是对象或数组")
                  for k, v in values.items() if isinstance(v, dict | list)]  # fmt: skip
        if nested:
            bad[number] = nested
        cells, oversize = readers._tidy(
            [None if isinstance(values.get(h), dict | list) else values.get(h) for h in headers]
        )
        rows.append((number, cells, oversize))
    return _import(feed, run, result, layout, rows, bad)


def _read(rows: Iterable) -> list[tuple[int, list[str], list[int]]]:
    out = []
    for item in rows:
        out.append(item)
        if len(out) > MAX_ROWS:
            raise readers.FileError(f"数据行超过{MAX_ROWS}行，请拆分为多个文件后导入")
    if not out:
        raise readers.FileError("文件只有表头，没有数据行")
    return out


def _import(feed, run, result: ImportResult, layout: _Layout, rows, bad=None) -> ImportResult:
    from zhijian.registry.services import entity_refs

    bad = bad or {}
    today = timezone.localdate()
    try:
        valid: list[_Row] = []
        rejections: list[dict] = []
        for number, cells, oversize in rows:
            if number in bad:  # a malformed JSON row is reported for its shape only
                row, errors = None, bad[number]
            else:
                row, errors = _check(feed, layout, number, cells, oversize, today)
            if errors:
                rejections.append(_rejection(layout.headers, number, cells, errors))
            else:
                valid.append(row)
        refs = entity_refs(r.uscc for r in valid)
        accepted = []
        cells_of = {number: cells for number, cells, _o in rows}
        for row in valid:
            ref = refs.get(row.uscc)
            if ref is None:
                reason = "市场主体库中没有该统一社会信用代码的主体（请先导入市场主体）"
                error = ("统一社会信用代码", row.uscc, reason)
                rejections.append(_rejection(layout.headers, row.number, cells_of[row.number],
                                             [error]))  # fmt: skip
            else:
                row.entity_id = ref[0]
                accepted.append(row)
        rejections.sort(key=lambda r: r["row"])
        result.rows_read = len(rows)
        result.rejections, result.rejected = rejections, len(rejections)
        with transaction.atomic():
            _lock(feed)
            fresh, duplicates = _deduplicate(feed, accepted)
            result.duplicate_rows, result.duplicates = duplicates, len(duplicates)
            result.raised = _raise(feed, run, fresh)
            _finish(feed, run, result)
    except Exception as exc:
        RuleRun.objects.filter(pk=run.pk).update(
            status=RuleRun.Status.FAILED, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:4000],
        )  # fmt: skip
        raise
    return result


def _lock(feed: FeedDefinition) -> None:
    """One import of a feed at a time (the dedup check reads what the other would write).
    SQLite transactions are ``BEGIN IMMEDIATE`` already (settings)."""
    from django.db import connection

    if connection.features.has_select_for_update:
        list(RuleVersion.objects.select_for_update().filter(rule_id=feed.id).values_list("pk"))


def _deduplicate(feed: FeedDefinition, rows: list[_Row]) -> tuple[list[_Row], list[dict]]:
    window = dt.timedelta(days=feed.dedup_days)
    pairs = sorted({(r.entity_id, r.key) for r in rows})
    existing: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    wanted = set(pairs)
    for start in range(0, len(pairs), 500):
        part = pairs[start : start + 500]
        found = Warning.objects.filter(
            rule_id=feed.id, entity_id__in={e for e, _k in part}, key__in={k for _e, k in part}
        ).values_list("entity_id", "key", "as_of", "pk")
        for entity_id, key, as_of, pk in found:
            if (entity_id, key) in wanted:
                existing.setdefault((entity_id, key), []).append((as_of, pk))
    seen: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    fresh, duplicates = [], []
    for row in rows:
        pair = (row.entity_id, row.key)
        reason, warning_id = "", None
        for as_of, pk in sorted(existing.get(pair, ()), key=lambda e: -e[1]):
            if abs(row.as_of - as_of) < window:
                reason = (f"{feed.dedup_days}天内已有同一主体、同一归集键的预警"
                          f"（预警日期{as_of.isoformat()}），不重复预警")  # fmt: skip
                warning_id = pk
                break
        if not reason:
            for as_of, number in seen.get(pair, ()):
                if abs(row.as_of - as_of) < window:
                    reason = f"与第{number}行重复（同一主体、同一归集键，{feed.dedup_days}天内）"
                    break
        if reason:
            duplicates.append({"row": row.number, "uscc": row.uscc, "key": row.key,
                               "as_of": row.as_of.isoformat(), "reason": reason,
                               "warning": warning_id})  # fmt: skip
        else:
            seen.setdefault(pair, []).append((row.as_of, row.number))
            fresh.append(row)
    return fresh, duplicates


def _licence_departments(feed: FeedDefinition, rows: list[_Row]) -> dict[int, str]:
    """{entity: department} by the licence types the entities hold (valid licences)."""
    if not feed.by_licence or not rows:
        return {}
    from zhijian.registry.models import Licence

    order = {t: i for i, (t, _d) in enumerate(feed.by_licence)}
    department = dict(feed.by_licence)
    best: dict[int, str] = {}
    ids = sorted({r.entity_id for r in rows})
    for start in range(0, len(ids), 2000):
        held = Licence.objects.filter(
            entity_id__in=ids[start : start + 2000], licence_type__in=list(order),
            status=Licence.Status.VALID,
        ).values_list("entity_id", "licence_type")  # fmt: skip
        for entity_id, kind in held:
            if entity_id not in best or order[kind] < order[best[entity_id]]:
                best[entity_id] = kind
    return {entity_id: department[kind] for entity_id, kind in best.items()}


def _raise(feed: FeedDefinition, run: RuleRun, rows: list[_Row]) -> int:
    """Raise the fresh rows through the engine: one call per (day, department), since a call
    raises warnings of one day for one route."""
    by_licence = _licence_departments(feed, [r for r in rows if not r.department])
    groups: dict[tuple[dt.date, str], list[_Row]] = {}
    for row in rows:
        department = row.department or by_licence.get(row.entity_id) or feed.route.department
        groups.setdefault((row.as_of, department), []).append(row)
    raised = 0
    for (as_of, department), group in sorted(groups.items()):
        candidates = [engine.Candidate(r.entity_id, r.key, r.level, [r.evidence], 1) for r in group]
        warnings = engine.raise_warnings(feed.routed_to(department), run, as_of, candidates)
        raised += len(warnings)
        if feed.handling == "task":
            _describe_tasks(feed, group, warnings)
    return raised


def _describe_tasks(feed: FeedDefinition, rows: list[_Row], warnings: list[Warning]) -> None:
    """A feed's task says what the source system reported (the engine's text names a rule)."""
    from zhijian.supervision.models import Task

    row_of = {(r.entity_id, r.key): r for r in rows}
    tasks = Task.objects.in_bulk([w.task_id for w in warnings if w.task_id])
    key_label = feed.key_label or "归集键"
    for warning in warnings:
        task = tasks.get(warning.task_id)
        row = row_of.get((warning.entity_id, warning.key))
        if task is None or row is None:
            continue
        task.description = (
            f"外部预警接入 {feed.id}（来源：{feed.source_system}；版本 {feed.version}）："
            f"{feed.description}\n预警日期：{row.as_of.isoformat()}\n{key_label}：{row.key}\n"
            f"预警内容：{row.description}\n处置时请在预警详情页选择处置结果。"
        )
    Task.objects.bulk_update(list(tasks.values()), ["description"], batch_size=1000)


def _finish(feed: FeedDefinition, run: RuleRun, result: ImportResult) -> None:
    result.status = RuleRun.Status.DONE
    run.rows_examined = result.rows_read
    run.candidates = result.accepted
    run.raised = result.raised
    run.duplicates = result.duplicates
    run.status = RuleRun.Status.DONE
    run.finished_at = timezone.now()
    run.parameters = {"import": result.stored()}
    run.save(update_fields=["rows_examined", "candidates", "raised", "duplicates", "status",
                            "finished_at", "parameters"])  # fmt: skip
    _audit(feed, run, result)


def _refuse(feed, run: RuleRun, result: ImportResult, message: str) -> ImportResult:
    """A file refused as a whole: a failed run that says why; nothing else is written."""
    result.status, result.message = RuleRun.Status.FAILED, message
    with transaction.atomic():
        RuleRun.objects.filter(pk=run.pk).update(
            status=RuleRun.Status.FAILED, finished_at=timezone.now(), error=message[:4000],
            rows_examined=0, parameters={"import": result.stored()},
        )  # fmt: skip
        _audit(feed, run, result)
    return result


def _audit(feed: FeedDefinition, run: RuleRun, result: ImportResult) -> None:
    outcome = (
        f"拒绝整个文件：{result.message}" if result.failed else
        f"读取{result.rows_read}行，新增预警{result.raised}条，重复跳过{result.duplicates}条，"
        f"拒绝{result.rejected}行"
    )  # fmt: skip
    log(
        "import",
        obj=run,
        object_repr=f"外部预警接入 {feed.id}（{feed.name}）：{outcome}"[:200],
        detail={
            "feed": feed.id, "version": feed.version, "source": result.source,
            "file": result.file_name, "sha256": result.sha256, "status": result.status,
            "rows_read": result.rows_read, "accepted": result.accepted,
            "rejected": result.rejected, "raised": result.raised,
            "duplicates": result.duplicates, "message": result.message[:500],
        },
    )  # fmt: skip
