"""Importing and exporting exchange tables (数据归集与导出).

Import
------
``import_file(table, path, source=…, user=…)`` creates an ``ImportBatch`` and runs it;
``run_batch(batch, path)`` runs an existing one (the upload page creates the batch first and
runs it in a thread). The whole file is checked first (readers.py: encoding, zip bombs, header
row, at least one data row); a file that fails as a whole ends the batch as ``failed`` with a
Chinese message and writes nothing.

Rows are then validated one by one (specs.py) and written in chunks of ``CHUNK_SIZE`` rows.
Each chunk is one transaction: the accepted rows are upserted by key
(``zhijian.registry.services``), the rejected rows are stored with number, column, value,
reason and the raw row, and the batch counters move on, all together. A process killed midway
therefore leaves whole chunks and counters that describe exactly what is committed, and running
the same file again reaches the same end state as one clean run (upserts by key; the rows of
the killed run are written again with the same values). The killed batch keeps the status
``running`` until the next import of a file with the same content, or any import 10 minutes
later, marks it ``interrupted``.

Invariant: ``accepted + rejected == rows_read`` after every chunk. Blank rows are not rows.

Duplicate keys inside one file: the first valid row with a key wins; later rows with that key
are rejected, naming the first row. Rows that fail validation or the reference check do not
claim their key. References: tables 2–5, 8, 9 need the entity (by USCC) to exist already
(penalties only when a USCC is given); complaints link to the entity when it exists.

Export
------
``export_table(table, out, fmt, user=None, masked=True)`` writes the table in the exchange
format (same headers; CSV UTF-8 with BOM, or XLSX) from ``Model.objects.visible_to(user)``;
without a user (the command line) the whole installation is exported. Personal data columns are
masked unless ``masked=False``. Both import and export write one audit record.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core import masking
from zhijian.registry import location
from zhijian.registry import services as registry

from . import readers, specs
from .models import ImportBatch, RejectedRow

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
VALUE_CHARS = 200
STALE_AFTER = dt.timedelta(minutes=10)
REPORT_EXTRA = ("错误列", "错误原因")  # added by the error report; ignored on import
KILL_ENV = "ZHIJIAN_TEST_KILL_AFTER_CHUNKS"  # test hook: os._exit after N committed chunks

Progress = Callable[[ImportBatch], None]


class ExchangeError(Exception):
    pass


# --- batches --------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _unit_for(user):
    from zhijian.core.models import OrgUnit

    unit = getattr(user, "unit", None) if user is not None else None
    if unit is not None:
        return unit
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise ExchangeError("组织机构尚未建立，无法导入（请先运行 zhijian orgs load）")
    return root


def create_batch(
    table: str,
    *,
    source: str = "",
    file_name: str = "",
    path: Path | None = None,
    user=None,
    fmt: str = "",
) -> ImportBatch:
    sha = file_sha256(path) if path is not None else ""
    batch = ImportBatch.objects.create(
        table=table,
        source=(source or "")[:100],
        file_name=(file_name or (path.name if path else ""))[:255],
        file_path=str(path or "")[:500],
        sha256=sha,
        format=fmt,
        created_by=user if getattr(user, "pk", None) else None,
        unit=_unit_for(user),
    )
    _mark_interrupted(batch)
    return batch


def _mark_interrupted(batch: ImportBatch) -> None:
    running = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING).exclude(pk=batch.pk)
    stale = running.filter(updated_at__lt=timezone.now() - STALE_AFTER)
    same = running.filter(table=batch.table, sha256=batch.sha256) if batch.sha256 else stale.none()
    (stale | same).update(
        status=ImportBatch.Status.INTERRUPTED,
        message="导入进程中断（已提交的整块数据保留；重新导入同一文件即可补齐）",
        finished_at=timezone.now(),
    )


# --- import ---------------------------------------------------------------------------------


@dataclass
class Layout:
    """Where the spec's columns are in the file."""

    present: list[tuple[int, specs.Col]]
    headers: list[str]
    ignored: list[str] = field(default_factory=list)


def layout_for(spec: specs.TableSpec, headers: list[str]) -> Layout:
    present = [(i, spec.by_header[h]) for i, h in enumerate(headers) if h in spec.by_header]
    found = {col.header for _, col in present}
    missing = [h for h in spec.required_headers if h not in found]
    if not found:
        expected = "、".join(c.header for c in spec.columns)
        raise readers.FileError(f"表头无法识别：没有一列属于“{spec.title}”表（应包含：{expected}）")
    if missing:
        raise readers.FileError(f"缺少必需的列：{'、'.join(missing)}")
    ignored = [h for h in headers if h and h not in spec.by_header and h not in REPORT_EXTRA]
    return Layout(present, headers, ignored)


@dataclass
class ChunkResult:
    accepted: list[dict]
    rejected: list[RejectedRow]


class Importer:
    def __init__(self, batch: ImportBatch, spec: specs.TableSpec, layout: Layout):
        self.batch = batch
        self.spec = spec
        self.layout = layout
        self.columns = {col.field for _, col in layout.present}
        self.seen: dict[tuple, int] = {}
        self.key_headers = "、".join(spec.by_field[k].header for k in spec.keys)
        self.default_unit_id = batch.unit_id

    # one row -> (values, errors)
    def validate(self, cells: list[str], oversize: list[int]) -> tuple[dict, list]:
        row: dict = {}
        errors: list = []
        width = len(cells)
        for index, col in self.layout.present:
            value = cells[index] if index < width else ""
            if col.strip:
                value = value.strip()
            elif not value.strip():
                value = ""
            if not value:
                if col.required:
                    errors.append((col.header, "", "必填项为空"))
                row[col.field] = col.empty
                continue
            try:
                row[col.field] = col.parse(value)
            except specs.Invalid as exc:
                errors.append((col.header, value, exc.args[0]))
        for index in oversize:
            header = self.layout.headers[index] if index < len(self.layout.headers) else ""
            errors.append(
                (header or f"第{index + 1}列", cells[index][:50], "单元格内容超过32767个字符")
            )
        if not errors and self.spec.check is not None:
            for field_name, reason in self.spec.check(row):
                col = self.spec.by_field[field_name]
                errors.append((col.header, _text(row.get(field_name)), reason))
        return row, errors

    def process(self, chunk: list[tuple[int, list[str], list[int]]]) -> ChunkResult:
        validated = []
        rejected = []
        for number, cells, oversize in chunk:
            row, errors = self.validate(cells, oversize)
            if errors:
                rejected.append(self._reject(number, cells, errors))
            else:
                validated.append((number, cells, row))
        refs = {}
        reference = self.spec.reference
        if reference:
            ref_field = "respondent_uscc" if reference == "link" else "uscc"
            refs = registry.entity_refs(row.get(ref_field) for _, _, row in validated)
        accepted = []
        keys = self.spec.keys
        for number, cells, row in validated:
            if reference in ("uscc", "optional"):
                code = row.get("uscc")
                if code and code not in refs:
                    rejected.append(
                        self._reject(
                            number,
                            cells,
                            [
                                (
                                    "统一社会信用代码",
                                    code,
                                    "市场主体库中没有该统一社会信用代码的主体（请先导入市场主体）",
                                )
                            ],
                        )
                    )
                    continue
            key = tuple(row[k] for k in keys)
            first = self.seen.get(key)
            if first is not None:
                rejected.append(
                    self._reject(
                        number,
                        cells,
                        [
                            (
                                self.key_headers,
                                "、".join(_text(v) for v in key),
                                f"与第{first}行的键（{self.key_headers}）重复，以第{first}行为准",
                            )
                        ],
                    )
                )
                continue
            self.seen[key] = number
            accepted.append(row)
        self.refs = refs
        return ChunkResult(accepted, rejected)

    def _reject(self, number: int, cells: list[str], errors: list) -> RejectedRow:
        headers = self.layout.headers
        raw = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        column, value, reason = errors[0]
        return RejectedRow(
            batch_id=self.batch.pk,
            row_number=number,
            column=column[:100],
            value=value[:VALUE_CHARS],
            reason=reason[:500],
            errors=[[c, v[:VALUE_CHARS], r] for c, v, r in errors],
            raw=raw,
        )

    def write(self, result: ChunkResult, rows_read: int) -> None:
        batch = self.batch
        with transaction.atomic():
            if result.accepted:
                self._upsert(result.accepted)
            RejectedRow.objects.bulk_create(result.rejected, batch_size=500)
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows_read=F("rows_read") + rows_read,
                accepted=F("accepted") + len(result.accepted),
                rejected=F("rejected") + len(result.rejected),
                updated_at=timezone.now(),
            )
        batch.rows_read += rows_read
        batch.accepted += len(result.accepted)
        batch.rejected += len(result.rejected)

    def _upsert(self, rows: list[dict]) -> None:
        common = {"columns": self.columns, "source": self.batch.source, "batch_id": self.batch.pk}
        table = self.spec.name
        if table == "entities":
            registry.upsert_entities(rows, **common)
        elif table == "entity_persons":
            registry.upsert_entity_persons(rows, self.refs, **common)
        else:
            registry.upsert_records(
                table, rows, self.refs, default_unit_id=self.default_unit_id, **common
            )


def _text(value) -> str:
    return specs.to_text(value)


def run_batch(
    batch: ImportBatch,
    table_file: readers.TableFile | None = None,
    *,
    path: Path | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Run an import batch to its end; never raises for bad input (the batch says why)."""
    spec = specs.get_spec(batch.table)
    try:
        if spec is None:
            raise readers.FileError(f"未知的数据表“{batch.table}”")
        if table_file is None:
            table_file = readers.open_table_file(path or batch.file_path)
        try:
            _run(batch, spec, table_file, progress)
        finally:
            table_file.close()
    except readers.FileError as exc:
        _finish(batch, ImportBatch.Status.FAILED, str(exc))
    except Exception as exc:  # an unexpected failure must still end the batch
        logger.exception("import batch %s failed", batch.pk)
        _finish(batch, ImportBatch.Status.FAILED, f"导入出错：{type(exc).__name__}: {exc}"[:1000])
    return batch


def _run(batch, spec, table_file, progress) -> None:
    layout = layout_for(spec, table_file.headers)
    rows = iter(table_file.rows)
    first = next(rows, None)
    if first is None:
        raise readers.FileError("文件只有表头，没有数据行")
    batch.format = batch.format or table_file.format
    batch.encoding = table_file.encoding
    batch.headers = table_file.headers
    batch.total_estimate = table_file.estimate
    batch.save(update_fields=["format", "encoding", "headers", "total_estimate", "updated_at"])
    location.unit_index()  # build the unit index once, outside the chunk transactions
    importer = Importer(batch, spec, layout)
    kill_after = int(os.environ.get(KILL_ENV, "0") or 0)
    chunk = [first]
    chunks = 0
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_SIZE:
            importer.write(importer.process(chunk), len(chunk))
            chunk = []
            chunks += 1
            if kill_after and chunks >= kill_after:
                os._exit(137)  # the test of "killed midway" (see tests/exchange)
            if progress:
                progress(batch)
    if chunk:
        importer.write(importer.process(chunk), len(chunk))
    notes = list(table_file.notes)
    if layout.ignored:
        notes.insert(0, f"以下列不属于本表，已忽略：{'、'.join(layout.ignored)}")
    _finish(batch, ImportBatch.Status.DONE, "；".join(notes))
    if progress:
        progress(batch)


def _finish(batch: ImportBatch, status: str, message: str) -> None:
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    with transaction.atomic():
        batch.save(update_fields=["status", "message", "finished_at", "updated_at"])
        log(
            "import",
            object_type="exchange.importbatch",
            object_id=str(batch.pk),
            object_repr=f"{batch.table} {batch.file_name}"[:200],
            detail={
                "table": batch.table,
                "source": batch.source,
                "file": batch.file_name,
                "sha256": batch.sha256,
                "status": status,
                "rows_read": batch.rows_read,
                "accepted": batch.accepted,
                "rejected": batch.rejected,
                "message": message[:500],
            },
        )


def import_file(
    table: str,
    path: str | Path,
    *,
    source: str = "",
    user=None,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportBatch:
    path = Path(path)
    batch = create_batch(
        table, source=source, file_name=file_name or path.name, path=path, user=user
    )
    return run_batch(batch, path=path, progress=progress)


def import_records(table: str, records: list, *, source: str = "", user=None) -> ImportBatch:
    """JSON rows ``[{english_field: value}]``: same validation; row numbers count from 1."""
    spec = specs.get_spec(table)
    batch = create_batch(table, source=source, file_name="(JSON)", user=user, fmt="json")
    if spec is None:
        return run_batch(batch)
    fields = [c.field for c in spec.columns]
    extra: list[str] = []
    for record in records:
        if isinstance(record, dict):
            extra += [k for k in record if k not in spec.by_field and k not in extra]
    present = [f for f in fields if any(isinstance(r, dict) and f in r for r in records)]
    headers = [spec.by_field[f].header for f in present] + extra

    def rows():
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                record = {}
            values = [_json_cell(record.get(f)) for f in present]
            values += [_json_cell(record.get(k)) for k in extra]
            cells, oversize = readers._tidy(values)
            yield number, cells, oversize

    if not records:
        return _fail(batch, "没有数据行（rows为空）")
    if not present:
        return _fail(batch, f"没有一个字段属于“{spec.title}”表")
    table_file = readers.TableFile("json", "UTF-8", headers, rows(), len(records))
    return run_batch(batch, table_file)


def _fail(batch, message):
    _finish(batch, ImportBatch.Status.FAILED, message)
    return batch


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dict, list)):
        return str(value)
    return str(value)


# --- feedback -------------------------------------------------------------------------------


def reason_summary(batch: ImportBatch, limit: int = 50) -> list[dict]:
    from django.db.models import Count

    return list(
        batch.rejected_rows.values("column", "reason")
        .annotate(count=Count("id"))
        .order_by("-count", "column", "reason")[:limit]
    )


def error_report_rows(batch: ImportBatch) -> Iterable[list[str]]:
    """Original columns + 错误列 + 错误原因, one line per rejected row (re-importable)."""
    headers = [h for h in (batch.headers or []) if h and h not in REPORT_EXTRA]
    yield [*headers, *REPORT_EXTRA, "原行号"]
    for rejected in batch.rejected_rows.order_by("row_number").iterator(chunk_size=2000):
        raw = rejected.raw or {}
        errors = rejected.errors or [[rejected.column, rejected.value, rejected.reason]]
        columns = "、".join(dict.fromkeys(e[0] for e in errors))
        reasons = "；".join(f"{e[0]}：{e[2]}" for e in errors)
        yield [*(raw.get(h, "") for h in headers), columns, reasons, str(rejected.row_number)]


# --- export ---------------------------------------------------------------------------------


def export_queryset(spec: specs.TableSpec, user=None):
    manager = spec.model.objects
    return manager.visible_to(user) if user is not None else manager.all()


def export_rows(spec: specs.TableSpec, queryset, *, masked: bool = True) -> Iterable[list[str]]:
    yield [c.header for c in spec.columns]
    lookups = [c.lookup for c in spec.columns]
    maskers = [c.mask if masked else None for c in spec.columns]
    for values in queryset.order_by("pk").values_list(*lookups).iterator(chunk_size=2000):
        row = []
        for value, kind in zip(values, maskers, strict=True):
            text_value = specs.to_text(value)
            if kind and text_value:
                text_value = masking.mask(kind, text_value)
            row.append(text_value)
        yield row


def _csv_cell(value: str) -> str:
    """Formula-looking text gets one apostrophe (the reader removes it again)."""
    if value[:1] in ("=", "+", "-", "@", "'") and readers._APOSTROPHE.match("'" + value):
        return "'" + value
    return value


def write_csv(rows: Iterable[list[str]], out) -> int:
    writer = csv.writer(out)
    count = -1
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
        count += 1
    return count


def write_xlsx(rows: Iterable[list[str]], path, title: str) -> int:
    import xlsxwriter

    target = str(path) if isinstance(path, (str, Path)) else path  # a path or a binary stream
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )  # fmt: skip
    sheet = workbook.add_worksheet(title[:31] or "Sheet1")
    count = -1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
        count += 1
    workbook.close()
    return count


def export_table(
    table: str, out: str | Path, *, fmt: str = "", user=None, masked: bool = True
) -> int:
    """Write ``table`` to ``out``; returns the number of data rows written."""
    spec = specs.get_spec(table)
    if spec is None:
        raise ExchangeError(f"未知的数据表“{table}”")
    out = Path(out)
    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    rows = export_rows(spec, export_queryset(spec, user), masked=masked)
    if fmt == "xlsx":
        count = write_xlsx(rows, out, spec.title)
    else:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            count = write_csv(rows, handle)
    log(
        "export",
        object_type=f"registry.{spec.model._meta.model_name}",
        actor=user,
        detail={"table": table, "format": fmt, "rows": count, "masked": masked, "file": out.name},
    )
    return count
