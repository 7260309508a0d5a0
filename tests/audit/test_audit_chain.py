"""The SM3 hash chain: a valid chain verifies; edits and deletions in the database are caught."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes
from django.db import connection

from tests.audit.helpers import run_audit
from zhijian.audit import canonical, services
from zhijian.audit.models import AuditChainHead, AuditRecord

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()) -> None:
    """Tamper with the database directly, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def chain(db):
    """A fresh chain of ten records after whatever the migrations wrote."""
    start = services.checkpoint()[0]
    for i in range(10):
        services.log(
            ["create", "update", "login", "export", "unmask"][i % 5],
            object_type="core.user",
            object_id=str(i),
            object_repr=f"用户{i}",
            changes={"name": [f"旧{i}", f"新{i}"]} if i % 5 == 1 else None,
            detail={"rows": i},
        )
    return list(range(start + 1, start + 11))


# --- the canonical form -----------------------------------------------------------------------


def test_sm3_is_the_standard_algorithm():
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    # GB/T 32905-2016, example 1.
    assert digest.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_canonical_content_is_pinned():
    """Changing the canonical form changes every hash: this test must never need editing."""
    content = canonical.record_content(
        1,
        dt.datetime(2026, 1, 31, 16, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "zhangsan",
        "310115",
        "10.0.0.1",
        "web",
        "update",
        "core.user",
        "42",
        "张三",
        canonical.canonical_json({"mobile": ["138****5678", "139****0000"]}),
        "",
    )
    assert content.decode() == (
        '{"action":"update","actor":"zhangsan","changes":"{\\"mobile\\":[\\"138****5678\\",'
        '\\"139****0000\\"]}","channel":"web","detail":"","ip":"10.0.0.1","object_id":"42",'
        '"object_repr":"张三","object_type":"core.user","seq":1,'
        '"time":"2026-01-31T08:00:00.123456Z","unit":"310115","v":1}'
    )
    assert canonical.chain_hash(canonical.GENESIS_HASH, content) == (
        "b909b3555fc55660ee1ba586b65e430211dd564bd9ccf56f20b9d4631168e755"
    )


def test_records_link_to_their_predecessor(chain):
    records = list(AuditRecord.objects.filter(seq__in=chain).order_by("seq"))
    for before, after in zip(records, records[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (records[-1].seq, records[-1].hash)
    first = AuditRecord.objects.order_by("seq").first()
    assert first.seq == 1 and first.prev_hash == canonical.GENESIS_HASH


# --- verify: valid chain ------------------------------------------------------------------------


def test_valid_chain_verifies(chain):
    code, out, _err = run_audit("verify")
    head = AuditChainHead.objects.get()
    assert code == 0
    assert out.strip() == f"OK: {chain[-1]} records, head seq {chain[-1]} hash {head.last_hash}"


def test_empty_chain_verifies(db):
    AuditRecord.objects.all().delete()
    AuditChainHead.objects.all().delete()
    code, out, _err = run_audit("verify")
    assert code == 0
    assert out.startswith("OK: 0 records")


def test_progress_is_reported(chain):
    seen = []
    result = services.verify_chain(progress=lambda *a: seen.append(a), progress_every=4)
    assert result.ok
    assert [count for count, _seq, _s in seen] == [4 * (i + 1) for i in range(len(seen))]
    assert len(seen) == chain[-1] // 4


# --- verify: tampering ----------------------------------------------------------------------------


def test_edited_field_in_the_middle_is_named(chain):
    target = chain[4]
    sql("UPDATE audit_auditrecord SET object_repr = %s WHERE seq = %s", ["改过的对象", target])
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{target} (")
    assert "内容被篡改" in out and "content altered" in out
    assert "改过的对象" in out


def test_edited_changes_text_is_caught(chain):
    target = chain[1]
    sql(
        "UPDATE audit_auditrecord SET changes = %s WHERE seq = %s",
        ['{"name":["旧1","另一个值"]}', target],
    )
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{target} (")


def test_edited_time_and_actor_are_caught(chain):
    sql("UPDATE audit_auditrecord SET actor_username = 'someone' WHERE seq = %s", [chain[7]])
    sql(
        "UPDATE audit_auditrecord SET created_at = %s WHERE seq = %s",
        [dt.datetime(2020, 1, 1, tzinfo=dt.UTC), chain[3]],
    )
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{chain[3]} (")  # the FIRST broken record


def test_edit_with_recomputed_hash_breaks_the_next_link(chain):
    target = chain[2]
    record = AuditRecord.objects.get(seq=target)
    record.object_repr = "伪造"
    forged = canonical.chain_hash(
        record.prev_hash,
        canonical.record_content(*(getattr(record, c) for c in canonical.CONTENT_COLUMNS)),
    )
    sql(
        "UPDATE audit_auditrecord SET object_repr = %s, hash = %s WHERE seq = %s",
        ["伪造", forged, target],
    )
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{target + 1} (")
    assert f"#{target}" in out and "chain link broken" in out


def test_deleted_middle_record_is_named_with_both_seqs(chain):
    target = chain[5]
    sql("DELETE FROM audit_auditrecord WHERE seq = %s", [target])
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{target + 1} (")
    assert f"#{target - 1}" in out and f"#{target} " in out
    assert "记录缺失" in out and "records missing" in out


def test_deleted_range_is_reported(chain):
    sql("DELETE FROM audit_auditrecord WHERE seq >= %s AND seq <= %s", [chain[2], chain[4]])
    result = services.verify_chain()
    assert result.broken.seq == chain[5]
    assert f"#{chain[2]}..#{chain[4]}" in result.broken.reason_en


def test_deleted_first_record_is_caught(chain):
    sql("DELETE FROM audit_auditrecord WHERE seq = 1")
    result = services.verify_chain()
    assert result.broken.seq == 2
    assert "#0" in result.broken.reason_en


def test_deleted_tail_is_caught_by_the_head(chain):
    sql("DELETE FROM audit_auditrecord WHERE seq >= %s", [chain[8]])
    code, out, _err = run_audit("verify")
    assert code == 1
    assert out.startswith(f"BROKEN at record #{chain[8]} (")
    assert "链尾记录缺失" in out and "tail records missing" in out


def test_rewritten_head_is_caught_only_by_an_outside_checkpoint(chain, tmp_path):
    cp_file = tmp_path / "checkpoints.txt"
    code, out, _err = run_audit("checkpoint", "--out", str(cp_file))
    assert code == 0
    seq, digest, _when = out.split()
    assert int(seq) == chain[-1]
    assert cp_file.read_text().split()[:2] == [seq, digest]

    # Delete the tail and make the head agree: the database alone cannot tell.
    last_kept = AuditRecord.objects.get(seq=chain[7])
    sql("DELETE FROM audit_auditrecord WHERE seq > %s", [chain[7]])
    sql(
        "UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s",
        [last_kept.seq, last_kept.hash],
    )
    assert run_audit("verify")[0] == 0

    code, out, _err = run_audit("verify", "--checkpoints", str(cp_file))
    assert code == 1
    assert out.startswith(f"BROKEN at record #{chain[-1]} (")
    code, out, _err = run_audit("verify", "--expect-head", f"{seq}:{digest}")
    assert code == 1
    code, out, _err = run_audit("verify", "--expect-head", digest)
    assert code == 1
    assert out.startswith(f"BROKEN at record #{chain[7]} (")


def test_checkpoints_accept_a_grown_chain(chain, tmp_path):
    cp_file = tmp_path / "cp.txt"
    _code, out, _err = run_audit("checkpoint", "--out", str(cp_file))
    old_seq, old_head, _when = out.split()
    services.log("login", object_type="core.user")
    services.log("logout", object_type="core.user")
    # Yesterday's head is still in today's chain.
    result = services.verify_chain(expect_head=old_head)
    assert result.ok and result.head_checkpoint_seq == int(old_seq)
    result = services.verify_chain(expect_head=old_head, from_seq=int(old_seq) + 1)
    assert result.ok and result.head_checkpoint_seq == int(old_seq)
    run_audit("checkpoint", "--out", str(cp_file))
    assert len(cp_file.read_text().splitlines()) == 2
    code, out, _err = run_audit("verify", "--checkpoints", str(cp_file))
    assert code == 0, out
    head = AuditChainHead.objects.get()
    assert run_audit("verify", "--expect-head", head.last_hash)[0] == 0
    assert (
        run_audit(
            "verify", "--expect-head", f"{chain[3]}:{AuditRecord.objects.get(seq=chain[3]).hash}"
        )[0]
        == 0
    )


def test_rewritten_chain_is_caught_by_a_checkpoint(chain):
    """Someone rewrites a record and every later hash and the head: only checkpoints see it."""
    cp_seq = chain[6]
    cp_hash = AuditRecord.objects.get(seq=cp_seq).hash
    prev = AuditRecord.objects.get(seq=chain[2] - 1).hash
    for record in AuditRecord.objects.filter(seq__gte=chain[2]).order_by("seq"):
        if record.seq == chain[2]:
            record.object_repr = "重写"
        record.prev_hash = prev
        record.hash = canonical.chain_hash(
            prev,
            canonical.record_content(*(getattr(record, c) for c in canonical.CONTENT_COLUMNS)),
        )
        sql(
            "UPDATE audit_auditrecord SET object_repr = %s, prev_hash = %s, hash = %s "
            "WHERE seq = %s",
            [record.object_repr, record.prev_hash, record.hash, record.seq],
        )
        prev = record.hash
    sql("UPDATE audit_auditchainhead SET last_hash = %s", [prev])
    assert services.verify_chain().ok
    result = services.verify_chain(checkpoints={cp_seq: cp_hash})
    assert result.broken.seq == cp_seq
    assert "checkpoint" in result.broken.reason_en


def test_record_inserted_beyond_the_head_is_caught(chain):
    last = AuditRecord.objects.get(seq=chain[-1])
    sql(
        "INSERT INTO audit_auditrecord (seq, created_at, actor_username, unit_code, ip, channel, "
        "action, object_type, object_id, object_repr, changes, detail, prev_hash, hash) "
        "VALUES (%s, %s, '', '', '', 'system', 'login', '', '', '', '', '', %s, %s)",
        [last.seq + 1, last.created_at, last.hash, "0" * 64],
    )
    result = services.verify_chain()
    assert result.broken.seq == last.seq + 1
    assert "beyond the chain head" in result.broken.reason_en


def test_deleted_head_row_is_caught(chain):
    sql("DELETE FROM audit_auditchainhead")
    result = services.verify_chain()
    assert result.broken is not None
    assert "head row is missing" in result.broken.reason_en


def test_from_seq_verifies_part_of_the_chain(chain):
    result = services.verify_chain(from_seq=chain[5])
    assert result.ok
    assert result.count == 5
    sql("UPDATE audit_auditrecord SET ip = '1.1.1.1' WHERE seq = %s", [chain[2]])
    assert services.verify_chain(from_seq=chain[5]).ok
    assert services.verify_chain(from_seq=chain[2]).broken.seq == chain[2]
    code, out, _err = run_audit("verify", "--from-seq", str(chain[5]))
    assert code == 0 and out.startswith("OK: 5 records")


def test_bad_checkpoint_file_is_a_clear_error(chain, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.txt"
    bad.write_text("12 nothex\n")
    with pytest.raises(CommandError, match="检查点第 1 行"):
        run_audit("verify", "--checkpoints", str(bad))


def test_writer_continues_after_a_lost_head_row(chain):
    """A flushed head (new database, test flush) is rebuilt from the last record."""
    AuditChainHead.objects.all().delete()
    record = services.log("login", object_type="core.user")
    assert record.seq == chain[-1] + 1
    assert services.verify_chain().ok
