"""Hooks after an import (exchange/hooks.py): run once per finished batch of their table, outside
the chunk transactions; a failing hook leaves the import done and committed and says so in
Chinese in the batch message."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command

from zhijian.exchange import hooks, services
from zhijian.exchange.models import ImportBatch
from zhijian.registry.models import Entity

from .conftest import entity_row, make_uscc, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """The hooks registered by the apps, restored after the test."""
    saved = {table: dict(by_name) for table, by_name in hooks._hooks.items()}
    yield hooks
    hooks._hooks.clear()
    hooks._hooks.update(saved)


def entities_file(tmp_path, count=3, name="e.csv"):
    return write_csv(tmp_path / name, [entity_row(make_uscc()) for _ in range(count)])


def test_a_hook_sees_the_committed_batch_and_adds_its_note(org, tmp_path, registry):
    calls = []

    @registry.after_import("entities", "测试处理")
    def count_entities(batch):
        calls.append((batch.pk, batch.status, Entity.objects.filter(batch_id=batch.pk).count()))
        return f"测试处理：{len(calls)} 次"

    batch = services.import_file("entities", entities_file(tmp_path))
    assert calls == [(batch.pk, ImportBatch.Status.DONE, 3)]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert batch.message == "测试处理：1 次"


def test_a_note_follows_the_importers_own_notes(org, tmp_path, registry):
    registry.register("entities", lambda batch: "后处理完成", "测试处理")
    rows = [{**entity_row(make_uscc()), "备注": "x"}]
    batch = services.import_file("entities", write_csv(tmp_path / "n.csv", rows))
    batch.refresh_from_db()
    assert batch.message == "以下列不属于本表，已忽略：备注；后处理完成"


def test_a_failing_hook_leaves_the_import_done_and_committed(org, tmp_path, registry, caplog):
    def broken(batch):
        raise RuntimeError("磁盘已满")

    registry.register("entities", broken, "测试处理", remedy="可运行 zhijian test-fix 补做")
    after = []
    registry.register("entities", lambda batch: after.append(batch.pk) or "其后处理完成", "其后")
    with caplog.at_level(logging.ERROR, logger="zhijian.exchange.hooks"):
        batch = services.import_file("entities", entities_file(tmp_path))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_read, batch.accepted, batch.rejected) == (3, 3, 0)
    assert Entity.objects.filter(batch_id=batch.pk).count() == 3
    assert batch.message == (
        "导入后处理“测试处理”失败：RuntimeError: 磁盘已满；可运行 zhijian test-fix 补做；其后处理完成"
    )
    assert after == [batch.pk]  # the next hook still ran
    assert "import hook '测试处理' failed" in caplog.text and "磁盘已满" in caplog.text


def test_a_remedy_may_depend_on_the_batch(org, tmp_path, registry):
    def broken(batch):
        raise ValueError("坏了")

    registry.register("entities", broken, "测试处理", remedy=lambda b: f"请重新处理批次 {b.pk}")
    batch = services.import_file("entities", entities_file(tmp_path))
    batch.refresh_from_db()
    assert batch.message.endswith(f"ValueError: 坏了；请重新处理批次 {batch.pk}")


def test_the_command_shows_the_failure_and_succeeds(org, tmp_path, registry, capsys):
    def broken(batch):
        raise RuntimeError("连接中断")

    registry.register("entities", broken, "测试处理")
    call_command("import", "entities", str(entities_file(tmp_path)), "--quiet")
    out = capsys.readouterr().out
    assert "已完成" in out and "接受 3" in out
    assert "说明：导入后处理“测试处理”失败：RuntimeError: 连接中断" in out


def test_hooks_run_only_for_their_table_and_only_when_done(org, tmp_path, registry):
    calls = []
    registry.register("licences", lambda batch: calls.append(batch.table), "测试处理")
    registry.register("entities", lambda batch: calls.append(batch.table), "测试处理")
    services.import_file("entities", entities_file(tmp_path))
    assert calls == ["entities"]
    bad = tmp_path / "bad.csv"
    bad.write_text("统一社会信用代码\n", encoding="utf-8")  # a header and no rows: failed
    batch = services.import_file("entities", bad)
    assert batch.status == ImportBatch.Status.FAILED
    assert calls == ["entities"]


def test_registering_again_replaces_and_unregister_removes(registry):
    def first(batch):
        return "一"

    def second(batch):
        return "二"

    registry.register("entities", first, "测试处理")
    registry.register("entities", second, "测试处理")
    assert [h.fn for h in registry.hooks_for("entities") if h.name == "测试处理"] == [second]
    registry.unregister("entities", "测试处理")
    assert "测试处理" not in {h.name for h in registry.hooks_for("entities")}


def test_dual_notification_registers_itself_for_entities():
    from zhijian.dual_notification import services as dual

    [hook] = [h for h in hooks.hooks_for("entities") if h.name == "双告知"]
    assert hook.fn is dual.after_entities_import


def test_the_exchange_app_does_not_import_dual_notification():
    from pathlib import Path

    import zhijian.exchange

    folder = Path(zhijian.exchange.__file__).parent
    for path in folder.rglob("*.py"):
        assert "dual_notification" not in path.read_text(encoding="utf-8"), path
