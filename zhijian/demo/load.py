"""Writing the synthetic city fast (``generate_city`` calls ``load_city``).

Two processes share the work on a machine with two cores or more: a worker process (forked,
so it inherits the prepared :class:`~zhijian.demo.city.CityGenerator`) makes the rows chunk
by chunk and hands them over as marshalled files in a temporary directory; this process
writes them (SQLite has one writer), ``TRANSACTION_CHUNKS`` chunks per transaction. The
worker runs at most ``AHEAD`` chunks ahead. The rows are the same as those made in this
process: one generator, one random sequence, the same order.

SQLite, for the duration of the load only (all restored at exit, also on error):

- the secondary indexes of the registry tables are dropped and re-created from their stored
  definitions at the end (a sorted build instead of millions of random B-tree inserts); the
  unique constraints stay (SQLite keeps them in the table definition);
- ``SQLITE_PRAGMAS``: ``foreign_keys`` off (the rows reference their parents by
  construction; ``tests/demo`` checks them), ``synchronous`` off (the journal stays: a failed
  load rolls back), a 1 GiB page cache, temporary data in memory; ``INDEX_BUILD_PRAGMAS``
  for the index builds at the end;
- the search index is filled during the load: see ``zhijian.demo.search_fill``.

PostgreSQL: ``zhijian.registry.search.bulk_loading`` (the search index is built once at the
end), sequences reset after the explicit ids.

``CityResult.phases`` says where the time went: ``generate`` (making the rows, in the worker
when there is one; ``generate_cpu`` its processor time), ``receive`` (waiting for, reading and
decoding the worker's chunks), ``write`` (``write_cpu``), then ``indexes`` and
``search_index`` (the index builds and the search index's final merge after the load).
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import time
import traceback
from contextlib import closing, contextmanager
from itertools import chain

from django.db import connections, transaction

from zhijian.registry import models as rm

from . import search_fill
from .city import ENTITY, FIELDS, ORDER, CityGenerator, CityResult

PARALLEL_MIN = 20_000  # entities from which the rows are made in a worker process
AHEAD = 8  # chunks the worker may run ahead of the writer
TRANSACTION_CHUNKS = 4  # chunks written per transaction
MULTI_ROWS = 500  # rows per INSERT statement (SQLite)
SQLITE_MAX_VARIABLES = 32766  # SQLite ≥ 3.32
SQLITE_PRAGMAS = {
    "foreign_keys": "OFF",
    "synchronous": "OFF",
    # The unique indexes that stay take random keys (USCC, ID number): keep them in memory.
    "cache_size": "-1048576",  # 1 GiB
    "temp_store": "MEMORY",
    "threads": "0",
}
# For the index builds: SQLite sorts in runs of the cache's size; runs of 64 MB sort faster
# than one run of up to 512 MB (measured at 1 M entities: about a third less time), and two
# helper threads may sort them while the row worker's core is idle.
INDEX_BUILD_PRAGMAS = {"cache_size": "-65536", "threads": "2"}
OUTSIDE_TRANSACTION = {"foreign_keys", "synchronous", "temp_store"}  # not inside one


def load_city(
    n, seed, *, today=None, progress=None, using="default", parallel=None, fill_search=True
):
    """Generate and write ``n`` entities; returns the :class:`CityResult`.

    ``fill_search=False``: leave the search index to ``bulk_loading`` (rebuilt at the end;
    for comparisons).
    """
    start = time.perf_counter()
    connection = connections[using]
    generator = CityGenerator(n, seed, today=today, using=using)
    if parallel is None:
        parallel = n >= PARALLEL_MIN and (os.cpu_count() or 1) > 1
    fill_search = fill_search and search_fill.fills_in_pipeline(connection)
    writer = Writer(connection)
    phases: dict[str, float] = {}
    chunks = _chunks(generator, fill_search)
    source = WorkerSource(generator, chunks) if parallel else LocalSource(generator, chunks)

    def write(batch):
        writer.write(batch)
        if progress and batch:
            progress(writer.counts[ENTITY], n, time.perf_counter() - start)

    # closing(): on an error the worker is stopped at once, not when the traceback goes.
    with load_session(connection, phases, fill_search), closing(iter(source)) as received:
        batch = []
        for rows in received:
            batch.append(rows)
            if len(batch) == TRANSACTION_CHUNKS:
                write(batch)
                batch = []
        write(batch)
        phases.update(
            generate=source.seconds,
            generate_cpu=source.cpu,
            receive=source.received,
            write=writer.seconds,
            write_cpu=writer.cpu,
        )
    writer.reset_sequences()
    seconds = time.perf_counter() - start
    counts = {
        model._meta.model_name: count for model, count in zip(ORDER, writer.counts, strict=True)
    }
    result = CityResult(n, seed, counts, seconds, source.ground_truth, phases=phases)
    return result


class Writer:
    """Writes chunks of rows (one list of tuples per table of ``ORDER``, optionally followed
    by the search documents) in one transaction per call.

    SQLite: multi-row ``INSERT … VALUES (…), (…), …`` statements of up to ``MULTI_ROWS``
    rows on the DB-API connection (a fifth cheaper than one statement per row); elsewhere
    ``executemany``.
    """

    def __init__(self, connection):
        self.connection = connection
        self.sqlite = connection.vendor == "sqlite"
        quote = connection.ops.quote_name
        self.heads = []  # INSERT INTO table (columns) VALUES
        self.widths = []
        for model in ORDER:
            names = FIELDS[model]
            cols = ", ".join(quote(model._meta.get_field(name).column) for name in names)
            table = quote(model._meta.db_table)
            self.heads.append(f"INSERT INTO {table} ({cols}) VALUES ")  # noqa: S608
            self.widths.append(len(names))
        self.heads.append(search_fill.INSERT_HEAD)  # an optional last list: search documents
        self.widths.append(search_fill.INSERT_WIDTH)
        self.sql = [
            head + _marks(width, "%s") for head, width in zip(self.heads, self.widths, strict=True)
        ]
        self.counts = [0] * len(ORDER)
        self.seconds = 0.0
        self.cpu = 0.0

    def write(self, chunks: list[list[list[tuple]]]) -> None:
        """Write the chunks in one transaction, parents first within each chunk."""
        if not chunks:
            return
        start, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            for chunk in chunks:
                for table, rows in enumerate(chunk[: len(ORDER)]):
                    if not rows:
                        continue
                    if self.sqlite:
                        self._insert_sqlite(cursor.connection, table, rows)
                    else:
                        cursor.executemany(self.sql[table], rows)
            # The search documents last, one statement per row (see search_fill.INSERT_HEAD).
            for chunk in chunks:
                for rows in chunk[len(ORDER) :]:
                    cursor.executemany(self.sql[len(ORDER)], rows)
        for chunk in chunks:
            for table, rows in enumerate(chunk[: len(ORDER)]):
                self.counts[table] += len(rows)
        self.seconds += time.perf_counter() - start
        self.cpu += time.process_time() - cpu

    def _insert_sqlite(self, raw, table: int, rows: list[tuple]) -> None:
        width = self.widths[table]
        size = max(1, min(MULTI_ROWS, SQLITE_MAX_VARIABLES // width))
        whole = len(rows) - len(rows) % size
        if whole:
            sql = self.heads[table] + ", ".join([_marks(width, "?")] * size)
            for i in range(0, whole, size):
                raw.execute(sql, list(chain.from_iterable(rows[i : i + size])))
        if whole < len(rows):
            raw.executemany(self.heads[table] + _marks(width, "?"), rows[whole:])

    def reset_sequences(self) -> None:
        if self.connection.vendor == "sqlite":
            return  # SQLite's AUTOINCREMENT follows the explicit ids by itself
        from django.core.management.color import no_style

        statements = self.connection.ops.sequence_reset_sql(no_style(), list(ORDER))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---------------------------------------------------------------------------- row sources


_SEARCH_COLUMNS = tuple(
    FIELDS[rm.Entity].index(name) for name in ("id", "name", "legal_rep_name", "address", "unit")
)


def _chunks(generator: CityGenerator, fill_search: bool):
    """The generator's chunks, each with the search documents of its entities if asked."""
    for rows in generator.chunks():
        if fill_search:
            rows.append(search_fill.documents(rows[ENTITY], _SEARCH_COLUMNS))
        yield rows


class LocalSource:
    """The generator's chunks, made in this process."""

    def __init__(self, generator: CityGenerator, chunks):
        self.generator = generator
        self.chunks = chunks
        self.seconds = 0.0  # spent making rows
        self.cpu = 0.0
        self.received = 0.0  # (nothing to receive)
        self.ground_truth: dict = {}

    def __iter__(self):
        while True:
            start, cpu = time.perf_counter(), time.process_time()
            rows = next(self.chunks, None)
            self.seconds += time.perf_counter() - start
            self.cpu += time.process_time() - cpu
            if rows is None:
                break
            yield rows
        self.ground_truth = self.generator.ground_truth()


class WorkerSource:
    """The generator's chunks, made in a forked worker process."""

    def __init__(self, generator: CityGenerator, chunks):
        self.generator = generator
        self.chunks = chunks
        self.seconds = 0.0  # the worker's time making rows (reported at its end)
        self.cpu = 0.0  # the worker's processor time
        self.received = 0.0  # this process's time waiting for, reading and decoding chunks
        self.ground_truth: dict = {}

    def __iter__(self):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        slots = context.Semaphore(AHEAD)
        directory = tempfile.mkdtemp(prefix="zhijian-demo-")
        worker = context.Process(
            target=_produce,
            args=(self.generator, self.chunks, sender, slots, directory),
            name="zhijian-demo-rows",
            daemon=True,
        )
        worker.start()
        sender.close()
        try:
            yield from self._receive(receiver, slots)
        finally:
            if worker.is_alive():
                worker.terminate()
            worker.join()
            receiver.close()
            shutil.rmtree(directory, ignore_errors=True)

    def _receive(self, receiver, slots):
        while True:
            start = time.perf_counter()
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("演示城市生成进程意外退出 / the row worker died") from None
            if kind == "chunk":
                with open(payload, "rb") as file:
                    data = file.read()
                os.unlink(payload)
                slots.release()
                rows = _decode(data)
                self.received += time.perf_counter() - start
                yield rows
            elif kind == "done":
                self.ground_truth, self.seconds, self.cpu = payload
                return
            else:
                raise RuntimeError(f"演示城市生成失败 / the row worker failed:\n{payload}")


def _produce(generator: CityGenerator, chunks, sender, slots, directory: str) -> None:
    """The worker: make the chunks, write each to a file, tell the writer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    _forbid_database()
    try:
        busy = 0.0
        for number in range(1 << 62):
            start = time.perf_counter()
            rows = next(chunks, None)
            if rows is None:
                break
            data = _encode(rows)
            busy += time.perf_counter() - start
            slots.acquire()
            path = os.path.join(directory, f"{number}.rows")
            with open(path, "wb") as file:
                file.write(data)
            sender.send(("chunk", path))
        sender.send(("done", (generator.ground_truth(), busy, time.process_time())))
    except BaseException:  # noqa: BLE001 - reported to the writer, which raises
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _encode(rows) -> bytes:
    """marshal (fast) when the rows hold only plain values; pickle otherwise (PostgreSQL
    rows carry datetimes)."""
    try:
        return b"M" + marshal.dumps(rows)
    except ValueError:
        return b"P" + pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes):
    body = memoryview(data)[1:]
    if data[:1] == b"M":
        return marshal.loads(body)  # noqa: S302 - our own worker's file
    return pickle.loads(body)  # noqa: S301 - our own worker's file


def _forbid_database() -> None:
    """In the worker: the inherited connections belong to the writer; any use is a bug."""

    def refuse(*args, **kwargs):
        raise RuntimeError("the demo row worker must not use the database")

    for connection in connections.all(initialized_only=True):
        connection.ensure_connection = refuse


# ---------------------------------------------------------------------------- the session


class _Clock:
    """Times the phases after the load: each ``lap`` since the previous mark."""

    def __init__(self, phases: dict[str, float]):
        self.phases = phases
        self.last = time.perf_counter()

    @contextmanager
    def mark_at_exit(self):
        try:
            yield
        finally:
            self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = now - self.last
        self.last = now


@contextmanager
def load_session(connection, phases: dict[str, float], fill_search: bool = True):
    """Fast-load settings for the registry tables on ``connection`` (see the module
    docstring); everything is restored at exit, also when the load fails. Records the time
    of the index builds at the end in ``phases``."""
    clock = _Clock(phases)
    if connection.vendor != "sqlite":
        with search_fill.search_loading(connection), clock.mark_at_exit():
            yield
        clock.lap("search_index")
        return
    with _sqlite_pragmas(connection), search_fill.search_loading(connection, fill=fill_search):
        with _without_secondary_indexes(connection), clock.mark_at_exit():
            yield
        clock.lap("indexes")
    clock.lap("search_index")


@contextmanager
def _sqlite_pragmas(connection):
    """Set ``SQLITE_PRAGMAS`` for the load, restore the previous values at exit (also those
    changed for the index builds). Inside a transaction (tests) SQLite keeps
    ``OUTSIDE_TRANSACTION`` as they are."""
    names = [
        name
        for name in SQLITE_PRAGMAS
        if not (connection.in_atomic_block and name in OUTSIDE_TRANSACTION)
    ]
    with connection.cursor() as cursor:
        saved = {}
        for name in names:
            cursor.execute(f"PRAGMA {name}")
            saved[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {SQLITE_PRAGMAS[name]}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _marks(width: int, mark: str) -> str:
    return "(" + ", ".join([mark] * width) + ")"


def registry_tables() -> list[str]:
    return [model._meta.db_table for model in ORDER]


def secondary_indexes(connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the droppable indexes of the registry tables."""
    tables = registry_tables()
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({marks}) ORDER BY tbl_name, name",
            tables,
        )
        return cursor.fetchall()


@contextmanager
def _without_secondary_indexes(connection):
    """Drop the secondary indexes of the registry tables; re-create them at exit (with
    ``INDEX_BUILD_PRAGMAS``)."""
    saved = secondary_indexes(connection)
    with connection.cursor() as cursor:
        for name, _sql in saved:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in INDEX_BUILD_PRAGMAS.items():
                cursor.execute(f"PRAGMA {name} = {value}")
            for _name, sql in saved:
                cursor.execute(sql)
