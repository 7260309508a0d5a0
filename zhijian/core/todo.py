"""The to-dos on the home page, gathered from the apps that produce them.

Apps that create work for users (supervision tasks, follow-up checks, notifications to sign
for, later complaints and cases) register a source in their ``ready()``:
``register(count, key="supervision.tasks", label=_("监管任务"), url_name="supervision:my_todos")``.
The home page shows the total and, for each source with something to do, its count linking to
the list where the work is done. With no source registered the count is honestly zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class TodoSource:
    key: str
    count: Callable  # user → int
    label: str = ""
    url_name: str = ""


@dataclass(frozen=True)
class TodoEntry:
    key: str
    label: str
    count: int
    url: str


_sources: dict[str, TodoSource] = {}
_providers: list[Callable] = []  # the count functions, in registration order


def register(provider: Callable, *, key: str = "", label="", url_name: str = "") -> Callable:
    """Register (or re-register: ``ready()`` may run twice) a source of to-dos."""
    key = key or f"{provider.__module__}.{provider.__qualname__}"
    previous = _sources.get(key)
    if previous is not None and previous.count in _providers:
        _providers.remove(previous.count)
    _sources[key] = TodoSource(key, provider, label, url_name)
    _providers.append(provider)
    return provider


def _url(name: str) -> str:
    """The URL of ``name`` (a URL name, optionally followed by ``?query``)."""
    if not name:
        return ""
    name, _sep, query = name.partition("?")
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def todo_entries(user) -> list[TodoEntry]:
    """The sources with something for ``user`` to do, in registration order."""
    entries = []
    for source in _sources.values():
        count = source.count(user)
        if count:
            entries.append(TodoEntry(source.key, str(source.label), count, _url(source.url_name)))
    return entries


def todo_count(user) -> int:
    return sum(entry.count for entry in todo_entries(user))
