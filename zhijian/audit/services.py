"""Writing and verifying the audit log.

Writing
-------
``log(action, obj=…, changes=…, detail=…)`` appends one record to the hash chain inside the
current transaction (or its own, in autocommit mode), so a record exists exactly when the
change it describes was committed. Who, unit and address come from the actor context
(``zhijian.core.context``) that the request middleware and ``acting_as`` set; without one the
record's channel is ``system``.

Most records are written automatically (``signals.py``): create/update/delete of every model
of the project's apps (except models with ``audit_exclude = True``), of auth groups and
permissions, their many-to-many changes, logins, logouts, failed logins and lockouts. Code calls
``log`` itself for what signals cannot see:

* unmasked views: ``log("unmask", obj=person, detail={"fields": ["mobile"]})``;
* exports: ``log("export", object_type="registry.entity", detail={"format": "xlsx",
  "rows": 1200, "filters": {...}})``;
* bulk writes: ``bulk_create``, ``bulk_update`` and ``QuerySet.update``/``delete`` on a
  queryset that is fast-deleted send no signals, so importers and batch jobs must write a
  summary themselves: ``log("import", object_type="registry.entity",
  detail={"file": name, "created": 1200, "updated": 30, "rejected": 4})``.

Chain serialisation
-------------------
The one-row table ``AuditChainHead`` holds the last record's seq and hash. A writer reads it
with ``SELECT … FOR UPDATE`` (PostgreSQL), appends record ``last_seq + 1`` whose ``prev_hash``
is ``last_hash``, and updates the head, all in one transaction; a second writer waits for the
lock, so the chain never forks and ``seq`` never has gaps (it is assigned here, not by a
database sequence, which would leave gaps on rollback). On SQLite the settings open every
transaction with ``BEGIN IMMEDIATE``, which serialises writers already. The lock is held until
the transaction ends: keep transactions that write audited data short. To avoid lock-order
deadlocks on PostgreSQL, the automatic auditing takes the head lock in ``pre_save`` (before the
audited row is written), so audited writers always lock the head first. (Rows a service locks
itself with ``select_for_update`` before its first audited write are taken before the head:
lock such rows in a consistent order, as always.)

Verification
------------
``verify_chain`` (command ``zhijian audit verify``) streams the records in seq order and checks
for each one, in this order: seq continuity (a deleted record leaves a gap: the first record
after the gap is reported, with both seqs), the link (``prev_hash`` equals the previous
record's hash) and the content (recomputed SM3 hash equals the stored one). At the end it
compares the last record with ``AuditChainHead`` (deleted tail records) and with the checkpoints
given. Someone with write access to the database can rewrite the whole chain and the head
consistently; only a checkpoint kept outside the database (``zhijian audit checkpoint --out``,
e.g. printed, e-mailed or written to another machine every day) detects that:
``zhijian audit verify --checkpoints FILE`` or ``--expect-head HASH`` (the hash must still be
in the chain, at any place) or ``--expect-head SEQ:HASH``.

Verification takes no lock and writes nothing (so it also runs on a replica or a restored
backup, and is itself not an audit record): one read-only query streams the records (a
server-side cursor in a read transaction on PostgreSQL; a plain WAL read on SQLite), with the
creation time formatted by the database, and no model instances are made. About 16–20 s per
million records on two cores (``bench/audit_verify.py``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from zhijian.core import context

from .canonical import CONTENT_COLUMNS, GENESIS_HASH, canonical_json, chain_hash, record_content
from .models import AuditChainHead, AuditRecord

HEAD_ID = 1

# Stand-ins written instead of secret values (password hashes are never stored).
SECRET_CHANGED = "(已修改)"  # noqa: S105 - a stand-in, not a secret
SECRET_HIDDEN = "(不记录)"  # noqa: S105
SECRET_SET = "(已设置)"  # noqa: S105
# Longer text values in changes are cut (the audit log is not a document store).
MAX_VALUE_CHARS = 1000


def _clean(text, max_length: int) -> str:
    """Text that survives a database round trip unchanged (the hash covers it)."""
    if text is None:
        return ""
    text = str(text).replace("\x00", "")
    return text[:max_length]


def _actor_fields(actor) -> context.ActorContext:
    current = context.current()
    if actor is None:
        actor = current
    elif not isinstance(actor, context.ActorContext):
        # A user object: the address and channel still come from the request, if any.
        actor = context.context_for_user(
            actor,
            ip=current.ip if current else "",
            channel=current.channel if current else "system",
        )
    if actor is None:
        return context.ActorContext(None, "", None, "", "", "system")
    return actor


def lock_chain(using: str = DEFAULT_DB_ALIAS) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction and return (last_seq, last_hash).

    Creates the head when it is missing (a new or flushed database), continuing from the last
    record if there is one.
    """
    heads = AuditChainHead.objects.using(using)
    row = heads.select_for_update().filter(pk=HEAD_ID).values_list("last_seq", "last_hash")
    found = row.first()
    if found is not None:
        return found
    last = AuditRecord.objects.using(using).order_by("-seq").values_list("seq", "hash").first() or (
        0,
        GENESIS_HASH,
    )
    heads.get_or_create(pk=HEAD_ID, defaults={"last_seq": last[0], "last_hash": last[1]})
    return row.get()


def log(
    action: str,
    *,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes=None,
    detail=None,
    actor=None,
    using: str | None = None,
) -> AuditRecord:
    """Append one audit record to the chain in the current transaction.

    ``obj`` fills object type, id and text unless they are given. ``changes`` is
    ``{field: [before, after]}`` for an update and ``{field: value}`` for a create or delete
    snapshot; ``detail`` is any JSON-safe value (dict or text). Both are stored as canonical
    JSON text. ``actor`` is an ``ActorContext`` or a user; by default the current context.
    Personal data must be masked by the caller (the automatic auditing does it).
    """
    if obj is not None:
        meta = obj._meta.concrete_model._meta
        object_type = object_type or meta.label_lower
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
        object_repr = _masked_repr(obj, object_repr or _text(obj))
        using = using or obj._state.db
    using = using or DEFAULT_DB_ALIAS
    who = _actor_fields(actor)
    record = AuditRecord(
        actor_id=who.user_id,
        actor_username=_clean(who.username, 150),
        unit_id=who.unit_id,
        unit_code=_clean(who.unit_code, 32),
        ip=_clean(who.ip, 64),
        channel=_clean(who.channel or "system", 16),
        action=_clean(action, 32),
        object_type=_clean(object_type, 100),
        object_id=_clean(object_id, 64),
        object_repr=_clean(object_repr, 200),
        changes=canonical_json(changes).replace("\x00", ""),
        detail=canonical_json(detail).replace("\x00", ""),
    )
    with transaction.atomic(using=using, savepoint=False):
        last_seq, last_hash = lock_chain(using)
        record.seq = last_seq + 1
        record.created_at = timezone.now()
        record.prev_hash = last_hash
        record.hash = chain_hash(
            last_hash,
            record_content(*(getattr(record, name) for name in CONTENT_COLUMNS)),
        )
        record.save(force_insert=True, using=using)
        AuditChainHead.objects.using(using).filter(pk=HEAD_ID).update(
            last_seq=record.seq, last_hash=record.hash, updated_at=record.created_at
        )
    return record


# --- masking and long values ----------------------------------------------------------------


def mask(field_name: str, value):
    """Masked text of a personal data value (``zhijian.core.masking`` rules by field name)."""
    if value is None or value == "":
        return value
    from zhijian.core.masking import mask as mask_value

    return mask_value(field_name, str(value))


def _text(obj) -> str:
    try:
        return str(obj)
    except Exception:  # noqa: BLE001 - a broken __str__ must not prevent the audit record
        return f"{obj._meta.verbose_name} #{obj.pk}"


def _masked_repr(obj, text: str) -> str:
    """An object's text with any of its personal data values in it masked."""
    for name in getattr(obj, "personal_fields", ()):
        value = getattr(obj, name, None)
        if value is None:
            continue
        value = str(value)
        if len(value) >= 2 and value in text:
            text = text.replace(value, mask(name, value))
    return text


def cut(value):
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return f"{value[:MAX_VALUE_CHARS]}…(共{len(value)}字)"
    return value


# --- verification ----------------------------------------------------------------------------


@dataclass
class BrokenRecord:
    seq: int
    created_at: dt.datetime | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    reason_zh: str
    reason_en: str
    missing: bool = False

    def describe(self) -> str:
        if self.missing or self.created_at is None:
            where = "记录不存在 / record missing"
        else:
            when = timezone.localtime(self.created_at).isoformat(sep=" ", timespec="seconds")
            obj = self.object_repr or self.object_id or "-"
            kind = f"{self.object_type} " if self.object_type else ""
            where = f"{when}, {self.action}, {kind}{obj}"
        return f"BROKEN at record #{self.seq} ({where}): {self.reason_zh} / {self.reason_en}"


@dataclass
class VerifyResult:
    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    broken: BrokenRecord | None = None
    seconds: float = 0.0
    checked_checkpoints: list[int] = field(default_factory=list)
    head_checkpoint_seq: int | None = None  # where the --expect-head hash was found

    @property
    def ok(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is not None:
            return self.broken.describe()
        return f"OK: {self.count} records, head seq {self.head_seq} hash {self.head_hash}"


def _missing(seq: int, zh: str, en: str) -> BrokenRecord:
    return BrokenRecord(seq, None, "", "", "", "", zh, en, missing=True)


def parse_checkpoints(lines: Iterable[str]) -> dict[int, str]:
    """Checkpoints kept outside the database, one per line: ``SEQ HASH [TIME]`` (the output of
    ``audit checkpoint``) or ``SEQ:HASH``; empty lines and ``#`` comments are skipped."""
    points: dict[int, str] = {}
    for number, raw in enumerate(lines, 1):
        tokens = raw.split("#", 1)[0].split()
        if not tokens:
            continue
        try:
            if ":" in tokens[0]:
                seq_text, digest = tokens[0].split(":", 1)
            else:
                seq_text, digest = tokens[0], tokens[1]
            seq, digest = int(seq_text), digest.strip().lower()
            if len(digest) != 64:
                raise ValueError(digest)
            bytes.fromhex(digest)
        except (IndexError, ValueError) as exc:
            raise ValueError(
                f"检查点第 {number} 行格式错误，应为“序号 哈希” / "
                f"checkpoint line {number}: expected 'SEQ HASH' with a 64-digit hex hash"
            ) from exc
        points[seq] = digest
    return points


def verify_chain(
    *,
    from_seq: int | None = None,
    expect_head: str | None = None,
    checkpoints: dict[int, str] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    progress_every: int = 100_000,
    chunk_size: int = 20_000,
    using: str = DEFAULT_DB_ALIAS,
) -> VerifyResult:
    """Check the whole chain (or from ``from_seq``) and return the first broken record.

    ``expect_head`` is a head hash kept outside the database, ``HASH`` (some record must have
    it: normally the last one, but records may have been appended since) or ``SEQ:HASH``
    (record SEQ must have it). ``checkpoints`` maps seqs to hashes kept outside the database. ``progress(count, seq, seconds)`` is called every
    ``progress_every`` records.
    """
    started = time.monotonic()
    result = VerifyResult()
    checkpoints = dict(checkpoints or {})
    expected_head = None
    if expect_head:
        if ":" in expect_head:
            checkpoints.update(parse_checkpoints([expect_head]))
        else:
            expected_head = expect_head.strip().lower()

    records = AuditRecord.objects.using(using)
    head = (
        AuditChainHead.objects.using(using)
        .filter(pk=HEAD_ID)
        .values_list("last_seq", "last_hash")
        .first()
    )
    if head is None:
        last = records.order_by("-seq").values_list("seq", flat=True).first()
        head_seq = last or 0
    else:
        head_seq = head[0]

    start = max(from_seq or 1, 1)
    prev_seq = start - 1
    prev_hash = GENESIS_HASH if prev_seq == 0 else None
    if prev_seq > 0:
        prev_hash = records.filter(seq=prev_seq).values_list("hash", flat=True).first()
        if prev_hash is None:
            prev_seq = None  # the record before the start is gone: report the next one

    # Checkpoints before the start are checked directly.
    for cp_seq in sorted(s for s in checkpoints if s < start):
        stored = records.filter(seq=cp_seq).values_list("hash", flat=True).first()
        if stored != checkpoints[cp_seq]:
            result.broken = _checkpoint_broken(records, cp_seq, stored)
            result.seconds = time.monotonic() - started
            return result
        result.checked_checkpoints.append(cp_seq)

    rows = _stream(using, start, head_seq, chunk_size)
    count = 0
    next_report = progress_every
    broken = None
    cp_get = checkpoints.get
    last_row = None
    found_head = None
    for row in rows:
        seq = row[0]
        if prev_seq is not None and seq != prev_seq + 1:
            first_missing = prev_seq + 1
            broken = _row_broken(
                row,
                f"记录缺失：#{prev_seq} 之后的下一条记录是 #{seq}，#{first_missing}"
                + (f"–#{seq - 1}" if seq - 1 > first_missing else "")
                + " 已被删除",
                f"records missing: the record after #{prev_seq} is #{seq}; #{first_missing}"
                + (f"..#{seq - 1}" if seq - 1 > first_missing else "")
                + " deleted",
            )
            break
        stored_prev, stored_hash = row[12], row[13]
        if prev_hash is not None and stored_prev != prev_hash:
            broken = _row_broken(
                row,
                f"链接断裂：本记录的前一哈希与 #{prev_seq} 的哈希不符（#{prev_seq} 或本记录被改动）",
                f"chain link broken: prev_hash differs from the hash of #{prev_seq} "
                f"(#{prev_seq} or this record was altered)",
            )
            break
        if chain_hash(stored_prev, record_content(*row[:12])) != stored_hash:
            broken = _row_broken(
                row,
                "内容被篡改：重新计算的 SM3 哈希与存储的哈希不符",
                "content altered: the recomputed SM3 hash differs from the stored hash",
            )
            break
        if stored_hash == expected_head:
            found_head = seq
        expected = cp_get(seq)
        if expected is not None:
            if expected != stored_hash:
                broken = _row_broken(
                    row,
                    f"与库外检查点不符：检查点中 #{seq} 的哈希为 {expected}（记录链被重写）",
                    f"differs from the external checkpoint: #{seq} should have hash {expected} "
                    "(the chain was rewritten)",
                )
                break
            result.checked_checkpoints.append(seq)
        prev_seq, prev_hash = seq, stored_hash
        last_row = row
        count += 1
        if progress is not None and count >= next_report:
            progress(count, seq, time.monotonic() - started)
            next_report += progress_every
    rows.close()  # end the cursor (and its transaction) before the final checks

    result.count = count
    if broken is None:
        broken = _check_end(records, head, head_seq, prev_seq, prev_hash, last_row, start)
    if broken is None:
        for cp_seq in sorted(checkpoints):
            if cp_seq >= start and cp_seq not in result.checked_checkpoints:
                broken = _missing(
                    cp_seq,
                    f"检查点中的记录 #{cp_seq} 不存在（链尾被删除或链被重写）",
                    f"record #{cp_seq} of the external checkpoint does not exist "
                    "(tail deleted or chain rewritten)",
                )
                break
    if broken is None and expected_head is not None and found_head is None:
        found_head = records.filter(seq__lt=start, hash=expected_head).values_list("seq", flat=True)
        found_head = found_head.first()
        if found_head is None:
            zh = f"库外检查点的哈希 {expected_head} 不在记录链中（链被重写或链尾被删除）"
            en = (
                f"the external checkpoint hash {expected_head} is not in the chain "
                "(the chain was rewritten or its tail deleted)"
            )
            if last_row is not None:
                broken = _row_broken(last_row, zh, en)
            else:
                broken = _missing((prev_seq or 0) + 1, zh, en)
    result.head_checkpoint_seq = found_head
    if broken is not None and not broken.missing and broken.created_at is None:
        broken.created_at = (
            records.filter(seq=broken.seq).values_list("created_at", flat=True).first()
        )
    result.broken = broken
    if broken is None:
        result.head_seq = prev_seq or 0
        result.head_hash = prev_hash or GENESIS_HASH
    result.seconds = time.monotonic() - started
    return result


# The creation time as canonical text, computed by the database: much faster than making a
# datetime per record in Python. Django stores SQLite date-times as UTC text
# "YYYY-MM-DD HH:MM:SS[.ffffff]"; any other stored form no longer matches its hash.
_TIME_SQL = {
    "postgresql": """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    "sqlite": (
        "CASE WHEN instr(created_at, '.') > 0 THEN replace(created_at, ' ', 'T') || 'Z' "
        "ELSE replace(created_at, ' ', 'T') || '.000000Z' END"
    ),
}


def _stream(using: str, start: int, end: int, chunk_size: int):
    """The records ``start``..``end`` in seq order as tuples of CONTENT_COLUMNS + hashes.

    A server-side cursor on PostgreSQL (``chunked_cursor``) keeps memory flat; no model
    instances are made.
    """
    connection = connections[using]
    time_sql = _TIME_SQL.get(connection.vendor)
    if time_sql is None:  # another database: let Django convert the values
        yield from (
            AuditRecord.objects.using(using)
            .filter(seq__gte=start, seq__lte=end)
            .order_by("seq")
            .values_list(*CONTENT_COLUMNS, "prev_hash", "hash")
            .iterator(chunk_size=chunk_size)
        )
        return
    quote = connection.ops.quote_name
    columns = [quote(c) if c != "created_at" else time_sql for c in CONTENT_COLUMNS]
    columns += [quote("prev_hash"), quote("hash")]
    table = quote(AuditRecord._meta.db_table)
    sql = (
        f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608 - no user input
        f"WHERE {quote('seq')} >= %s AND {quote('seq')} <= %s ORDER BY {quote('seq')}"
    )
    # On PostgreSQL a transaction lets the server-side cursor stream (without one it would be
    # declared WITH HOLD and materialised first). On SQLite a plain read in WAL mode blocks no
    # writer, whereas a transaction would take the write lock (IMMEDIATE mode).
    snapshot = (
        transaction.atomic(using=using) if connection.vendor == "postgresql" else nullcontext()
    )
    with snapshot, connection.chunked_cursor() as cursor:
        cursor.execute(sql, [start, end])
        while True:
            chunk = cursor.fetchmany(chunk_size)
            if not chunk:
                break
            yield from chunk


def _row_broken(row, zh: str, en: str) -> BrokenRecord:
    created_at = row[1] if isinstance(row[1], dt.datetime) else None  # filled in later
    return BrokenRecord(row[0], created_at, row[6], row[7], row[8], row[9], zh, en)


def _checkpoint_broken(records, seq: int, stored: str | None) -> BrokenRecord:
    if stored is None:
        return _missing(
            seq,
            f"检查点中的记录 #{seq} 不存在（已被删除）",
            f"record #{seq} of the external checkpoint does not exist (deleted)",
        )
    row = records.filter(seq=seq).values_list(*CONTENT_COLUMNS).get()
    return _row_broken(
        row,
        f"与库外检查点不符：#{seq} 的哈希不是检查点中的值（记录链被重写）",
        f"differs from the external checkpoint: #{seq} does not have the checkpoint hash "
        "(the chain was rewritten)",
    )


def _check_end(records, head, head_seq, last_seq, last_hash, last_row, start):
    """The chain must end where the head says, and nothing may lie beyond the head."""
    if head is None:
        if last_seq:
            return _row_broken(
                last_row or records.filter(seq=last_seq).values_list(*CONTENT_COLUMNS).get(),
                "链头记录缺失（audit_auditchainhead 被删除）",
                "the chain head row is missing (audit_auditchainhead deleted)",
            )
        return None
    if (last_seq or 0) < head_seq and head_seq >= start:
        first_missing = (last_seq or start - 1) + 1
        return _missing(
            first_missing,
            f"链尾记录缺失：最后一条记录是 #{last_seq or 0}，链头为 #{head_seq}，"
            f"#{first_missing}–#{head_seq} 已被删除",
            f"tail records missing: the last record is #{last_seq or 0} but the head is "
            f"#{head_seq}; #{first_missing}..#{head_seq} deleted",
        )
    if last_seq == head_seq and last_hash is not None and last_hash != head[1]:
        return _row_broken(
            last_row or records.filter(seq=last_seq).values_list(*CONTENT_COLUMNS).get(),
            "链头哈希与最后一条记录的哈希不符",
            "the chain head hash differs from the hash of the last record",
        )
    # Records beyond the head were not appended by the writer (read max first, then the head:
    # both only grow, so a concurrent writer cannot cause a false alarm).
    max_seq = records.order_by("-seq").values_list("seq", flat=True).first() or 0
    now_head = (
        AuditChainHead.objects.using(records.db)
        .filter(pk=HEAD_ID)
        .values_list("last_seq", flat=True)
        .first()
        or 0
    )
    if max_seq > now_head:
        row = records.filter(seq__gt=now_head).order_by("seq").values_list(*CONTENT_COLUMNS)[0]
        return _row_broken(
            row,
            f"记录在链头 #{now_head} 之后，不是由审计服务写入的",
            f"record lies beyond the chain head #{now_head}: not written by the audit service",
        )
    return None


def checkpoint(using: str = DEFAULT_DB_ALIAS) -> tuple[int, str, dt.datetime | None]:
    """The current head: (seq, hash, time of the last record)."""
    head = AuditChainHead.objects.using(using).filter(pk=HEAD_ID).first()
    if head is None:
        return 0, GENESIS_HASH, None
    return head.last_seq, head.last_hash, head.updated_at


def is_postgresql(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"
