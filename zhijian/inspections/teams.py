"""Who is offered as a co-inspector on the recording form.

The form offers the recording staff of the user's own unit. A task may come with a team formed
elsewhere (a random draw picks the inspectors of each check, possibly from several stations
of the district): apps that form teams register a provider ``provider(task) -> iterable of
users``, called from their ``AppConfig.ready()``::

    from zhijian.inspections import teams
    teams.register(my_team_for_task)

The proposed team is offered and preselected on the form. The service rules still apply
(``services.may_inspect``: every inspector belongs to the entity's district or above it).
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def proposed_team(task) -> list:
    """The active users the registered providers propose for ``task`` (none without a task)."""
    if task is None:
        return []
    team, seen = [], set()
    for provider in _PROVIDERS:
        for user in provider(task) or ():
            if user.is_active and user.pk not in seen:
                seen.add(user.pk)
                team.append(user)
    return team
