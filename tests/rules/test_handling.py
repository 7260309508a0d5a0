"""Handling warnings: a warning task closes only with a disposition (or an inspection),
非本单位管辖 sends it on, 阅知 reminders are acknowledged; who may do what."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scope_world import _entity
from zhijian.audit.models import AuditRecord
from zhijian.rules import engine, services
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import Warning
from zhijian.supervision import services as supervision
from zhijian.supervision.models import Task

pytestmark = pytest.mark.django_db


def _warned(unit, *, rule_id="very_high_registered_capital"):
    entity = _entity(unit, "高额注册资本")
    entity.registered_capital = 200000
    entity.save()
    engine.run_rule(all_rules()[rule_id], dt.date(2026, 6, 30))
    return Warning.objects.get(entity=entity, rule_id=rule_id)


def test_the_generic_complete_action_is_refused_for_a_warning_task(org, people):
    warning = _warned(org["zhangjiang"])
    with pytest.raises(supervision.TaskError, match="选择处置结果"):
        supervision.transition(warning.task, "claim", user=people["zhang"])
        supervision.transition(warning.task, "complete", user=people["zhang"], note="办完了")
    warning.task.refresh_from_db()
    assert warning.task.state != Task.State.DONE


@pytest.mark.parametrize("disposition", ["no_problem", "rectified", "case_opened"])
def test_a_disposition_closes_warning_and_task(org, people, disposition):
    warning = _warned(org["zhangjiang"])
    closed = services.dispose(warning, user=people["zhang"], disposition=disposition,
                              note="现场核查")  # fmt: skip
    assert closed.state == Warning.State.CLOSED and closed.disposition == disposition
    assert closed.disposed_by == people["zhang"] and closed.disposition_note == "现场核查"
    task = Task.objects.get(pk=warning.task_id)
    assert task.state == Task.State.DONE
    assert "预警处置" in task.events.get(action="complete").note
    assert AuditRecord.objects.filter(object_type="risk.warning", object_id=str(warning.pk),
                                      action="update").exists()  # fmt: skip
    with pytest.raises(services.WarningError, match="不能重复处置"):
        services.dispose(closed, user=people["zhang"], disposition="no_problem")


def test_not_ours_sends_the_warning_up_with_a_new_task(org, people):
    warning = _warned(org["zhangjiang"])
    with pytest.raises(services.WarningError, match="说明理由"):
        services.dispose(warning, user=people["zhang"], disposition="not_ours")
    old_task = warning.task
    sent = services.dispose(warning, user=people["zhang"], disposition="not_ours",
                            note="该企业实际在花木街道经营")  # fmt: skip
    assert sent.state == Warning.State.OPEN and sent.unit == org["pudong"]
    old_task.refresh_from_db()
    assert old_task.state == Task.State.DONE
    new_task = sent.task
    assert new_task.pk != old_task.pk and new_task.unit == org["pudong"]
    assert new_task.source == Task.Source.WARNING and "花木街道" in new_task.description
    assert AuditRecord.objects.filter(action="warning_reassign", object_id=str(warning.pk)).exists()
    # the district sends it down to the right station, which closes it
    supervision.transition(new_task, "delegate", user=people["pudong"], to_unit=org["huamu"])
    closed = services.dispose(sent, user=people["huamu"], disposition="rectified")
    assert closed.state == Warning.State.CLOSED and closed.disposition == "rectified"


def test_not_ours_to_a_named_unit_must_be_in_scope(org, people):
    warning = _warned(org["pudong"])  # an entity whose home is the district bureau itself
    with pytest.raises(services.WarningError, match="不在您的数据范围内"):
        services.dispose(warning, user=people["pudong"], disposition="not_ours", note="松江的",
                         to_unit=org["yexie"])  # fmt: skip
    moved = services.dispose(warning, user=people["pudong"], disposition="not_ours",
                             note="应由张江所办理", to_unit=org["zhangjiang"])  # fmt: skip
    assert moved.unit == org["zhangjiang"] and moved.task.unit == org["zhangjiang"]


def test_only_the_handling_unit_disposes(org, people):
    warning = _warned(org["huamu"])
    with pytest.raises(services.WarningError, match="由花木市场监督管理所处置"):
        services.dispose(warning, user=people["pudong"], disposition="no_problem")
    closed = services.dispose(warning, user=people["huamu"], disposition="no_problem")
    assert closed.state == Warning.State.CLOSED


def test_an_inspection_recorded_against_the_task_closes_the_warning(org, people):
    from tests.inspections.scope_factories import _inspection

    warning = _warned(org["zhangjiang"])
    inspection, _entity_ = _inspection(org["zhangjiang"], "预警检查", outcome="发现问题已责令整改")
    supervision.complete_task(warning.task, user=people["zhang"], note="检查",
                              result_ref=f"inspections.inspection:{inspection.pk}")  # fmt: skip
    warning.refresh_from_db()
    assert warning.state == Warning.State.CLOSED and warning.disposition == "rectified"
    assert inspection.number in warning.disposition_note


def test_who_may_dispose(org, people, auditor):
    warning = _warned(org["zhangjiang"])
    with pytest.raises(services.WarningError, match="没有处置预警的权限"):
        services.dispose(warning, user=auditor, disposition="no_problem")
    with pytest.raises(services.WarningError, match="不在您的数据范围内"):
        services.dispose(warning, user=people["songjiang"], disposition="no_problem")
    with pytest.raises(services.WarningError, match="由张江市场监督管理所处置"):
        services.dispose(warning, user=people["pudong"], disposition="no_problem")
    with pytest.raises(services.WarningError, match="请选择处置结果"):
        services.dispose(warning, user=people["zhang"], disposition="acknowledged")
    assert Warning.objects.get(pk=warning.pk).state == Warning.State.OPEN


def test_acknowledging_a_reminder(org, people):
    from zhijian.registry.models import Sampling

    entity = _entity(org["zhangjiang"], "抽检不合格")
    Sampling.objects.create(number="CJ1", entity=entity, unit=entity.unit, category="食品",
                            product="饼干", sampled_on=dt.date(2026, 3, 1), result="不合格")  # fmt: skip
    engine.run_rule(all_rules()["product_quality_sampling_failures"], dt.date(2026, 4, 1))
    warning = Warning.objects.get(entity=entity)
    assert warning.handling == "acknowledge" and warning.task is None
    with pytest.raises(services.WarningError, match="阅知"):
        services.dispose(warning, user=people["zhang"], disposition="no_problem")
    done = services.acknowledge(warning, user=people["zhang"])
    assert done.state == Warning.State.CLOSED and done.disposition == "acknowledged"
    with pytest.raises(services.WarningError, match="不能重复处置"):
        services.acknowledge(done, user=people["zhang"])
