"""Running an import's validation in a second process, beside the database writes.

An import is two kinds of work: reading and validating rows (pure Python: CSV parsing, the
parsers of specs.py, locating addresses, search documents) and writing them (SQLite or
PostgreSQL statements). ``Forked(items)`` runs the first kind in a forked child process while
the calling process writes: the child iterates ``items`` (a generator over the file that
validates part by part) and sends each item through a pipe; the parent receives them in
order. Items travel as files of a private temporary folder (the pipe carries only their
numbers), so the child works up to ``AHEAD`` items (about one chunk) ahead while the parent
commits or pauses, and never further (disk and memory stay bounded).

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
import os
import pickle
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_ITEM, _ERROR, _END = range(3)
AHEAD = 10  # parts the child may be ahead of the caller (~20,000 rows, ~20 MB)


def can_fork(threads: bool = True) -> bool:
    """Forking is available (and, with ``threads``, this process has a single thread)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not threads or threading.active_count() == 1


class Forked(Iterator[T]):
    """The items of ``items``, computed in a forked child process; ``close()`` ends it.

    The child writes each pickled item to a file of a private temporary folder and sends
    only its number through the pipe, so it never waits for the parent to read (a 2,000-row
    part is about 2 MB, far more than a pipe holds): it works up to ``AHEAD`` items ahead
    while the parent commits or pauses. A semaphore bounds that lead (memory and disk stay
    bounded); no thread is involved on either side.
    """

    def __init__(self, items: Iterator[T]):
        context = multiprocessing.get_context("fork")
        self._folder = Path(tempfile.mkdtemp(prefix="zhijian-import-"))
        self._slots = context.BoundedSemaphore(AHEAD)
        self._receiver, sender = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_produce,
            args=(items, sender, self._receiver, self._folder, self._slots),
            daemon=True,
        )
        self._child.start()
        sender.close()
        self._ended = False  # the child's end (or an error) has been received

    def __next__(self) -> T:
        if self._ended:
            raise StopIteration
        try:
            kind, payload = self._receiver.recv()
        except EOFError:
            self._ended = True
            self._child.join(5)
            raise RuntimeError(
                f"the validation process ended unexpectedly (exit code {self._child.exitcode})"
            ) from None
        if kind == _ITEM:
            path = self._folder / str(payload)
            item = pickle.loads(path.read_bytes())  # noqa: S301 (our own child's data)
            path.unlink()
            self._slots.release()
            return item
        self._ended = True
        if kind == _ERROR:
            raise payload
        raise StopIteration

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``; the child goes on meanwhile (up to ``AHEAD`` items ahead)."""
        time.sleep(max(0.0, seconds))

    def close(self) -> None:
        if self._child is None:
            return
        self._receiver.close()
        if self._child.is_alive():
            self._child.kill()
        self._child.join()
        self._child = None
        shutil.rmtree(self._folder, ignore_errors=True)


def _produce(items: Iterator, sender, receiver, folder: Path, slots) -> None:
    """The child: write every item to ``folder`` and send its number, then the end (or the
    exception that stopped it). Stops when the parent is gone (pipe closed, or no slot freed
    while the parent process no longer exists)."""
    receiver.close()
    _forbid_database()
    parent = os.getppid()
    try:
        try:
            for number, item in enumerate(items):
                while not slots.acquire(timeout=1):
                    if os.getppid() != parent:
                        return  # the parent was killed
                data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
                (folder / str(number)).write_bytes(data)
                sender.send((_ITEM, number))
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
