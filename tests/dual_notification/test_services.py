"""Events and notifications: idempotency, the command, read / feedback / claim, department
isolation, statistics, the rule spreadsheet, Chinese refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhijian.audit.models import AuditRecord
from zhijian.dual_notification import services
from zhijian.dual_notification.models import Notification, ScopeEvent, ScopeRule
from zhijian.registry.models import Entity

pytestmark = pytest.mark.django_db
ESTABLISHED = ScopeEvent.Kind.ESTABLISHED
CHANGED = ScopeEvent.Kind.SCOPE_CHANGED


def test_notify_creates_one_notification_per_department(make_entity, departments):
    entity = make_entity("如家酒店有限公司", "住宿服务；食品销售", industry="6121")
    event, created = services.notify_for_entity(entity, ESTABLISHED)
    assert created and event.matched
    notices = {n.department.code: n for n in event.notifications.all()}
    assert set(notices) == {"WJW", "GAJ", "SCJG"}
    assert notices["WJW"].licence == "公共场所卫生许可证"
    assert notices["WJW"].keyword == "住宿服务"
    assert notices["WJW"].state == Notification.State.SENT
    assert notices["WJW"].unit == entity.unit
    assert event.occurred_on == dt.date(2025, 3, 3)


def test_notify_is_idempotent_and_detects_a_scope_change(make_entity):
    entity = make_entity("甲公司", "软件开发")
    first, created = services.notify_for_entity(entity, ESTABLISHED)
    assert created and not first.matched and first.notifications.count() == 0
    again, created = services.notify_for_entity(entity, ESTABLISHED)
    assert again == first and not created
    # Same scope: a "change" adds nothing.
    assert services.notify_for_entity(entity, CHANGED) == (first, False)
    entity.business_scope = "软件开发；道路货物运输"
    entity.save()
    changed, created = services.notify_for_entity(entity, CHANGED, occurred_on="2025-06-01")
    assert created and changed.kind == CHANGED and changed.matched
    assert [n.department.code for n in changed.notifications.all()] == ["JTW"]
    assert services.notify_for_entity(entity, CHANGED)[1] is False
    assert ScopeEvent.objects.filter(entity=entity).count() == 2


def test_inactive_entities_and_unknown_events(make_entity):
    entity = make_entity("已注销公司", "道路货物运输", status=Entity.Status.DEREGISTERED)
    assert services.notify_for_entity(entity, ESTABLISHED) == (None, False)
    with pytest.raises(services.DualNotificationError, match="未知的告知事由"):
        services.notify_for_entity(entity, "moved")


def test_rules_out_of_force_or_inactive_are_not_used(make_entity, rule):
    ScopeRule.objects.all().delete()
    rule("WJW", "宠物诊疗", valid_from=dt.date(2025, 7, 1))
    rule("JTW", "宠物诊疗", is_active=False)
    early = make_entity("宠物一", "宠物诊疗", established_on="2025-06-30")
    late = make_entity("宠物二", "宠物诊疗", established_on="2025-07-01")
    assert not services.notify_for_entity(early, ESTABLISHED)[0].matched
    [notice] = services.notify_for_entity(late, ESTABLISHED)[0].notifications.all()
    assert notice.department.code == "WJW"


def test_command_is_idempotent(make_entity):
    make_entity("新设运输公司", "道路货物运输", established_on="2025-05-10")
    make_entity("新设软件公司", "软件开发", established_on="2025-05-11")
    make_entity("老公司", "道路货物运输", established_on="2020-01-01")
    out = io.StringIO()
    call_command("dual-notify", "--since", "2025-05-01", stdout=out)
    assert "检查主体 2 户：新设告知 2 件" in out.getvalue()
    assert "未匹配待认领 1 件" in out.getvalue()
    assert ScopeEvent.objects.count() == 2
    assert Notification.objects.count() == 1
    out = io.StringIO()
    call_command("dual-notify", "--since", "2025-05-01", stdout=out)
    assert "新设告知 0 件" in out.getvalue() and "变更告知 0 件" in out.getvalue()
    assert (ScopeEvent.objects.count(), Notification.objects.count()) == (2, 1)


def test_command_finds_scope_changes_since_a_date(make_entity):
    entity = make_entity("变更公司", "软件开发", established_on="2025-05-10")
    call_command("dual-notify", "--since", "2025-05-01", stdout=io.StringIO())
    Entity.objects.filter(pk=entity.pk).update(business_scope="软件开发；出版物零售")
    out = io.StringIO()
    call_command("dual-notify", "--since", "2025-05-01", stdout=out)
    assert "变更告知 1 件" in out.getvalue()
    changed = ScopeEvent.objects.get(entity=entity, kind=CHANGED)
    assert [n.department.code for n in changed.notifications.all()] == ["XWCB"]
    call_command("dual-notify", "--since", "2025-05-01", stdout=io.StringIO())
    assert ScopeEvent.objects.filter(entity=entity).count() == 2


def test_command_rejects_bad_dates():
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("dual-notify", "--since", "2025-13-01")
    with pytest.raises(CommandError, match="不能早于"):
        call_command("dual-notify", "--since", "2025-05-02", "--until", "2025-05-01")


def test_read_and_feedback_states(make_entity, people):
    event, _ = services.notify_for_entity(make_entity("乙酒店", "住宿服务"), ESTABLISHED)
    notice = event.notifications.get(department__code="WJW")
    notice = services.mark_read(notice, people["wjw"])
    assert notice.state == Notification.State.READ and notice.read_by == people["wjw"]
    first_read = notice.read_at
    assert services.mark_read(notice, people["wjw"]).read_at == first_read  # once
    notice = services.give_feedback(notice, people["wjw"], "licensed", "已核发")
    assert notice.state == Notification.State.FEEDBACK
    assert notice.get_feedback_display() == "已办理许可"
    assert notice.feedback_by == people["wjw"]


def test_feedback_without_reading_reads_too(make_entity, people):
    event, _ = services.notify_for_entity(make_entity("丙酒店", "住宿服务"), ESTABLISHED)
    notice = event.notifications.get(department__code="WJW")
    notice = services.give_feedback(notice, people["wjw"], "under_review")
    assert notice.read_at is not None and notice.state == Notification.State.FEEDBACK


@pytest.mark.parametrize(
    ("feedback", "note", "message"),
    [
        ("", "", "请选择反馈结果"),
        ("maybe", "", "请选择反馈结果"),
        ("other", "", "反馈结果为“其他”时必须填写反馈说明"),
    ],
)
def test_feedback_refusals(make_entity, people, feedback, note, message):
    event, _ = services.notify_for_entity(make_entity("丁酒店", "住宿服务"), ESTABLISHED)
    notice = event.notifications.get(department__code="WJW")
    with pytest.raises(services.DualNotificationError, match=message):
        services.give_feedback(notice, people["wjw"], feedback, note)


def test_only_members_of_the_department_act(make_entity, people):
    event, _ = services.notify_for_entity(make_entity("戊酒店", "住宿服务"), ESTABLISHED)
    notice = event.notifications.get(department__code="WJW")
    # Another department's user does not even see it.
    with pytest.raises(services.DualNotificationError, match="不在您的数据范围内"):
        services.mark_read(notice, people["jtw"])
    # A bureau officer sees it but does not answer for the department.
    with pytest.raises(services.DualNotificationError, match="没有签收告知的权限"):
        services.mark_read(notice, people["city"])
    notice.refresh_from_db()
    assert notice.state == Notification.State.SENT


def test_department_isolation(make_entity, people):
    services.notify_for_entity(make_entity("己酒店", "住宿服务"), ESTABLISHED)
    services.notify_for_entity(make_entity("庚运输", "道路货物运输"), ESTABLISHED)
    codes = lambda user: sorted(  # noqa: E731
        services.visible_notifications(user).values_list("department__code", flat=True)
    )
    assert codes(people["wjw"]) == ["WJW"]
    assert codes(people["jtw"]) == ["JTW"]
    assert codes(people["city"]) == ["GAJ", "JTW", "WJW"]
    assert codes(people["zhang"]) == ["GAJ", "JTW", "WJW"]  # the entities are at 张江
    assert codes(people["yexie"]) == []  # another district


def test_claim_flow(make_entity, people, departments):
    event, _ = services.notify_for_entity(make_entity("辛科技", "宠物美容；软件开发"), ESTABLISHED)
    assert not event.matched
    # The published list: department users see unmatched events in scope.
    assert event in services.visible_events(people["wjw"])
    notice = services.claim(event, people["wjw"], licence="动物诊疗许可证")
    assert notice.via == Notification.Via.CLAIM and notice.state == Notification.State.CLAIMED
    assert notice.department == departments["WJW"] and notice.read_by == people["wjw"]
    with pytest.raises(services.DualNotificationError, match="已认领该事项"):
        services.claim(event, people["wjw"])
    # Another department may claim too; a bureau officer may not.
    services.claim(event, people["jtw"])
    with pytest.raises(services.DualNotificationError, match="请选择认领的委办局"):
        services.claim(event, people["city"])
    with pytest.raises(services.DualNotificationError, match="没有认领告知的权限"):
        services.claim(event, people["city"], department=departments["WJW"])
    assert event.notifications.count() == 2
    # The claim is tracked and answered like any notification.
    services.give_feedback(notice, people["wjw"], "not_licensed")
    assert Notification.objects.get(pk=notice.pk).state == Notification.State.FEEDBACK


def test_a_matched_event_cannot_be_claimed(make_entity, people):
    event, _ = services.notify_for_entity(make_entity("壬酒店", "住宿服务"), ESTABLISHED)
    with pytest.raises(services.DualNotificationError, match="无需认领"):
        services.claim(event, people["wjw"])


def test_claim_by_a_member_of_another_department_is_refused(make_entity, people, departments):
    event, _ = services.notify_for_entity(make_entity("癸科技", "软件开发"), ESTABLISHED)
    with pytest.raises(services.DualNotificationError, match="不是“上海市交通委员会”的工作人员"):
        services.claim(event, people["wjw"], department=departments["JTW"])


def test_statistics(make_entity, people):
    for n in range(4):
        services.notify_for_entity(make_entity(f"酒店{n}", "住宿服务"), ESTABLISHED)
    wjw = list(services.visible_notifications(people["wjw"]).order_by("pk"))
    services.mark_read(wjw[0], people["wjw"])
    services.give_feedback(wjw[1], people["wjw"], "licensed")
    unmatched, _ = services.notify_for_entity(make_entity("未匹配", "软件开发"), ESTABLISHED)
    services.claim(unmatched, people["wjw"])
    rows = {r["department"]: r for r in services.statistics(people["city"])}
    assert rows["上海市卫生健康委员会"] == {
        **rows["上海市卫生健康委员会"], "sent": 5, "read": 3, "feedback": 1, "claimed": 1,
        "read_rate": 60.0, "feedback_rate": 20.0,
    }  # fmt: skip
    assert rows["上海市公安局"]["sent"] == 4 and rows["上海市公安局"]["read_rate"] == 0.0
    assert [r["department"] for r in services.statistics(people["wjw"])] == ["上海市卫生健康委员会"]


def test_rule_export_and_import_round_trip(tmp_path, departments):
    rule = ScopeRule.objects.get(department__code="WLJ", keywords__startswith="旅游业务")
    rows = [list(services.RULE_COLUMNS), services.rule_row(rule)]
    rows[1][7] = "《旅行社条例》第六条"  # legal basis changed
    rows.append(["", "WJW", "", "宠物诊疗", "", "全部经营范围", "动物诊疗许可证", "", "120", "",
                 "", "是", "新增"])  # fmt: skip
    path = tmp_path / "rules.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    before = AuditRecord.objects.count()
    result = services.import_rules(path)
    assert (result.created, result.updated, result.errors) == (1, 1, [])
    rule.refresh_from_db()
    assert rule.legal_basis == "《旅行社条例》第六条"
    new = ScopeRule.objects.get(keywords="宠物诊疗")
    assert new.section == "any" and new.priority == 120 and new.department.code == "WJW"
    assert AuditRecord.objects.count() == before + 1


def test_rule_import_reports_every_bad_row_and_writes_nothing(tmp_path, departments):
    header = ",".join(services.RULE_COLUMNS)
    lines = [
        header,
        ",NOPE,,关键词,,,许可,,,,,,",
        ",WJW,,,,,许可,,,,,,",
        ",WJW,,关键词,12a,其他,,,高,2025-02-30,,也许,",
        "999999,WJW,,关键词,,,许可,,,,,,",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    count = ScopeRule.objects.count()
    result = services.import_rules(path)
    messages = [f"{row}:{text}" for row, text in result.errors]
    assert "2:部门代码“NOPE”不存在（请先在委办局中登记）" in messages
    assert "3:经营范围关键词和行业代码前缀不能都为空" in messages
    assert any(m.startswith("4:行业代码前缀“12a”") for m in messages)
    assert any(m.startswith("4:匹配范围“其他”") for m in messages)
    assert "4:所需许可为空" in messages
    assert "4:优先级“高”应为非负整数" in messages
    assert any(m.startswith("4:生效日期“2025-02-30”") for m in messages)
    assert "4:启用“也许”应为“是”或“否”" in messages
    assert "5:规则编号“999999”不存在（新增规则请留空）" in messages
    assert ScopeRule.objects.count() == count


def test_rule_import_file_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(services.DualNotificationError, match="文件为空"):
        services.import_rules(empty)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("名称,备注\n甲,乙\n", encoding="utf-8")
    with pytest.raises(services.DualNotificationError, match="表头缺少列：部门代码、所需许可"):
        services.import_rules(wrong)


def test_member_management(people, departments):
    with pytest.raises(
        services.DualNotificationError, match="已是“上海市卫生健康委员会”的工作人员"
    ):
        services.add_member(people["wjw"], departments["WJW"])
    member = people["wjw"].department_memberships.get()
    services.remove_member(member)
    user = type(people["wjw"]).objects.get(pk=people["wjw"].pk)
    assert not user.has_perm(services.RESPOND)
    assert services.member_departments(user) == []


def test_default_mapping_is_seeded_once(departments):
    assert {"SCJG", "JTW", "WJW", "JW", "YJGL", "XWCB", "RSJ", "WLJ", "YCZM"} <= set(departments)
    assert departments["SCJG"].internal and not departments["WJW"].internal
    count = ScopeRule.objects.count()
    assert count >= 25
    assert services.seed_defaults() == (0, 0)
    assert ScopeRule.objects.count() == count


def test_notify_batch_for_the_import(make_entity):
    today = dt.date(2026, 3, 2)
    fresh = make_entity("新设餐饮", "餐饮服务", established_on="2026-02-20", batch_id=7)
    stock = make_entity("存量运输", "道路货物运输", established_on="2019-01-01", batch_id=7)
    other = make_entity("别的批次", "道路货物运输", established_on="2026-02-25", batch_id=8)
    summary = services.notify_batch(7, today=today)
    assert (summary.established, summary.changed) == (1, 0)
    assert ScopeEvent.objects.filter(entity=fresh, kind=ESTABLISHED).exists()
    assert not ScopeEvent.objects.filter(entity__in=[stock, other]).exists()
    # A later batch changes the new entity's scope: a change event; the same batch again: nothing.
    Entity.objects.filter(pk=fresh.pk).update(business_scope="餐饮服务；烟草制品零售", batch_id=9)
    assert services.notify_batch(9, today=today).changed == 1
    assert services.notify_batch(9, today=today).changed == 0
    changed = ScopeEvent.objects.get(entity=fresh, kind=CHANGED)
    assert changed.occurred_on == today
    assert {n.department.code for n in changed.notifications.all()} == {"SCJG", "YCZM"}


def test_the_command_writes_in_bulk_with_one_audit_record_per_chunk(make_entity):
    scopes = ["住宿服务", "道路货物运输", "软件开发", "餐饮服务；烟草制品零售", "出版物零售"]
    for n, scope in enumerate(scopes):
        make_entity(f"批量{n}", scope, established_on="2025-05-10")
    before = AuditRecord.objects.count()
    summary = services.run(dt.date(2025, 5, 1), chunk=2)
    assert (summary.established, summary.notifications, summary.unmatched) == (5, 6, 1)
    assert AuditRecord.objects.count() == before + 3  # chunks of 2, 2 and 1 entities
    by_entity = {
        e.entity.name: sorted(e.notifications.values_list("department__code", flat=True))
        for e in ScopeEvent.objects.select_related("entity")
    }
    assert by_entity == {
        "批量0": ["GAJ", "WJW"], "批量1": ["JTW"], "批量2": [], "批量3": ["SCJG", "YCZM"],
        "批量4": ["XWCB"],
    }  # fmt: skip
    notice = Notification.objects.get(entity__name="批量1")
    assert notice.rule.department.code == "JTW" and notice.keyword == "道路货物运输"
    assert notice.licence == "道路运输经营许可证" and notice.unit == notice.entity.unit
