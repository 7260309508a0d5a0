"""Importing and exporting exchange tables (数据归集与导出).

Import
------
``import_file(table, path, source=…, user=…)`` creates an ``ImportBatch`` and runs it;
``run_batch(batch, path)`` runs an existing one (the upload page creates the batch first and
runs it in a thread). The whole file is checked first (readers.py: encoding, zip bombs, header
row, at least one data row); a file that fails as a whole ends the batch as ``failed`` with a
Chinese message and writes nothing.

Rows are then validated one by one (specs.py) and written in chunks of ``CHUNK_SIZE`` rows.
Each chunk is one transaction: the accepted rows are upserted by key (entities:
``entities.EntityWriter``, which also keeps the SQLite search index current set-wise; other
tables: ``zhijian.registry.services``), the rejected rows are stored with number, column,
value, reason and the raw row, and the batch counters move on, all together. A file larger
than one chunk is validated in a forked process beside the writes, which receive it in parts
of ``PART_SIZE`` rows and write each part into the open chunk as it arrives (``pipeline.py``;
the command line and benchmarks fork, web threads do not). A process killed midway
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
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core import masking
from zhijian.registry import location
from zhijian.registry import services as registry

from . import hooks, pipeline, readers, specs
from .entities import EntityWriter
from .models import ImportBatch, RejectedRow

logger = logging.getLogger(__name__)

# Rows per transaction. Larger chunks cost SQLite less per row (each commit writes the index
# pages a chunk touched, the WAL checkpoint after it copies them again, and the search index
# flushes one segment per commit): 50,000 rows cost 10–15 % less per row than 20,000
# (bench/import_entities.py) and hold the write lock for 2–3 s, well inside the 30 s that a
# waiting web request waits (settings: SQLite timeout).
CHUNK_SIZE = 50_000
PART_SIZE = 2_000  # rows per part sent by the validation process
# SQLite has one writer at a time and no queue: a web request waiting to write retries every
# 100 ms at most (the busy handler), so between two chunks the importer leaves the write lock
# free that long (checkpointing the WAL meanwhile, see ``_between_chunks``).
WRITERS_PAUSE = 0.1
CHUNK_ENV = "ZHIJIAN_IMPORT_CHUNK_SIZE"  # overrides CHUNK_SIZE (tests use small chunks)
PARALLEL_ENV = "ZHIJIAN_IMPORT_PARALLEL"  # "0": never validate in a second process; "1": always
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


def department_sources_of(user) -> set[str] | None:
    """For a partner department's user (委办局用户 without a bureau role): the sources they
    answer for; ``None`` for the bureau's own staff (and anonymous users)."""
    from zhijian.core import extensions, roles

    if user is None or not user.is_authenticated or not user.has_role(roles.DEPARTMENT_USER):
        return None
    bureau_roles = set(roles.ROLES) - {roles.DEPARTMENT_USER}  # the bureau's own staff
    if user.groups.filter(role__code__in=bureau_roles).exists():
        return None
    return extensions.data_sources(user)


def visible_batches(user):
    """The batches (归集信息反馈) a user sees: the bureau's staff, those of their data scope;
    a partner department's user (委办局用户, no bureau role), the batches of the sources they
    answer for (``extensions.data_sources``) and those they imported themselves."""
    from django.db.models import Q

    sources = department_sources_of(user)
    if sources is None:
        return ImportBatch.objects.visible_to(user)
    return ImportBatch.objects.filter(Q(source__in=sources) | Q(created_by=user))


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
class Checked:
    """A part of a chunk after validation (no database needed, so it may run in another
    process).

    ``valid``: (row number, cells, row) for rows that passed; the cells are kept only while a
    later check (references) may still reject the row. ``rejected``: (row number, cells,
    errors). For entities the row is already prepared for writing (``EntityWriter.prepare``).
    """

    rows_read: int
    valid: list[tuple[int, list[str] | None, object]]
    rejected: list[tuple[int, list[str], list]]


@dataclass
class Resolved:
    """A part ready to write: the accepted rows and the rejected rows to store."""

    accepted: list
    rejected: list[RejectedRow]


@dataclass
class End:
    """The last item of the validated stream: the reader's notes (e.g. a long blank run)."""

    notes: list[str]


class Importer:
    """One batch's rows: ``check`` (validation of a part of a chunk, without the database),
    ``resolve`` (references and the duplicate keys that depend on them) and ``write`` (a
    chunk's parts in one transaction)."""

    def __init__(self, batch: ImportBatch, spec: specs.TableSpec, layout: Layout):
        self.batch = batch
        self.spec = spec
        self.layout = layout
        self.columns = {col.field for _, col in layout.present}
        self.seen: dict[tuple, int] = {}
        self.key_headers = "、".join(spec.by_field[k].header for k in spec.keys)
        self.default_unit_id = batch.unit_id
        # A reference check may reject a valid row, which then must not claim its key: the
        # duplicate check waits for it (in ``resolve``); otherwise it runs in ``check``.
        self.late_keys = spec.reference in ("uscc", "optional")
        self.entities = None
        if spec.name == "entities":
            self.entities = EntityWriter(self.columns, batch.source, batch.pk)
        self._cells = [
            (index, col.field, _parser(col), col.strip, col.required, col.empty, col.header)
            for index, col in layout.present
        ]

    def warm(self) -> None:
        """Load what validation reads from the database, so that ``check`` needs none."""
        self.spec.load_caches()
        if self.entities is not None:
            location.warm()

    # one row -> (values, errors)
    def validate(self, cells: list[str], oversize: list[int]) -> tuple[dict, list]:
        row: dict = {}
        errors: list = []
        width = len(cells)
        for index, name, parse, strip, required, empty, header in self._cells:
            value = cells[index] if index < width else ""
            if strip:
                value = value.strip()
            elif not value.strip():
                value = ""
            if not value:
                if required:
                    errors.append((header, "", "必填项为空"))
                row[name] = empty
                continue
            try:
                row[name] = parse(value)
            except specs.Invalid as exc:
                errors.append((header, value, exc.args[0]))
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

    def check(self, part: list[tuple[int, list[str], list[int]]]) -> Checked:
        valid = []
        rejected = []
        prepare = None
        if self.entities is not None:
            self.entities.new_part()
            prepare = self.entities.prepare
        for number, cells, oversize in part:
            row, errors = self.validate(cells, oversize)
            if errors:
                rejected.append((number, cells, errors))
            elif self.late_keys:
                valid.append((number, cells, row))
            elif (duplicate := self._duplicate(number, row)) is not None:
                rejected.append((number, cells, [duplicate]))
            else:
                valid.append((number, None, prepare(row) if prepare else row))
        return Checked(len(part), valid, rejected)

    def _duplicate(self, number: int, row: dict) -> tuple | None:
        """The error of a row whose key an earlier row has; else the row claims its key."""
        key = tuple(row[k] for k in self.spec.keys)
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = number
            return None
        return (
            self.key_headers,
            "、".join(_text(v) for v in key),
            f"与第{first}行的键（{self.key_headers}）重复，以第{first}行为准",
        )

    def resolve(self, checked: Checked) -> Resolved:
        """References (tables 2–9) and the duplicate keys that wait for them."""
        rejected = [self._reject(n, cells, errors) for n, cells, errors in checked.rejected]
        self.refs = refs = self._refs([row for _n, _c, row in checked.valid])
        if not self.late_keys:
            return Resolved([row for _n, _c, row in checked.valid], rejected)
        accepted = []
        for number, cells, row in checked.valid:
            code = row.get("uscc")
            if code and code not in refs:
                reason = "市场主体库中没有该统一社会信用代码的主体（请先导入市场主体）"
                rejected.append(self._reject(number, cells, [("统一社会信用代码", code, reason)]))
            elif (duplicate := self._duplicate(number, row)) is not None:
                rejected.append(self._reject(number, cells, [duplicate]))
            else:
                accepted.append(row)
        return Resolved(accepted, rejected)

    def _refs(self, rows: list) -> dict:
        reference = self.spec.reference
        if not reference:
            return {}
        field_name = "respondent_uscc" if reference == "link" else "uscc"
        return registry.entity_refs(row.get(field_name) for row in rows)

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

    def write(self, parts: Iterable[Checked]) -> None:
        """One chunk in one transaction: its parts (resolved and written as they come), then
        the batch counters."""
        batch = self.batch
        read = accepted = rejected = 0
        with transaction.atomic(), self._writing():
            for part in parts:
                result = self.resolve(part)
                if result.accepted:
                    self._upsert(result.accepted)
                RejectedRow.objects.bulk_create(result.rejected, batch_size=500)
                read += part.rows_read
                accepted += len(result.accepted)
                rejected += len(result.rejected)
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows_read=F("rows_read") + read,
                accepted=F("accepted") + accepted,
                rejected=F("rejected") + rejected,
                updated_at=timezone.now(),
            )
        batch.rows_read += read
        batch.accepted += accepted
        batch.rejected += rejected

    def _writing(self):
        """Entities: the search triggers are suspended for the whole transaction."""
        return self.entities.writing() if self.entities is not None else nullcontext()

    def _upsert(self, rows: list) -> None:
        common = {"columns": self.columns, "source": self.batch.source, "batch_id": self.batch.pk}
        table = self.spec.name
        if self.entities is not None:
            self.entities.write(rows)
        elif table == "entity_persons":
            registry.upsert_entity_persons(rows, self.refs, **common)
        else:
            registry.upsert_records(
                table, rows, self.refs, default_unit_id=self.default_unit_id, **common
            )


def _parser(col: specs.Col) -> specs.Parser:
    return specs.memoized(col.parse) if col.parse in specs.REPEATING else col.parse


def _text(value) -> str:
    return specs.to_text(value)


def run_batch(
    batch: ImportBatch,
    table_file: readers.TableFile | None = None,
    *,
    path: Path | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> ImportBatch:
    """Run an import batch to its end; never raises for bad input (the batch says why).

    ``parallel``: validate in a forked process beside the writes (``pipeline.py``); by
    default (``None``) when the file has more rows than one chunk and the process may fork
    (``PARALLEL_ENV`` overrides the default).
    """
    spec = specs.get_spec(batch.table)
    try:
        if spec is None:
            raise readers.FileError(f"未知的数据表“{batch.table}”")
        if table_file is None:
            table_file = readers.open_table_file(path or batch.file_path)
        try:
            _run(batch, spec, table_file, progress, parallel)
        finally:
            table_file.close()
    except readers.FileError as exc:
        _finish(batch, ImportBatch.Status.FAILED, str(exc))
    except Exception as exc:  # an unexpected failure must still end the batch
        logger.exception("import batch %s failed", batch.pk)
        _finish(batch, ImportBatch.Status.FAILED, f"导入出错：{type(exc).__name__}: {exc}"[:1000])
    # Other apps' work on the imported rows (e.g. dual notification after entities), once the
    # batch is saved as done and outside its chunk transactions; a failing hook only adds a
    # note to the message (hooks.py).
    hooks.run_after_import(batch)
    return batch


def _run(batch, spec, table_file, progress, parallel) -> None:
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
    importer.warm()
    size = chunk_size()
    if parallel is None:
        parallel = _parallel_by_default(table_file.estimate, size)
    # In one process a chunk is validated before its transaction begins; beside a validation
    # process it is written part by part as the parts arrive (parts of PART_SIZE rows, at most
    # a quarter of a chunk, so that the small chunks of tests come in parts too).
    part = max(1, min(PART_SIZE, size // 4)) if parallel else size
    checked = _checked_parts(importer, first, rows, table_file, size, part)
    kill_after = int(os.environ.get(KILL_ENV, "0") or 0)
    chunks = 0
    sqlite = connection.vendor == "sqlite"
    with (
        closing(pipeline.Forked(checked) if parallel else checked) as stream,
        _checkpoints_between_chunks() if sqlite else nullcontext(),
    ):
        transactions = _Transactions(stream, size)
        for parts in transactions:
            if chunks and sqlite:
                _between_chunks(stream if parallel else None)
            importer.write(parts)
            chunks += 1
            if kill_after and chunks >= kill_after:
                os._exit(137)  # the test of "killed midway" (see tests/exchange)
            if progress:
                progress(batch)
    notes = list(transactions.notes)
    if layout.ignored:
        notes.insert(0, f"以下列不属于本表，已忽略：{'、'.join(layout.ignored)}")
    _finish(batch, ImportBatch.Status.DONE, "；".join(notes))
    if progress:
        progress(batch)


@contextmanager
def _checkpoints_between_chunks() -> Iterator[None]:
    """SQLite: no automatic WAL checkpoint inside a chunk's commit (it would copy the chunk's
    pages into the database file while the write lock is held); ``_between_chunks`` runs it
    when the lock is free. The connection's setting is restored at the end, and a last
    checkpoint keeps the WAL from growing past one chunk."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")
        _checkpoint()


def _checkpoint() -> None:
    """A PASSIVE WAL checkpoint, unless a caller's transaction is open (tests; a checkpoint
    needs the connection outside any transaction)."""
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _between_chunks(stream: pipeline.Forked | None) -> None:
    """Between two chunks (SQLite), outside any transaction: checkpoint the WAL (PASSIVE: it
    never blocks other writers), then leave the write lock free for the rest of
    ``WRITERS_PAUSE`` so that web requests waiting to write get it (SQLite's busy handler
    retries at intervals of up to 100 ms). A validation process goes on meanwhile."""
    start = time.monotonic()
    _checkpoint()
    left = WRITERS_PAUSE - (time.monotonic() - start)
    if stream is not None and left > 0:
        stream.pause(left)


def chunk_size() -> int:
    return int(os.environ.get(CHUNK_ENV, "") or CHUNK_SIZE)


def _parallel_by_default(estimate: int, size: int) -> bool:
    setting = os.environ.get(PARALLEL_ENV, "")
    if setting in ("0", "1"):
        return setting == "1" and pipeline.can_fork(threads=False)
    return estimate > size and pipeline.can_fork()


def _checked_parts(
    importer: Importer, first, rows, table_file, size: int, part: int
) -> Iterator[Checked | End]:
    """Validate the rows in parts of ``part`` rows that never straddle the end of a chunk
    of ``size`` rows (``Checked``); the last item is ``End``."""
    items = [first]
    read = 0
    for item in rows:
        items.append(item)
        if len(items) >= part or (read + len(items)) % size == 0:
            read += len(items)
            yield importer.check(items)
            items = []
    if items:
        yield importer.check(items)
    yield End(list(table_file.notes))


class _Transactions:
    """The validated parts grouped into chunks of ``size`` rows read (the last one smaller):
    each chunk is an iterator over its parts, to be consumed inside one transaction. The
    next part is fetched only when the chunk needs it, so a chunk is committed as soon as its
    last part is written. ``notes``: the reader's notes, once the stream has ended."""

    def __init__(self, items: Iterator[Checked | End], size: int):
        self.items = iter(items)
        self.size = size
        self.notes: list[str] = []

    def __iter__(self) -> Iterator[Iterator[Checked]]:
        while (first := self._next()) is not None:
            yield self._chunk(first)

    def _next(self) -> Checked | None:
        item = next(self.items, None)
        if isinstance(item, End):
            self.notes = item.notes
            return None
        return item

    def _chunk(self, part: Checked) -> Iterator[Checked]:
        read = 0
        while part is not None:
            yield part
            read += part.rows_read
            part = self._next() if read < self.size else None


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
    parallel: bool | None = None,
) -> ImportBatch:
    path = Path(path)
    batch = create_batch(
        table, source=source, file_name=file_name or path.name, path=path, user=user
    )
    return run_batch(batch, path=path, progress=progress, parallel=parallel)


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
