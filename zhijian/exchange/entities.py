# ruff: noqa: S608  (SQL built from the model's quoted names; values are parameters)
"""Writing validated rows of table 1 (market entities) in bulk, search index included.

The importer (``services.Importer``) hands every valid row to ``EntityWriter.prepare`` while
validating (possibly in the validation process, see ``pipeline.py``: no database access
there) and the prepared rows, part by part, to ``EntityWriter.write`` inside the chunk's
transaction and ``EntityWriter.writing()``. Semantics are those of ``registry.services.upsert_entities``: an upsert by USCC
(re-sending updates, never duplicates); on existing entities only the columns present in the
file are updated, plus location and provenance; the legal representative is upserted as a
``Person`` by ID number.

``prepare`` does the per-row work that needs no database: the location of the address
(``location.locate``), the column values in insert order, adapted for the database, and on
SQLite the search documents (``registry.indexing``).

``write`` on SQLite (the chunk holds the database's write lock from its first statement,
``IMMEDIATE`` transactions, so nobody else inserts meanwhile):

1. persons: one query per part finds the ID numbers not seen yet in the chunk; new ones are
   inserted; at the end of the chunk changed names are updated (the last name given wins)
   and every person of the chunk gets the batch's provenance;
2. entities: one query finds the USCCs already registered (with their indexed values); new
   ones are inserted with a plain ``INSERT`` and the ids ``AUTOINCREMENT`` would give them
   (the upsert form costs SQLite about three times as much per row, for its foreign-key
   bookkeeping), existing ones are updated only where a value differs (an unchanged row
   rewrites none of its 15 indexes), and all of them get the batch's provenance;
3. the search index: the row triggers are suspended for the chunk and the chunk is indexed
   set-wise (new entities; existing ones whose name, legal representative, address or unit
   changed).

On PostgreSQL (concurrent writers may insert the same USCC at any time) the chunk is one
``INSERT … ON CONFLICT (uscc) DO UPDATE`` and persons go through
``registry.services.upsert_persons``; the search index is the database's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from zhijian.registry import indexing, location
from zhijian.registry import services as registry
from zhijian.registry.models import Entity, Person

# Entity columns not taken from the row: derived here, or filled at write time.
LOCATION_COLUMNS = ("unit_id", "district_code", "street_code", "location_source")
PROVENANCE_COLUMNS = ("source", "batch_id")
WRITE_TIME_COLUMNS = ("legal_rep_id", "created_at", "updated_at")
NOT_FROM_ROW = {*LOCATION_COLUMNS, *PROVENANCE_COLUMNS, *WRITE_TIME_COLUMNS}
SEARCH_COLUMNS = ("name", "legal_rep_name", "address", "unit_id")
UNIQUE_COLUMNS = {"uscc", "name", "address", "phone"}  # values that rarely repeat
REMEMBERED_NAMES = 100_000  # search documents of legal representatives' names kept


def _defaults(model: type[Model]) -> dict[str, object]:
    """attname → value for a column missing from a row (as ``registry.services._Writer``)."""
    defaults = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        default = f.get_default() if f.has_default() else (None if f.null else "")
        if (
            f.get_internal_type() in ("ForeignKey", "DateField", "DecimalField")
            and not f.has_default()
        ):
            default = None
        defaults[f.attname] = default
    return defaults


def _adapters(model: type[Model]) -> dict[str, object]:
    """attname → the adaptation ``registry.services._Writer`` applies (on SQLite, decimals
    become text here, as the sqlite3 module's adapter would turn them when binding)."""
    ops = connection.ops
    decimal = str if connection.vendor == "sqlite" else ops.adapt_decimalfield_value
    by_type = {"DateField": ops.adapt_datefield_value, "DecimalField": decimal}
    return {
        f.attname: by_type[f.get_internal_type()]
        for f in model._meta.concrete_fields
        if f.get_internal_type() in by_type
    }


def _json(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _in_list(column: str) -> str:
    """``column IN (…)`` with one JSON parameter, however many values (SQLite)."""
    return f"{column} IN (SELECT value FROM json_each(%s))"


class EntityWriter:
    """The entity rows of one import batch (``columns``: the exchange fields of the file)."""

    def __init__(self, columns: set[str], source: str, batch_id: int | None):
        self.source = source
        self.batch_id = batch_id
        self.sqlite = connection.vendor == "sqlite"
        defaults = _defaults(Entity)
        adapters = _adapters(Entity)
        row_columns = [c for c in defaults if c not in NOT_FROM_ROW]
        # A valid row holds every field of the file; the others get their defaults.
        self.absent = {c: defaults[c] for c in row_columns if c not in columns}
        self.from_row = itemgetter(*row_columns)
        self.adapters = [(i, adapters[c]) for i, c in enumerate(row_columns) if c in adapters]
        self.currency_at = row_columns.index("currency")
        self.repeating = [i for i, c in enumerate(row_columns) if c not in UNIQUE_COLUMNS]
        self.shared = {}
        self.rep_documents: dict[str, str | None] = {}
        self.suspended: frozenset[str] = frozenset()
        self.columns = [*row_columns, *LOCATION_COLUMNS, *PROVENANCE_COLUMNS, *WRITE_TIME_COLUMNS]
        position = {c: i for i, c in enumerate(self.columns)}
        self.uscc_at = position["uscc"]
        self.search_values = itemgetter(*(position[c] for c in SEARCH_COLUMNS))
        # An update sets the columns the file has, and the location (provenance separately).
        updated = {c for c in columns if c not in ("uscc", "district")} | set(LOCATION_COLUMNS)
        self.update_columns = [c for c in self.columns if c in updated]
        self.update_values = itemgetter(*(position[c] for c in self.update_columns))
        self.search_updated = tuple(c in updated for c in SEARCH_COLUMNS)
        self._sql()

    # --- SQL --------------------------------------------------------------------------------

    def _sql(self) -> None:
        quote = connection.ops.quote_name
        table = quote(Entity._meta.db_table)
        names = ", ".join(quote(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        provenance = [*PROVENANCE_COLUMNS, "updated_at"]
        if not self.sqlite:
            updated = {*self.update_columns, *provenance}
            self.insert_sql += " ON CONFLICT (uscc) DO UPDATE SET " + ", ".join(
                f"{quote(c)} = EXCLUDED.{quote(c)}" for c in self.columns if c in updated
            )
            return
        sets = ", ".join(f"{quote(c)} = %s" for c in self.update_columns)
        same = " AND ".join(f"{quote(c)} IS %s" for c in self.update_columns)
        self.update_sql = f"UPDATE {table} SET {sets} WHERE id = %s AND NOT ({same})"
        self.provenance_sql = (
            f"UPDATE {table} SET "
            + ", ".join(f"{quote(c)} = %s" for c in provenance)
            + f" WHERE {_in_list('id')}"
        )
        self.existing_sql = (
            f"SELECT uscc, id, name, legal_rep_name, address, unit_id FROM {table} "
            f"WHERE {_in_list('uscc')}"
        )
        self.insert_sql = f"INSERT INTO {table} (id, {names}) VALUES (%s, {marks})"
        self.next_id_sql = (
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0)) + 1"
        )

    # --- per row, no database ---------------------------------------------------------------

    def new_part(self) -> None:
        """Values that repeat (kind, status, dates …) become one object per part, which the
        pipe to the writing process then carries once (pickle refers to it again)."""
        self.shared: dict[str, str] = {}

    def prepare(self, row: dict) -> tuple:
        """A validated row → (its column values up to the write-time ones, the legal
        representative as (ID number, name) or None, its search documents or None)."""
        where = location.locate(row["address"], row["uscc"], row.get("district") or "")
        values = list(self.from_row({**self.absent, **row} if self.absent else row))
        for i, adapt in self.adapters:
            if values[i] is not None:
                values[i] = adapt(values[i])
        values[self.currency_at] = values[self.currency_at] or "CNY"
        share = self.shared.setdefault
        for i in self.repeating:
            value = values[i]
            if value.__class__ is str:
                values[i] = share(value, value)
        values += (where.unit_id, where.district_code, where.street_code, where.source)
        values += (self.source, self.batch_id)
        rep = row.get("legal_rep_id")
        person = (rep, row["legal_rep_name"]) if rep else None
        docs = self._python_documents(row, where.unit_id) if self.sqlite else None
        return tuple(values), person, docs

    def _python_documents(self, row: dict, unit_id: int) -> tuple | None:
        """The search documents; a legal representative's name repeats, so its document is
        remembered. ``None`` when a text needs SQLite (see ``indexing.python_document``)."""
        rep = row["legal_rep_name"]
        rep_doc = self.rep_documents.get(rep)
        if rep_doc is None:
            rep_doc = indexing.python_document(rep)
            if len(self.rep_documents) < REMEMBERED_NAMES:
                self.rep_documents[rep] = rep_doc
        docs = (
            indexing.python_document(row["name"]),
            rep_doc,
            indexing.python_document(row["address"]),
        )
        return None if None in docs else (*docs, indexing.unit_token(unit_id))

    # --- per chunk, inside its transaction --------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around the writes of one transaction: the search triggers are suspended (SQLite),
        and ``write`` indexes for those that were."""
        self.people = _People(self.source, self.batch_id)
        with indexing.row_triggers_suspended() as self.suspended:
            try:
                yield
                if self.sqlite:
                    self.people.finish(self._now())
            finally:
                self.suspended = frozenset()

    def write(self, records: list[tuple]) -> None:
        """Write prepared rows (inside ``writing()`` and a transaction)."""
        people = {person[0]: person[1] for _v, person, _d in records if person}
        now = self._now()
        if not self.sqlite:
            pks = registry.upsert_persons(people, source=self.source, batch_id=self.batch_id)
            rows = [values + (pks[p[0]] if p else None, now, now) for values, p, _d in records]
            with connection.cursor() as cursor:
                cursor.executemany(self.insert_sql, rows)
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")  # as registry.services: 128 MB
        pks = self.people.pks(people, now)
        uscc = itemgetter(self.uscc_at)
        existing = self._existing([uscc(values) for values, _p, _d in records])
        new = [r for r in records if uscc(r[0]) not in existing] if existing else records
        # New rows get the ids AUTOINCREMENT would give them (the chunk holds the write
        # lock), so that they are indexed without looking them up again.
        start = self._next_id()
        ids = range(start, start + len(new))
        if new:
            rows = [
                (i, *values, pks[p[0]] if p else None, now, now)
                for i, (values, p, _d) in zip(ids, new, strict=True)
            ]
            with connection.cursor() as cursor:
                cursor.executemany(self.insert_sql, rows)
        if new and indexing.INSERT_TRIGGER in self.suspended:
            indexing.insert_documents(
                (i, *(d or self._documents(values)))
                for i, (values, _p, d) in zip(ids, new, strict=True)
            )
        if existing:
            old = [
                (values + (pks[p[0]] if p else None, now, now), existing[uscc(values)])
                for values, p, _d in records
                if uscc(values) in existing
            ]
            self._update(old, now, index=indexing.UPDATE_TRIGGER in self.suspended)

    @staticmethod
    def _now():
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def _existing(self, usccs: list[str]) -> dict[str, tuple]:
        """uscc → (id, name, legal_rep_name, address, unit_id) of the registered ones."""
        with connection.cursor() as cursor:
            cursor.execute(self.existing_sql, [_json(usccs)])
            return {uscc: rest for uscc, *rest in cursor.fetchall()}

    def _next_id(self) -> int:
        """The id SQLite gives the next row: one more than the largest ever used."""
        with connection.cursor() as cursor:
            cursor.execute(self.next_id_sql, [Entity._meta.db_table])
            return cursor.fetchone()[0]

    def _update(self, old: list[tuple], now, *, index: bool) -> None:
        if not old:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                self.update_sql,
                [
                    (*self.update_values(row), known[0], *self.update_values(row))
                    for row, known in old
                ],
            )
            cursor.execute(
                self.provenance_sql, [self.source, self.batch_id, now, _json(k[0] for _r, k in old)]
            )
        if index:
            self._reindex(old)

    def _reindex(self, old: list[tuple]) -> None:
        """What the update trigger does, for the rows whose indexed values changed."""
        deleted, inserted = [], []
        for row, (pk, *was) in old:
            now = tuple(
                value if updated else before
                for value, before, updated in zip(
                    self.search_values(row), was, self.search_updated, strict=True
                )
            )
            if now != tuple(was):
                deleted.append((pk, *indexing.entity_documents(*was)))
                inserted.append((pk, *indexing.entity_documents(*now)))
        indexing.delete_documents(deleted)
        indexing.insert_documents(inserted)

    def _documents(self, values: tuple) -> tuple:
        return indexing.entity_documents(*self.search_values(values))


class _People:
    """The legal representatives written in one transaction (SQLite), upserted by ID number
    as ``registry.services.upsert_persons`` does for a whole chunk: the last name given for
    a number wins, and every person of the chunk gets the batch's provenance.

    Parts of the chunk only need the persons' ids (``pks``): the first sight of a number
    looks it up, or inserts it; names and provenance are settled once, at the end of the
    chunk (``finish``), so that a person named in every part is updated once.
    """

    def __init__(self, source: str, batch_id: int | None):
        self.source = source
        self.batch_id = batch_id
        self.table = connection.ops.quote_name(Person._meta.db_table)
        self.stored: dict[str, tuple[int, str, bool]] = {}  # number → (pk, name, citizen)
        self.wanted: dict[str, str] = {}  # number → the name to keep

    def pks(self, people: dict[str, str], now) -> dict[str, int]:
        """{ID number: pk} for the persons {ID number: name} of a part."""
        unseen = [number for number in people if number not in self.stored]
        if unseen:
            self._look_up(unseen)
            new = [number for number in unseen if number not in self.stored]
            if new:
                self._insert(new, people, now)
                self._look_up(new)
        self.wanted.update(people)
        return {number: self.stored[number][0] for number in people}

    def finish(self, now) -> None:
        changed = [
            (name, len(number) == 18, self.stored[number][0])
            for number, name in self.wanted.items()
            if self.stored[number][1:] != (name, len(number) == 18)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self.table} SET name = %s, id_is_citizen = %s WHERE id = %s",
                changed,
            )
            cursor.execute(
                f"UPDATE {self.table} SET source = %s, batch_id = %s, updated_at = %s "
                f"WHERE {_in_list('id')}",
                [self.source, self.batch_id, now, _json(pk for pk, *_r in self.stored.values())],
            )

    def _look_up(self, numbers: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id_number, id, name, id_is_citizen FROM {self.table} "
                f"WHERE {_in_list('id_number')}",
                [_json(numbers)],
            )
            for number, pk, name, citizen in cursor.fetchall():
                self.stored[number] = (pk, name, bool(citizen))

    def _insert(self, numbers: list[str], people: dict[str, str], now) -> None:
        defaults = _defaults(Person)
        columns = list(defaults)
        rows = []
        for number in numbers:
            values = dict(
                defaults,
                id_number=number,
                name=people[number],
                id_is_citizen=len(number) == 18,
                source=self.source,
                batch_id=self.batch_id,
                created_at=now,
                updated_at=now,
            )
            rows.append([values[c] for c in columns])
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )
