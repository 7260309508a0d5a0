"""What other apps do after an import batch (导入后处理).

An app that reacts to imported rows registers a hook for a table from its
``AppConfig.ready()`` (the exchange app imports none of them; dependencies point here)::

    hooks.register("entities", after_entities, "双告知", remedy="可运行 … 补做")

or, as a decorator, ``@hooks.after_import("entities", "双告知")``.

``run_after_import(batch)`` is called by ``services.run_batch`` once a batch has ended with
status ``done``, outside the import's chunk transactions: every committed row is visible and
the batch is already saved as done. Each hook is called with the batch and runs on its own:

* it may return a short note (Chinese), appended to the batch message;
* when it raises, the error is logged (``logger.exception``) and a Chinese note naming the hook,
  the error and the remedy is appended instead. The import stays done and its rows stay
  committed; the other hooks still run.

A hook writes in its own transactions; what it committed before failing stays (hooks must be
idempotent, so that the remedy, usually re-running the app's own command, converges).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ImportBatch

logger = logging.getLogger(__name__)

MESSAGE_CHARS = 300  # of an error's text in the batch message

Remedy = str | Callable[["ImportBatch"], str]


@dataclass(frozen=True)
class Hook:
    table: str
    fn: Callable[[ImportBatch], str | None]
    name: str  # shown to the user: 导入后处理“{name}”失败
    remedy: Remedy = ""

    def remedy_text(self, batch: ImportBatch) -> str:
        return self.remedy(batch) if callable(self.remedy) else self.remedy


_hooks: dict[str, dict[str, Hook]] = {}  # table → name → hook, in registration order


def register(table: str, fn: Callable, name: str, *, remedy: Remedy = "") -> Callable:
    """Call ``fn(batch)`` after every finished import of ``table``. Registering again under
    the same name replaces the hook (``ready()`` may run twice). Returns ``fn``."""
    _hooks.setdefault(table, {})[name] = Hook(table, fn, name, remedy)
    return fn


def after_import(table: str, name: str = "", *, remedy: Remedy = "") -> Callable:
    """Decorator form of ``register`` (the name defaults to the function's)."""

    def decorate(fn: Callable) -> Callable:
        return register(table, fn, name or fn.__qualname__, remedy=remedy)

    return decorate


def unregister(table: str, name: str) -> None:
    _hooks.get(table, {}).pop(name, None)


def hooks_for(table: str) -> list[Hook]:
    return list(_hooks.get(table, {}).values())


def run_after_import(batch: ImportBatch) -> list[str]:
    """Run the hooks of ``batch.table`` (only for a batch that is done); append their notes to
    the batch message and save it. Never raises for a failing hook. Returns the notes."""
    from .models import ImportBatch

    if batch.status != ImportBatch.Status.DONE:
        return []
    notes = []
    for hook in hooks_for(batch.table):
        try:
            note = hook.fn(batch)
        except Exception as exc:  # a failing hook must not fail the import
            logger.exception("import hook %r failed for batch %s", hook.name, batch.pk)
            note = _failure_note(hook, batch, exc)
        if note:
            notes.append(str(note))
    if notes:
        batch.message = "；".join(part for part in (batch.message, *notes) if part)
        try:
            batch.save(update_fields=["message", "updated_at"])
        except Exception:  # the import is done and saved; only the notes are lost
            logger.exception("notes of the import hooks not saved for batch %s", batch.pk)
    return notes


def _failure_note(hook: Hook, batch: ImportBatch, exc: Exception) -> str:
    reason = f"{type(exc).__name__}: {exc}"[:MESSAGE_CHARS]
    try:
        remedy = hook.remedy_text(batch)
    except Exception:
        logger.exception("remedy text of import hook %r failed", hook.name)
        remedy = ""
    note = f"导入后处理“{hook.name}”失败：{reason}"
    return f"{note}；{remedy}" if remedy else note
