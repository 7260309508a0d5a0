"""Writing the register in bulk: upserts by key for the importer (``zhijian.exchange``).

Every function takes rows that are already validated (dicts keyed by the English field names
of the exchange format, values parsed) and writes them with one
``INSERT … ON CONFLICT (key) DO UPDATE`` statement run with ``executemany`` per model (the SQL
that ``bulk_create(update_conflicts=True)`` emits, on SQLite and PostgreSQL alike, without its
per-value overhead; see ``_Writer``): re-sending a row
updates the record, never duplicates it. Callers run each call inside their own transaction.

Only the columns present in the file are updated on existing records (``columns``), plus what
is derived on every write (unit, location, entity link, provenance), so a department that sends
a subset of the columns does not blank the others.

Bulk writes send no signals, so they write no per-record audit entries: the importer records
one audit entry per batch.

Where records belong (``unit``): an entity goes to the unit ``location.locate`` finds from its
address (else the given district, else its USCC); a record of an entity goes where the entity
is; a penalty without an entity (a natural person) and a complaint about an unknown respondent
go where their address points (complaints only) or else to the importing unit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from .location import locate
from .models import (
    AnnualReport,
    ComplaintRecord,
    CreditListing,
    Entity,
    EntityPerson,
    InspectionRecord,
    Licence,
    PenaltyRecord,
    Person,
    Sampling,
)

QUERY_CHUNK = 500

# exchange field -> model field, where they differ
FIELD_NAMES = {
    "uscc": "entity",
    "district": "district_code",
    "legal_rep_id": "legal_rep",
    "list": "list_type",
    "id_number": "person",
}


def entity_refs(usccs: Iterable[str]) -> dict[str, tuple[int, int]]:
    """{uscc: (entity pk, unit id)} for the codes that exist."""
    codes = sorted({code for code in usccs if code})
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(codes), QUERY_CHUNK):
        part = codes[start : start + QUERY_CHUNK]
        for code, pk, unit_id in Entity.objects.filter(uscc__in=part).values_list(
            "uscc", "pk", "unit_id"
        ):
            found[code] = (pk, unit_id)
    return found


class _Writer:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` with ``executemany`` for one model and key.

    ``bulk_create(update_conflicts=True)`` does the same but prepares every value of every
    object through the field API (about 70 µs per 20-column row); here rows are plain dicts
    keyed by attribute name, and only dates, date-times and decimals are adapted (through
    ``connection.ops``, as the field API would). Columns missing from a row get the field's default; ``created_at``
    and ``updated_at`` are set here (bulk writes bypass ``auto_now``).
    """

    CONVERTED = {"DateField", "DateTimeField", "DecimalField", "TimeField", "JSONField"}

    def __init__(self, model: type[Model], unique: list[str], update: set[str]):
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        unique_columns = [meta.get_field(name).column for name in unique]
        update_columns = {meta.get_field(name).column for name in update} - set(unique_columns)
        update_columns |= {"source", "batch_id", "updated_at"}
        columns = [f.column for f in self.fields]
        # Identifiers come from the model's meta, quoted; values are parameters.
        self.sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(quote(c) for c in unique_columns)}) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c in update_columns)
        )
        self.defaults = []
        for f in self.fields:
            default = f.get_default() if f.has_default() else (None if f.null else "")
            if (
                f.get_internal_type() in ("ForeignKey", "DateField", "DecimalField")
                and not f.has_default()
            ):
                default = None
            self.defaults.append((f.attname, default))
        ops = connection.ops
        adapters = {
            "DateField": ops.adapt_datefield_value,
            "DateTimeField": ops.adapt_datetimefield_value,
            "DecimalField": ops.adapt_decimalfield_value,
        }
        self.converters = []
        self.stamps = []
        for i, f in enumerate(self.fields):
            kind = f.get_internal_type()
            if f.attname in ("created_at", "updated_at"):
                self.stamps.append(i)
            elif kind in adapters:
                self.converters.append((i, adapters[kind]))
            elif kind in self.CONVERTED:
                self.converters.append((i, lambda v, f=f: f.get_db_prep_save(v, connection)))

    def write(self, rows: list[dict]) -> None:
        if not rows:
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = []
        defaults = self.defaults
        converters = self.converters
        stamps = self.stamps
        for row in rows:
            values = [row.get(name, default) for name, default in defaults]
            for i, adapt in converters:
                value = values[i]
                if value is not None:
                    values[i] = adapt(value)
            for i in stamps:
                values[i] = now
            params.append(values)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -131072")  # 128 MB page cache for bulk writes
            cursor.executemany(self.sql, params)


def _upsert(model: type[Model], rows: list[dict], unique: list[str], update: set[str]) -> None:
    _Writer(model, unique, update).write(rows)


def _update_fields(columns: Iterable[str], *, skip: Iterable[str] = ()) -> set[str]:
    skipped = set(skip)
    return {FIELD_NAMES.get(c, c) for c in columns if c not in skipped}


def upsert_persons(people: dict[str, str], *, source: str, batch_id: int | None) -> dict[str, int]:
    """Upsert natural persons {id_number: name}; returns {id_number: pk}."""
    objects = [
        {
            "id_number": number,
            "name": name,
            "id_is_citizen": len(number) == 18,
            "source": source,
            "batch_id": batch_id,
        }
        for number, name in people.items()
    ]
    _upsert(Person, objects, ["id_number"], {"name", "id_is_citizen"})
    numbers = sorted(people)
    pks: dict[str, int] = {}
    for start in range(0, len(numbers), QUERY_CHUNK):
        pks.update(
            Person.objects.filter(id_number__in=numbers[start : start + QUERY_CHUNK]).values_list(
                "id_number", "pk"
            )
        )
    return pks


def upsert_entities(
    rows: list[dict], *, columns: set[str], source: str, batch_id: int | None
) -> None:
    people = {row["legal_rep_id"]: row["legal_rep_name"] for row in rows if row.get("legal_rep_id")}
    person_pks = upsert_persons(people, source=source, batch_id=batch_id) if people else {}
    objects = []
    for row in rows:
        where = locate(row["address"], row["uscc"], row.get("district") or "")
        rep = row.get("legal_rep_id")
        values = {k: v for k, v in row.items() if k not in ("district", "legal_rep_id")}
        values.update(
            currency=row.get("currency") or "CNY",
            legal_rep_id=person_pks.get(rep) if rep else None,
            district_code=where.district_code,
            street_code=where.street_code,
            location_source=where.source,
            unit_id=where.unit_id,
            source=source,
            batch_id=batch_id,
        )
        objects.append(values)
    update = _update_fields(columns, skip=("uscc", "district"))
    update |= {"district_code", "street_code", "location_source", "unit"}
    _upsert(Entity, objects, ["uscc"], update)


def upsert_entity_persons(
    rows: list[dict],
    refs: dict[str, tuple[int, int]],
    *,
    columns: set[str],
    source: str,
    batch_id: int | None,
) -> None:
    people = {row["id_number"]: row["name"] for row in rows}
    person_pks = upsert_persons(people, source=source, batch_id=batch_id)
    objects = []
    for row in rows:
        entity_id, unit_id = refs[row["uscc"]]
        objects.append(
            {
                "entity_id": entity_id,
                "person_id": person_pks[row["id_number"]],
                "role": row["role"],
                "subscribed_capital": row.get("subscribed_capital"),
                "unit_id": unit_id,
                "source": source,
                "batch_id": batch_id,
            }
        )
    update = _update_fields(columns, skip=("uscc", "id_number", "name", "role")) | {"unit"}
    _upsert(EntityPerson, objects, ["entity", "person", "role"], update)


# table -> (model, unique fields); rows carry "uscc" resolved through refs
RECORD_TABLES: dict[str, tuple[type[Model], list[str]]] = {
    "licences": (Licence, ["number"]),
    "annual_reports": (AnnualReport, ["entity", "year"]),
    "inspections": (InspectionRecord, ["number"]),
    "penalties": (PenaltyRecord, ["number"]),
    "complaints": (ComplaintRecord, ["number"]),
    "samplings": (Sampling, ["number"]),
    "credit_listings": (CreditListing, ["entity", "list_type", "listed_on"]),
}


def upsert_records(
    table: str,
    rows: list[dict],
    refs: dict[str, tuple[int, int]],
    *,
    columns: set[str],
    source: str,
    batch_id: int | None,
    default_unit_id: int,
) -> None:
    """Upsert rows of one of the entity-record tables (licences … credit listings)."""
    model, unique = RECORD_TABLES[table]
    objects = []
    for row in rows:
        values = {FIELD_NAMES.get(k, k): v for k, v in row.items() if k != "uscc"}
        code = row.get("respondent_uscc") if table == "complaints" else row.get("uscc")
        ref = refs.get(code) if code else None
        if ref is not None:
            values["entity_id"], values["unit_id"] = ref
        else:
            values["entity_id"] = None
            unit_id = None
            if table == "complaints" and row.get("address"):
                where = locate(row["address"])
                unit_id = where.unit_id if where.source != "none" else None
            values["unit_id"] = unit_id or default_unit_id
        values["source"] = source
        values["batch_id"] = batch_id
        objects.append(values)
    update = _update_fields(columns, skip=("uscc",)) | {"entity", "unit"}
    _upsert(model, objects, unique, update)
