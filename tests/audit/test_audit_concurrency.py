"""Concurrent writers append one after another: the chain never forks and has no gaps."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import F

from zhijian.audit import services
from zhijian.audit.models import AuditChainHead, AuditRecord
from zhijian.core.models import OrgUnit

THREADS = 8
PER_THREAD = 15
transactions_with_writes = (PER_THREAD + 2) // 3


def in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    if in_memory_sqlite():
        pytest.skip("the shared-cache in-memory SQLite test database has table locks, not WAL")
    before = AuditRecord.objects.count()
    units = [
        OrgUnit.objects.create(code=f"99{i}", name=f"并发{i}", kind="city", path=f"99{i}/")
        for i in range(THREADS)
    ]
    start_gate = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start_gate.wait()
            for i in range(PER_THREAD):
                if i % 3 == 0:
                    # Model writes (audited by the signals) and an explicit record together.
                    # Each thread updates its unit, then its neighbour's: without taking the
                    # chain lock before the row lock this ordering deadlocks on PostgreSQL.
                    with transaction.atomic():
                        for pk in (units[index].pk, units[(index + 1) % THREADS].pk):
                            unit = OrgUnit.objects.get(pk=pk)
                            unit.sort_order = F("sort_order") + 1
                            unit.save(update_fields=["sort_order"])
                        services.log("export", object_type="core.orgunit", object_id=str(i))
                else:
                    services.log("login", object_type="core.user", object_id=f"{index}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for unit in OrgUnit.objects.filter(code__startswith="99"):
        assert unit.sort_order == 2 * transactions_with_writes
        # Each update record shows the value before and after, read under the chain lock.
        steps = AuditRecord.objects.filter(
            action="update", object_type="core.orgunit", object_id=str(unit.pk)
        ).order_by("seq")
        assert [r.changes_data["sort_order"] for r in steps] == [
            [n, n + 1] for n in range(2 * transactions_with_writes)
        ]

    expected = before + THREADS + THREADS * (PER_THREAD + 2 * transactions_with_writes)
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == expected
    assert seqs == list(range(1, expected + 1))
    assert AuditChainHead.objects.get().last_seq == expected
    # No two records claim the same predecessor (a fork) …
    prevs = AuditRecord.objects.values_list("prev_hash", flat=True)
    assert len(set(prevs)) == len(seqs)
    # … and the chain verifies end to end.
    result = services.verify_chain()
    assert result.ok, result.describe()
    assert result.count == expected
