"""The task lifecycle as a state machine (python-statemachine 3.x).

States and actions (the events' ids are the action names used by ``services.transition``):

=========  =========================================  ==========================
action     from                                       to
=========  =========================================  ==========================
assign     new, assigned, returned                    assigned
delegate   new, assigned, returned                    assigned
claim      new, assigned, returned                    assigned
start      assigned                                   in_progress
complete   assigned, in_progress                      done
return     assigned, in_progress                      returned
reopen     done → in_progress; cancelled → new
cancel     new, assigned, in_progress, returned       cancelled
=========  =========================================  ==========================

The machine only knows which state may follow which; who may act and where the task goes
(unit, assignee) is decided in ``services``.
"""

from __future__ import annotations

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from .models import Task

S = Task.State


class TaskMachine(StateMachine):
    new = State(S.NEW.label, value=S.NEW, initial=True)
    assigned = State(S.ASSIGNED.label, value=S.ASSIGNED)
    in_progress = State(S.IN_PROGRESS.label, value=S.IN_PROGRESS)
    done = State(S.DONE.label, value=S.DONE)
    returned = State(S.RETURNED.label, value=S.RETURNED)
    cancelled = State(S.CANCELLED.label, value=S.CANCELLED)

    assign = new.to(assigned) | assigned.to.itself() | returned.to(assigned)
    delegate = new.to(assigned) | assigned.to.itself() | returned.to(assigned)
    claim = new.to(assigned) | assigned.to.itself() | returned.to(assigned)
    start = assigned.to(in_progress)
    complete = assigned.to(done) | in_progress.to(done)
    return_ = assigned.to(returned, event="return") | in_progress.to(returned, event="return")
    reopen = done.to(in_progress) | cancelled.to(new)
    cancel = (
        new.to(cancelled)
        | assigned.to(cancelled)
        | in_progress.to(cancelled)
        | returned.to(cancelled)
    )


ACTIONS = ("assign", "delegate", "claim", "start", "complete", "return", "reopen", "cancel")


class _Holder:
    """A plain object carrying the state, so the machine never touches the task itself."""

    def __init__(self, state: str):
        self.state = state


def next_state(state: str, action: str) -> str | None:
    """The state after ``action`` from ``state``, or ``None`` if the action is not allowed."""
    if action not in ACTIONS:
        return None
    holder = _Holder(state)
    machine = TaskMachine(holder, state_field="state")
    try:
        machine.send(action)
    except TransitionNotAllowed:
        return None
    return str(holder.state)


def allowed_actions(state: str) -> list[str]:
    """The actions the machine allows from ``state`` (before permission checks)."""
    return [action for action in ACTIONS if next_state(state, action) is not None]
