"""The task lifecycle: every allowed and refused transition, delegation only downwards, scope."""

from __future__ import annotations

import pytest

from zhijian.audit.models import AuditRecord
from zhijian.supervision import machine, services
from zhijian.supervision.models import Task

S = Task.State
ALLOWED = {
    (S.NEW, "assign"): S.ASSIGNED, (S.NEW, "delegate"): S.ASSIGNED, (S.NEW, "claim"): S.ASSIGNED,
    (S.NEW, "cancel"): S.CANCELLED,
    (S.ASSIGNED, "assign"): S.ASSIGNED, (S.ASSIGNED, "delegate"): S.ASSIGNED,
    (S.ASSIGNED, "claim"): S.ASSIGNED, (S.ASSIGNED, "start"): S.IN_PROGRESS,
    (S.ASSIGNED, "complete"): S.DONE, (S.ASSIGNED, "return"): S.RETURNED,
    (S.ASSIGNED, "cancel"): S.CANCELLED,
    (S.IN_PROGRESS, "complete"): S.DONE, (S.IN_PROGRESS, "return"): S.RETURNED,
    (S.IN_PROGRESS, "cancel"): S.CANCELLED,
    (S.RETURNED, "assign"): S.ASSIGNED, (S.RETURNED, "delegate"): S.ASSIGNED,
    (S.RETURNED, "claim"): S.ASSIGNED, (S.RETURNED, "cancel"): S.CANCELLED,
    (S.DONE, "reopen"): S.IN_PROGRESS,
    (S.CANCELLED, "reopen"): S.NEW,
}  # fmt: skip
PAIRS = [(state, action) for state in S.values for action in machine.ACTIONS]


@pytest.mark.parametrize(("state", "action"), PAIRS)
def test_machine_table(state, action):
    assert machine.next_state(state, action) == ALLOWED.get((state, action))


def test_unknown_action_is_refused():
    assert machine.next_state(S.NEW, "approve") is None


# --- the services, state by state ----------------------------------------------------------


def make(org, state, *, unit="zhangjiang", assignee=None):
    """A task of ``unit`` put into ``state`` directly (the starting point of one transition)."""
    task = services.create_task(
        title=f"任务-{state}", unit=org[unit], source=Task.Source.MANUAL, due_days=5
    )
    Task.objects.filter(pk=task.pk).update(state=state, assignee=assignee)
    task.refresh_from_db()
    return task


def kwargs_for(action, org, people):
    return {
        "assign": {"assignee": people["zhang"]},
        "delegate": {"to_unit": org["zhangjiang"]},
        "return": {"note": "不属于本所辖区"},
        "cancel": {"note": "重复派发"},
    }.get(action, {})


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), sorted(ALLOWED))
def test_every_allowed_transition_writes_event_and_audit(org, people, state, action):
    unit = "pudong" if action == "delegate" else "zhangjiang"
    assignee = people["zhang"] if state in (S.ASSIGNED, S.IN_PROGRESS, S.DONE) else None
    if action == "claim":
        assignee = None
    task = make(org, state, unit=unit, assignee=assignee)
    # the inspector works; the district officer manages
    user = (
        people["zhang"] if action in ("claim", "start", "complete", "return") else people["pudong"]
    )
    audit_before = AuditRecord.objects.count()
    task = services.transition(task, action, user=user, **kwargs_for(action, org, people))
    assert task.state == ALLOWED[(state, action)]
    event = task.events.order_by("-id").first()
    assert (event.action, event.from_state, event.to_state) == (action, state, task.state)
    assert event.actor == user
    # the event's creation is audited (and the task's update whenever a field changed)
    new_records = AuditRecord.objects.order_by("seq")[audit_before:]
    assert any(r.object_type == "supervision.taskevent" for r in new_records)
    assert (task.closed_at is not None) == (task.state in Task.CLOSED_STATES)


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p not in ALLOWED])
def test_every_refused_transition_raises_chinese_error(org, people, state, action):
    task = make(org, state, assignee=people["zhang"] if state != S.NEW else None)
    with pytest.raises(services.TaskError) as err:
        services.transition(task, action, user=people["pudong"], **kwargs_for(action, org, people))
    assert "不能" in str(err.value) and str(services.ACTION_LABELS[action]) in str(err.value)
    task.refresh_from_db()
    assert task.state == state and task.events.count() == 1


# --- delegation goes down only ---------------------------------------------------------------


@pytest.mark.django_db
def test_delegate_city_to_district_to_station(org, people):
    task = make(org, S.NEW, unit="city")
    task = services.transition(task, "delegate", user=people["city"], to_unit=org["pudong"])
    assert task.unit == org["pudong"]
    task = services.transition(task, "delegate", user=people["pudong"], to_unit=org["huamu"])
    assert task.unit == org["huamu"] and task.assignee is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("holder", "target", "user"),
    [
        ("zhangjiang", "pudong", "pudong"),  # up
        ("pudong", "city", "city"),  # up
        ("huamu", "zhangjiang", "pudong"),  # sideways, same district
        ("pudong", "songjiang", "city"),  # sideways, other district
        ("pudong", "pudong", "pudong"),  # to itself
    ],
)
def test_delegate_never_up_or_sideways(org, people, holder, target, user):
    task = make(org, S.NEW, unit=holder)
    with pytest.raises(services.TaskError, match="只能向下级机构下派"):
        services.transition(task, "delegate", user=people[user], to_unit=org[target])
    task.refresh_from_db()
    assert task.unit == org[holder]


@pytest.mark.django_db
def test_assign_to_inspector_of_a_unit_below(org, people):
    task = make(org, S.NEW, unit="pudong")
    task = services.transition(task, "assign", user=people["pudong"], assignee=people["huamu"])
    assert task.unit == org["huamu"] and task.assignee == people["huamu"]
    with pytest.raises(services.TaskError, match="只能分派给本机构或下级机构"):
        services.transition(task, "assign", user=people["pudong"], assignee=people["zhang"])


@pytest.mark.django_db
def test_assignee_must_belong_to_the_receiving_unit(org, people):
    task = make(org, S.NEW, unit="pudong")
    with pytest.raises(services.TaskError, match="不属于承办机构"):
        services.transition(
            task, "delegate", user=people["pudong"], to_unit=org["huamu"], assignee=people["zhang"]
        )


# --- who may act --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_other_district_cannot_act(org, people):
    task = make(org, S.NEW, unit="zhangjiang")
    with pytest.raises(services.TaskError, match="不在您的数据范围内"):
        services.transition(task, "cancel", user=people["songjiang"], note="x")
    with pytest.raises(services.TaskError, match="不在您的数据范围内"):
        services.transition(task, "claim", user=people["yexie"])


@pytest.mark.django_db
def test_inspector_claims_only_own_units_unassigned_tasks(org, people):
    other_station = make(org, S.NEW, unit="huamu")
    with pytest.raises(services.TaskError, match="不在您的数据范围内"):
        services.transition(other_station, "claim", user=people["zhang"])
    taken = make(org, S.ASSIGNED, assignee=people["zhang2"])
    with pytest.raises(services.TaskError, match="已分派给"):
        services.transition(taken, "claim", user=people["zhang"])
    own = make(org, S.NEW)
    own = services.transition(own, "claim", user=people["zhang"])
    assert own.assignee == people["zhang"]


@pytest.mark.django_db
def test_inspector_works_only_own_or_unassigned(org, people):
    colleague = make(org, S.IN_PROGRESS, assignee=people["zhang2"])
    for action in ("complete", "return"):
        with pytest.raises(services.TaskError, match="只能办理分派给本人"):
            services.transition(colleague, action, user=people["zhang"], note="x")
    unassigned = make(org, S.ASSIGNED)
    unassigned = services.transition(unassigned, "start", user=people["zhang"])
    assert unassigned.assignee == people["zhang"] and unassigned.state == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["assign", "delegate", "cancel"])
def test_inspector_cannot_manage(org, people, action):
    task = make(org, S.NEW)
    with pytest.raises(services.TaskError, match="没有"):
        services.transition(task, action, user=people["zhang"], **kwargs_for(action, org, people))


@pytest.mark.django_db
def test_only_the_assignee_starts(org, people):
    task = make(org, S.ASSIGNED, assignee=people["zhang2"])
    with pytest.raises(services.TaskError, match="只有承办人可以开始办理"):
        services.transition(task, "start", user=people["pudong"])


@pytest.mark.django_db
def test_auditor_cannot_act(org, people, auditor):
    task = make(org, S.NEW, unit="city")
    with pytest.raises(services.TaskError, match="没有"):
        services.transition(task, "cancel", user=auditor, note="x")


@pytest.mark.django_db
def test_return_and_cancel_need_a_reason(org, people):
    task = make(org, S.ASSIGNED, assignee=people["zhang"])
    with pytest.raises(services.TaskError, match="退回必须填写原因"):
        services.transition(task, "return", user=people["zhang"])
    with pytest.raises(services.TaskError, match="撤销必须填写原因"):
        services.transition(task, "cancel", user=people["pudong"], note="  ")


@pytest.mark.django_db
def test_return_goes_back_to_the_sending_unit(org, people):
    task = make(org, S.NEW, unit="pudong")
    task = services.transition(task, "delegate", user=people["pudong"], to_unit=org["zhangjiang"])
    task = services.transition(task, "claim", user=people["zhang"])
    task = services.transition(task, "return", user=people["zhang"], note="对象已迁出本辖区")
    assert task.state == S.RETURNED and task.unit == org["pudong"] and task.assignee is None
    assert task.events.order_by("-id").first().note == "对象已迁出本辖区"
    # the district re-delegates it to the right station
    task = services.transition(task, "delegate", user=people["pudong"], to_unit=org["huamu"])
    assert task.unit == org["huamu"]


@pytest.mark.django_db
def test_complete_task_claims_unassigned_first(org, people):
    task = make(org, S.NEW)
    task = services.complete_task(task, user=people["zhang"], result_ref="inspections.inspection:7")
    assert task.state == S.DONE and task.assignee == people["zhang"]
    assert [e.action for e in task.events.order_by("id")] == ["create", "claim", "complete"]


@pytest.mark.django_db
def test_allowed_actions_follow_permissions(org, people):
    task = make(org, S.NEW)
    assert services.allowed_actions(task, people["zhang"]) == ["claim"]
    # the district officer does not claim a station's task (claiming is for its own unit)
    assert services.allowed_actions(task, people["pudong"]) == ["assign", "delegate", "cancel"]
    assert services.allowed_actions(task, people["songjiang"]) == []
