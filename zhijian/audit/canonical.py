"""Canonical form and SM3 chain hash of an audit record.

This module is the definition of what an audit record's hash covers. The writer
(``services.log``), the verifier (``services.verify_chain``) and the benchmark loader all call
the functions here, so they cannot disagree. Changing anything in this module changes every
hash: bump ``FORMAT_VERSION`` and keep the old form readable instead.

Canonical content (format version 1) is the compact JSON object, keys sorted, UTF-8, non-ASCII
characters written as themselves (``ensure_ascii=False``), of these members::

    action       action code ("create", "login", …)
    actor        username text copy ("" for system; "cli:<os user>" for commands)
    changes      the stored canonical JSON *text* of the changes ("" when none), as a string
    channel      "web", "api", "cli" or "system"
    detail       the stored canonical JSON *text* of the detail ("" when none), as a string
    ip           client address text ("" when none)
    object_id    text
    object_repr  text
    object_type  "app_label.model" text
    seq          integer, 1, 2, 3, … without gaps
    time         creation time, UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
    unit         organisation unit code text copy ("" when none)
    v            1

Only text copies are hashed, never foreign keys: the actor and unit foreign keys may be set to
NULL when a user or unit is deleted, and the record must still verify.

``hash = SM3(prev_hash_bytes || canonical_content_bytes)`` where ``prev_hash_bytes`` are the
32 raw bytes of the previous record's hash (``bytes.fromhex``) and the first record's
``prev_hash`` is :data:`GENESIS_HASH` (64 zeros). Hashes are stored as 64 lowercase hex digits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from uuid import UUID

from cryptography.hazmat.primitives import hashes

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64

_encode_record = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
_UTC = dt.UTC


def _json_default(value):
    """JSON-safe text for the values model fields hold (used for changes and detail)."""
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"(二进制数据 {len(bytes(value))} 字节)"
    return str(value)


def canonical_json(value) -> str:
    """Canonical JSON text of a changes or detail value ("" for None).

    Keys sorted, compact separators, non-ASCII kept. Non-finite floats are written as text so
    that the result is always valid JSON.
    """
    if value is None or value == "":
        return ""
    return json.dumps(
        _finite(value),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
        default=_json_default,
    )


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def format_time(value: dt.datetime) -> str:
    """UTC timestamp with microseconds: ``2026-01-31T08:00:00.000000Z``."""
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(_UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def record_content(
    seq: int,
    created_at: dt.datetime | str,
    actor: str,
    unit: str,
    ip: str,
    channel: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: str,
    detail: str,
) -> bytes:
    """The canonical content bytes of one record (see the module docstring).

    ``created_at`` is a datetime, or its text already in the canonical form (the verifier has
    the database format it, which is much faster than making a datetime per record).
    """
    return _encode_record(
        {
            "action": action,
            "actor": actor,
            "changes": changes,
            "channel": channel,
            "detail": detail,
            "ip": ip,
            "object_id": object_id,
            "object_repr": object_repr,
            "object_type": object_type,
            "seq": seq,
            "time": created_at if created_at.__class__ is str else format_time(created_at),
            "unit": unit,
            "v": FORMAT_VERSION,
        }
    ).encode("utf-8")


def chain_hash(prev_hash: str, content: bytes) -> str:
    """``SM3(prev_hash_bytes || content)`` as 64 lowercase hex digits."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(prev_hash))
    digest.update(content)
    return digest.finalize().hex()


# The order of the columns the verifier streams; record_content takes them in this order.
CONTENT_COLUMNS = (
    "seq",
    "created_at",
    "actor_username",
    "unit_code",
    "ip",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "detail",
)
