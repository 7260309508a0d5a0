"""The supervision item catalogue: one set of rules for the form, the import and the export.

Spreadsheet layout (XLSX or CSV, first row = Chinese column names, as the export writes it):
事项编码, 事项名称, 设定依据, 责任部门, 检查内容, 适用主体类型, 适用行业, 适用许可类型, 启用.

* 检查内容: one check per line (or separated by "；"), each ``key|question`` or just the
  question (keys ``q1``, ``q2``… are given then);
* list columns (主体类型, 行业, 许可类型): values separated by "、", "，", "," or spaces;
  empty means "all";
* 启用: 是/否 (empty = 是).

An import upserts by 事项编码. Each row is checked on its own: a good row is saved, a bad row is
rejected with its row number, column, value and a Chinese reason, and the rejected rows come back
as a spreadsheet with a 错误原因 column that can be corrected and imported again (nothing is
lost). The whole import is one transaction and one audit record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.exchange.readers import FileError, open_table_file

from .models import SupervisionItem

COLUMNS = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("legal_basis", "设定依据"),
    ("department", "责任部门"),
    ("checklist", "检查内容"),
    ("entity_kinds", "适用主体类型"),
    ("industries", "适用行业"),
    ("licence_types", "适用许可类型"),
    ("is_active", "启用"),
]
HEADER = {label: key for key, label in COLUMNS}
LABEL = dict(COLUMNS)
REQUIRED = ("code", "name", "legal_basis", "department")
MAX_LENGTH = {"code": 32, "name": 200, "department": 100}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
INDUSTRY_RE = re.compile(r"^\d{2,4}$")
LIST_SPLIT = re.compile(r"[、，,;；\s]+")
MAX_ROWS = 20_000


class ItemError(ValueError):
    """A value of one column is wrong; ``column`` is the field key."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def entity_kind_values() -> set[str]:
    from zhijian.registry.models import Entity

    return set(Entity.Kind.values)


def parse_list(text: str) -> list[str]:
    return [part for part in LIST_SPLIT.split(text or "") if part]


def parse_checklist(text: str) -> list[dict]:
    """``key|question`` lines (or "；"-separated) → [{"key", "question"}]; keys must be unique."""
    entries = []
    seen = set()
    parts = [p.strip() for p in re.split(r"[\r\n；;]+", text or "") if p.strip()]
    for index, part in enumerate(parts, start=1):
        key, sep, question = part.partition("|")
        if not sep:
            key, question = f"q{index}", part
        key, question = key.strip(), question.strip()
        if not key or not question:
            raise ItemError("checklist", f"检查内容第{index}条“{part}”缺少编号或问题。")
        if not re.match(r"^[A-Za-z0-9_.\-]{1,32}$", key):
            raise ItemError(
                "checklist", f"检查内容第{index}条的编号“{key}”只能由字母、数字、_ . - 组成。"
            )
        if key in seen:
            raise ItemError("checklist", f"检查内容的编号“{key}”重复。")
        seen.add(key)
        entries.append({"key": key, "question": question})
    return entries


def format_checklist(checklist) -> str:
    return "\n".join(f"{c['key']}|{c['question']}" for c in checklist or [])


def format_list(values) -> str:
    return "、".join(str(v) for v in values or [])


def check_entity_kinds(values: list[str]) -> list[str]:
    allowed = entity_kind_values()
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ItemError(
            "entity_kinds",
            f"主体类型“{'、'.join(wrong)}”不存在，可选：{'、'.join(sorted(allowed))}。",
        )
    return values


def check_industries(values: list[str]) -> list[str]:
    from zhijian.dictionaries.models import Industry

    wrong = [v for v in values if not INDUSTRY_RE.match(v)]
    if wrong:
        raise ItemError(
            "industries",
            f"行业代码“{'、'.join(wrong)}”格式不对：应为2至4位数字的国民经济行业代码（前缀）。",
        )
    if values and Industry.objects.exists():
        known = set(Industry.objects.filter(code__in=values).values_list("code", flat=True))
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ItemError("industries", f"行业代码“{'、'.join(unknown)}”不在国民经济行业分类中。")
    return values


def parse_bool(text: str) -> bool:
    value = (text or "").strip().lower()
    if value in ("", "是", "启用", "true", "1", "y", "yes"):
        return True
    if value in ("否", "停用", "false", "0", "n", "no"):
        return False
    raise ItemError("is_active", f"“{text}”不是“是”或“否”。")


def clean_row(raw: dict[str, str]) -> dict:
    """Spreadsheet text per field key → model values; raises ItemError for the first bad one."""
    data = {key: (raw.get(key) or "").strip() for key, _label in COLUMNS}
    for key in REQUIRED:
        if not data[key]:
            raise ItemError(key, f"{LABEL[key]}不能为空。")
    for key, limit in MAX_LENGTH.items():
        if len(data[key]) > limit:
            raise ItemError(key, f"{LABEL[key]}最多{limit}个字符（现有{len(data[key])}个）。")
    if not CODE_RE.match(data["code"]):
        raise ItemError("code", "事项编码只能由字母、数字、_ . - 组成。")
    return {
        "code": data["code"],
        "name": data["name"],
        "legal_basis": data["legal_basis"],
        "department": data["department"],
        "checklist": parse_checklist(data["checklist"]),
        "entity_kinds": check_entity_kinds(parse_list(data["entity_kinds"])),
        "industries": check_industries(parse_list(data["industries"])),
        "licence_types": parse_list(data["licence_types"]),
        "is_active": parse_bool(data["is_active"]),
    }


def export_row(item: SupervisionItem) -> list[str]:
    return [
        item.code,
        item.name,
        item.legal_basis,
        item.department,
        format_checklist(item.checklist),
        format_list(item.entity_kinds),
        format_list(item.industries),
        format_list(item.licence_types),
        "是" if item.is_active else "否",
    ]


# --- import -------------------------------------------------------------------------------------


@dataclass
class Rejection:
    row: int
    column: str  # Chinese column name
    value: str
    reason: str
    cells: list[str]  # the whole row as read, in COLUMNS order


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)


def import_items(path: str | Path, *, file_name: str = "") -> ImportResult:
    """Import the catalogue spreadsheet at ``path`` (see the module docstring).

    Raises ``FileError`` (Chinese) for a file that cannot be read at all or lacks columns.
    """
    table = open_table_file(path)
    try:
        return _import_rows(table, file_name or Path(path).name)
    finally:
        table.close()


def _import_rows(table, file_name: str) -> ImportResult:
    positions = {HEADER[h]: i for i, h in enumerate(table.headers) if h in HEADER}
    missing = [LABEL[k] for k in REQUIRED if k not in positions]
    if missing:
        raise FileError(
            f"缺少必需的列：{'、'.join(missing)}。表头应为：{'、'.join(LABEL.values())}。"
        )
    result = ImportResult()
    seen: dict[str, int] = {}
    with transaction.atomic():
        for row_number, cells, oversize in table.rows:
            result.read += 1
            if result.read > MAX_ROWS:
                raise FileError(f"行数过多：一次最多导入{MAX_ROWS}个事项。")
            raw = {key: cells[i] if i < len(cells) else "" for key, i in positions.items()}
            ordered = [raw.get(key, "") for key, _label in COLUMNS]
            try:
                if oversize:
                    key = next((k for k, i in positions.items() if i in oversize), "name")
                    raise ItemError(key, "单元格内容过长（超过32767个字符）。")
                data = clean_row(raw)
                if data["code"] in seen:
                    raise ItemError("code", f"事项编码与本文件第{seen[data['code']]}行重复。")
            except ItemError as exc:
                result.rejections.append(
                    Rejection(row_number, LABEL[exc.column], raw.get(exc.column, ""),
                              exc.message, ordered)
                )  # fmt: skip
                continue
            seen[data["code"]] = row_number
            created = _upsert(data)
            if created:
                result.created += 1
            else:
                result.updated += 1
        log(
            "import",
            object_type="supervision.supervisionitem",
            object_repr=f"导入监管事项清单 {file_name}"[:200],
            detail={
                "file": file_name,
                "read": result.read,
                "created": result.created,
                "updated": result.updated,
                "rejected": result.rejected,
            },
        )
    return result


def _upsert(data: dict) -> bool:
    """Insert or update one item by code (bulk-style: no per-row audit; the import logs once)."""
    code = data["code"]
    fields = {k: v for k, v in data.items() if k != "code"}
    updated = SupervisionItem.objects.filter(code=code).update(**fields, updated_at=timezone.now())
    if updated:
        return False
    SupervisionItem.objects.bulk_create([SupervisionItem(code=code, **fields)])
    return True


def rejection_rows(rejections) -> list[list[str]]:
    """The rejected rows as a sheet to correct: the columns of the import, plus where and why."""
    rows = [[label for _key, label in COLUMNS] + ["原行号", "错误列", "错误原因"]]
    for r in rejections:
        rows.append([*r["cells"], str(r["row"]), r["column"], r["reason"]])
    return rows
