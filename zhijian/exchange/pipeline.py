"""Running an import's validation in a second process, beside the database writes.

An import is two kinds of work: reading and validating rows (pure Python: CSV parsing, the
parsers of specs.py, locating addresses, search documents) and writing them (SQLite or
PostgreSQL statements). ``Forked(items)`` runs the first kind in a forked child process while
the calling process writes: the child iterates ``items`` (a generator over the file that
validates part by part) and sends each item through a pipe; the parent receives them in
order. The pipe holds little, so the child is never far ahead; ``pause()`` lets the parent
leave the database alone for a while and receive meanwhile, so the child goes on.

Rules that keep it simple and safe:

- The child never touches the database: everything it reads lazily from the database
  (dictionaries, the unit index, the address index) is loaded by the caller before the fork,
  and any query the child would make raises instead (``_forbid_database``), so a mistake
  fails loudly instead of sharing a connection between two processes. The child exits with
  ``os._exit`` (no finalisers: it never closes the parent's connections).
- An exception in the child (a ``FileError`` for a broken row, a bug) is sent in its place in
  the stream and raised in the parent, after the chunks before it, as if it had been raised
  there.
- When the parent stops early (an error while writing, a kill) the child is killed, or, if
  the parent was killed, finds its pipe closed at the next send and exits.
- Only a process with a single thread forks (the command line, benchmarks): forking a
  multi-threaded process (a web server thread) copies locks held by the other threads. See
  ``can_fork()``.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_ITEM, _ERROR, _END = range(3)


def can_fork(threads: bool = True) -> bool:
    """Forking is available (and, with ``threads``, this process has a single thread)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not threads or threading.active_count() == 1


class Forked(Iterator[T]):
    """The items of ``items``, computed in a forked child process; ``close()`` ends it."""

    def __init__(self, items: Iterator[T]):
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_produce, args=(items, sender, self._receiver), daemon=True
        )
        self._child.start()
        sender.close()
        self._ready: deque[T] = deque()
        self._ended = False  # the child sent its end (or an error)
        self._error: BaseException | None = None

    def __next__(self) -> T:
        if not self._ready:
            self._receive()
        if self._ready:
            return self._ready.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        raise StopIteration

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, receiving meanwhile what the child sends (so that it goes on)."""
        deadline = time.monotonic() + seconds
        while not self._ended and (left := deadline - time.monotonic()) > 0:
            if self._receiver.poll(left):
                self._receive()
        time.sleep(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        if self._child is None:
            return
        self._receiver.close()
        if not self._ended:
            self._child.kill()
        self._child.join()
        self._child = None

    def _receive(self) -> None:
        if self._ended:
            return
        try:
            kind, payload = self._receiver.recv()
        except EOFError:
            self._child.join(5)
            kind, payload = (
                _ERROR,
                RuntimeError(
                    f"the validation process ended unexpectedly (exit code {self._child.exitcode})"
                ),
            )
        if kind == _ITEM:
            self._ready.append(payload)
        else:
            self._ended = True
            self._error = payload if kind == _ERROR else None


def _produce(items: Iterator, sender, receiver) -> None:
    """The child: send every item, then the end (or the exception that stopped it)."""
    receiver.close()
    _forbid_database()
    try:
        try:
            for item in items:
                sender.send((_ITEM, item))
        except (BrokenPipeError, ConnectionResetError):
            return  # the parent is gone
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
            sender.send((_ERROR, _picklable(exc)))
            return
        sender.send((_END, None))
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        sender.close()


def _picklable(exc: BaseException) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own object, round-tripped)
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _forbid_database() -> None:
    from django.db import connections

    def refuse(execute, sql, params, many, context):
        raise RuntimeError("the validation process must not query the database")

    for connection in connections.all():
        connection.execute_wrappers.append(refuse)
