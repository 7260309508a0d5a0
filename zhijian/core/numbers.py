"""Document numbers: one gap-free sequence per key, shared by every app.

A number is a prefix followed by a zero-padded sequence number, and the prefix is the key of
its sequence (``NumberSequence``):

* tasks: "RW" + YYYYMMDD + 6 digits, key "RW20261204" (``supervision.services``);
* inspections: "JC" + YYYYMMDD + 6 digits, key "JC20261204" (``inspections.services``);
* random-inspection plans: "SJ" + YYYY + 4 digits, key "SJ2026" (``random_inspections``).

``reserve(key, count)`` hands out ``count`` consecutive integers with one locked row read and
one write, whatever ``count`` is (``bulk_create_tasks`` reserves ten thousand at once).
``issue(prefix, width, count)`` formats them. The width is a minimum: a sequence that outgrows
it gets longer numbers, never a repeated one.

Concurrency. The row is read with ``SELECT … FOR UPDATE`` and stays locked until the caller's
transaction ends, so a second transaction reserving under the same key waits and then reads
the first one's value (PostgreSQL, READ COMMITTED). On SQLite every transaction is
``IMMEDIATE`` (settings): writers are serialised at BEGIN, so the read cannot be stale. On
the first use of a key two transactions may both find no row; both insert, the second waits
on the unique key and fails when the first commits, and then reads (and locks) the row the
first one made: the race costs a retry, never an error. A reservation is part of the
caller's transaction: if that rolls back, so does the reservation, and its numbers are given
out again (no gaps from failed saves).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import NumberSequence

KEY_LENGTH = NumberSequence._meta.get_field("key").max_length


def reserve(key: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive sequence numbers under ``key``; returns them.

    Runs in the caller's transaction if there is one (the row stays locked until it ends),
    otherwise in its own.
    """
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"number sequence key must have 1 to {KEY_LENGTH} characters: {key!r}")
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    locked = NumberSequence.objects.select_for_update()
    # No savepoint of its own: a database error here spoils the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        try:
            row = locked.get(key=key)
        except NumberSequence.DoesNotExist:
            try:
                with transaction.atomic():  # a savepoint: a lost race leaves the caller usable
                    NumberSequence.objects.create(key=key, last=count)
            except IntegrityError:  # another transaction created it first: wait for its lock
                row = locked.get(key=key)
            else:
                return range(1, count + 1)
        first = row.last + 1
        row.last += count
        row.save(update_fields=["last"])
    return range(first, first + count)


def issue(prefix: str, width: int, count: int = 1) -> list[str]:
    """``count`` new numbers ``prefix`` + sequence number zero-padded to ``width`` digits.

    The prefix is the sequence's key: ``issue("RW20261204", 6)`` → ``["RW20261204000001"]``.
    """
    return [f"{prefix}{n:0{width}d}" for n in reserve(prefix, count)]
