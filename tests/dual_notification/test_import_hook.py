"""Dual notification runs by itself after each import of entities (exchange hook): new
registrations whose scope a rule matches are notified, re-sending changes nothing, a changed
scope is a change event, stock entities are left alone, and a failing hook leaves the import
done with a note saying how to catch up."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.exchange.conftest import entity_row, make_uscc, write_csv
from zhijian.audit.models import AuditRecord
from zhijian.dual_notification import services
from zhijian.dual_notification.models import Notification, ScopeEvent
from zhijian.exchange import services as exchange
from zhijian.exchange.models import ImportBatch
from zhijian.registry.models import Entity

pytestmark = pytest.mark.django_db
ESTABLISHED = ScopeEvent.Kind.ESTABLISHED
CHANGED = ScopeEvent.Kind.SCOPE_CHANGED
TRANSPORT = "许可项目：道路货物运输（不含危险货物）；一般项目：技术服务"


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def import_rows(tmp_path, rows, name="entities.csv") -> ImportBatch:
    batch = exchange.import_file("entities", write_csv(tmp_path / name, rows), source="登记")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.message
    return batch


@pytest.fixture
def codes(org, departments):
    return [make_uscc() for _ in range(3)]


def test_a_new_registration_is_notified_by_the_import(tmp_path, codes):
    rows = [
        entity_row(codes[0], 成立日期=days_ago(3), 经营范围=TRANSPORT),
        entity_row(codes[1], 成立日期=days_ago(5), 经营范围="一般项目：软件开发"),
    ]
    batch = import_rows(tmp_path, rows)
    transport = Entity.objects.get(uscc=codes[0])
    event = ScopeEvent.objects.get(entity=transport)
    assert (event.kind, event.matched, event.occurred_on) == (
        ESTABLISHED, True, dt.date.fromisoformat(days_ago(3))
    )  # fmt: skip
    [notice] = event.notifications.all()
    assert notice.department.code == "JTW" and notice.licence == "道路运输经营许可证"
    assert notice.unit == transport.unit
    software = ScopeEvent.objects.get(entity__uscc=codes[1])  # unmatched: left to be claimed
    assert not software.matched and not software.notifications.exists()
    assert (
        batch.message == "双告知：新设告知 2 件，变更告知 0 件，推送委办局 1 条，未匹配待认领 1 件"
    )


def test_importing_the_same_file_again_adds_nothing(tmp_path, codes):
    rows = [entity_row(codes[0], 成立日期=days_ago(3), 经营范围=TRANSPORT)]
    import_rows(tmp_path, rows)
    counts = (ScopeEvent.objects.count(), Notification.objects.count())
    audit = AuditRecord.objects.count()
    again = import_rows(tmp_path, rows, name="again.csv")
    assert (ScopeEvent.objects.count(), Notification.objects.count()) == counts == (1, 1)
    assert again.message == ""  # nothing notified: no note
    assert AuditRecord.objects.count() == audit + 1  # the import's own record only


def test_a_changed_scope_is_a_change_event(tmp_path, codes):
    import_rows(tmp_path, [entity_row(codes[0], 成立日期=days_ago(3), 经营范围=TRANSPORT)])
    wider = "许可项目：道路货物运输（不含危险货物）；出版物零售；一般项目：技术服务"
    batch = import_rows(
        tmp_path, [entity_row(codes[0], 成立日期=days_ago(3), 经营范围=wider)], name="b.csv"
    )
    changed = ScopeEvent.objects.get(entity__uscc=codes[0], kind=CHANGED)
    assert changed.occurred_on == timezone.localdate()
    assert changed.scope_text == wider
    assert {n.department.code for n in changed.notifications.all()} == {"JTW", "XWCB"}
    assert "变更告知 1 件" in batch.message
    import_rows(tmp_path, [entity_row(codes[0], 成立日期=days_ago(3), 经营范围=wider)], "c.csv")
    assert ScopeEvent.objects.filter(entity__uscc=codes[0]).count() == 2


def test_a_known_old_entity_gets_its_scope_change(tmp_path, codes):
    """An entity established long ago that this module has seen (here through the command)
    is looked at by the hook; its changed scope is notified."""
    import_rows(tmp_path, [entity_row(codes[0], 成立日期="2019-04-01", 经营范围="软件开发")])
    call_command("dual-notify", "--since", "2019-01-01", stdout=io.StringIO())
    assert ScopeEvent.objects.filter(entity__uscc=codes[0], kind=ESTABLISHED).exists()
    row = entity_row(codes[0], 成立日期="2019-04-01", 经营范围="软件开发；道路货物运输")
    import_rows(tmp_path, [row], name="b.csv")
    changed = ScopeEvent.objects.get(entity__uscc=codes[0], kind=CHANGED)
    assert [n.department.code for n in changed.notifications.all()] == ["JTW"]


def test_stock_entities_get_nothing(tmp_path, codes):
    rows = [
        entity_row(codes[0], 成立日期="2015-06-01", 经营范围=TRANSPORT),
        entity_row(codes[1], 成立日期=days_ago(400), 经营范围="餐饮服务"),
        # New but no longer active: not notified either.
        entity_row(codes[2], 成立日期=days_ago(2), 登记状态="注销", 注销日期=days_ago(1),
                   经营范围=TRANSPORT),
    ]  # fmt: skip
    batch = import_rows(tmp_path, rows)
    assert batch.accepted == 3 and batch.message == ""
    assert not ScopeEvent.objects.exists() and not Notification.objects.exists()
    assert not AuditRecord.objects.filter(object_type="dual_notification.scopeevent").exists()
    summary = services.notify_batch(batch.pk)
    assert (summary.seen, summary.established, summary.changed) == (0, 0, 0)


def test_only_candidates_are_read(tmp_path, codes, django_assert_max_num_queries):
    """Stock entities never seen are not walked: the hook reads two short id lists, then the candidates only."""
    rows = [entity_row(make_uscc(), 成立日期="2015-06-01") for _ in range(30)]
    rows.append(entity_row(codes[0], 成立日期=days_ago(1), 经营范围=TRANSPORT))
    batch = import_rows(tmp_path, rows)
    assert services._batch_candidates(batch.pk, services.cut_off(timezone.localdate())) == [
        Entity.objects.get(uscc=codes[0]).pk
    ]
    with django_assert_max_num_queries(6):  # cut-off, ids twice, rules, entities, events
        assert services.notify_batch(batch.pk).seen == 1  # known now: read, nothing to do
    assert services.notify_batch(batch.pk).established == 0


def test_a_failing_hook_leaves_the_import_done_and_says_how_to_catch_up(
    tmp_path, codes, monkeypatch
):
    def broken(batch_id, **kwargs):
        raise RuntimeError("规则表读取失败")

    monkeypatch.setattr(services, "notify_batch", broken)
    rows = [
        entity_row(codes[0], 成立日期=days_ago(3), 经营范围=TRANSPORT),
        entity_row(codes[1], 经营范围="软件开发", 住所=""),  # rejected: 住所 is required
    ]
    batch = exchange.import_file("entities", write_csv(tmp_path / "e.csv", rows))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert Entity.objects.filter(uscc=codes[0], batch_id=batch.pk).exists()
    since = services.cut_off(timezone.localdate())
    assert batch.message == (
        "导入后处理“双告知”失败：RuntimeError: 规则表读取失败；"
        f"可运行 zhijian dual-notify --since {since.isoformat()} 补做"
    )
    assert not ScopeEvent.objects.exists()
    # The remedy the message gives catches up.
    monkeypatch.undo()
    out = io.StringIO()
    call_command("dual-notify", "--since", since.isoformat(), stdout=out)
    assert "新设告知 1 件" in out.getvalue()
    notice = Notification.objects.get(entity__uscc=codes[0])
    assert notice.department.code == "JTW"


def test_the_import_command_runs_the_hook(tmp_path, codes):
    path = write_csv(tmp_path / "e.csv", [entity_row(codes[0], 成立日期=days_ago(1),
                                                      经营范围="餐饮服务；烟草制品零售")])  # fmt: skip
    out = io.StringIO()
    call_command("import", "entities", str(path), "--quiet", stdout=out)
    assert "说明：双告知：新设告知 1 件，变更告知 0 件，推送委办局 2 条" in out.getvalue()
    codes_notified = Notification.objects.values_list("department__code", flat=True)
    assert set(codes_notified) == {"SCJG", "YCZM"}
