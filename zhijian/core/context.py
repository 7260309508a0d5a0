"""Who is acting right now: the actor context used by audit records and data scope.

The request middleware sets it for every web and API request; management commands set it
with ``acting_as``. Code that writes audit records reads it with ``current()``.
"""

from __future__ import annotations

import getpass
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    user_id: int | None
    username: str
    unit_id: int | None
    unit_code: str
    ip: str
    channel: str  # "web", "api", "cli" or "system"


_current: ContextVar[ActorContext | None] = ContextVar("zhijian_actor", default=None)


def current() -> ActorContext | None:
    return _current.get()


def context_for_user(user, *, ip: str = "", channel: str = "web") -> ActorContext:
    if user is None or not getattr(user, "is_authenticated", False):
        return ActorContext(None, "", None, "", ip, channel)
    unit = getattr(user, "unit", None)
    return ActorContext(
        user_id=user.pk,
        username=user.get_username(),
        unit_id=unit.pk if unit else None,
        unit_code=unit.code if unit else "",
        ip=ip,
        channel=channel,
    )


def cli_context() -> ActorContext:
    """The actor of a management command: the operating-system account that ran it."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "unknown"
    return ActorContext(None, f"cli:{os_user}", None, "", "", "cli")


def system_context(job: str) -> ActorContext:
    """The actor of a background job (the job queue): ``system:<job>``."""
    return ActorContext(None, f"system:{job}", None, "", "", "system")


def set_current(ctx: ActorContext | None):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(ctx: ActorContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
