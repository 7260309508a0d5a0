"""Entity search: one function for the search page, the API and exports.

``search_entities(queryset, q, user=user)`` filters a queryset that already carries the data
scope (``Entity.objects.visible_to(user)``), annotates ``search_rank`` (0 exact name or USCC,
1 name starts with the query / USCC prefix, 2 any other match) and returns it ordered by
relevance; the ordering rule (exact first; broad queries newest registered first) is in the
function's docstring. A caller's explicit sort replaces it. Counts go through
``CappedPaginator`` (at most 10,000 + 1 rows are counted).

The query is split on white space; every term must match (AND):

- a USCC prefix (2–18 characters of the USCC alphabet, containing a digit) → an index range
  ``q <= uscc < q + '\\uffff'`` on the unique USCC index (both databases);
- any other term of two or more characters → a fragment of the name, the legal
  representative's name or the address, through the bigram index of migration 0002:
  SQLite: a phrase of the term's bigrams in the FTS5 table ``registry_entity_search``
  (consecutive bigrams in one column = the exact substring; no recheck needed); the table's
  fourth column holds the entity's unit (``u<id>``, migration 0003) so that the data scope
  of a district or station user is applied inside the index;
  PostgreSQL: ``registry_bigrams(doc) @> registry_bigrams(term)`` on the GIN index, rechecked
  with ``icontains`` on the three fields;
- a single character → ``icontains`` on the three fields (correct, not indexed).

Speed (SQLite, see bench/search.py): one pass over the index fetches at most
``BROAD_MATCHES`` + 1 matching ids. A narrow query (≤ ``BROAD_MATCHES``) is then an id list,
ranked and sorted in full; a broad one is a join driven by the FTS table in descending id
order, so the first page and the capped count stop early. A USCC prefix that no text
contains follows the (unit_id, uscc) / unique USCC index in USCC order.

The indexes are kept current by the database itself (SQLite triggers, a PostgreSQL expression
index), so single writes need nothing. Bulk loaders (the demo generator, importers) should
wrap their inserts in ``bulk_loading()``: the per-row triggers are dropped and the index is
rebuilt once at exit (about 5x faster loading). ``rebuild_search_index()`` rebuilds the
SQLite table after it has been dropped or restored from elsewhere.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_TERM = re.compile(rf"^[{USCC_ALPHABET}]{{2,18}}$")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
MAX_TERMS = 8
MAX_TERM_LENGTH = 100
TEXT_FIELDS = ("name", "legal_rep_name", "address")
SEARCH_ORDERING = ("search_rank", "-established_on", "-pk")


def split_terms(q: str) -> list[str]:
    terms = [t[:MAX_TERM_LENGTH] for t in (q or "").split()]
    return terms[:MAX_TERMS]


def is_uscc_term(term: str) -> bool:
    upper = term.upper()
    return bool(_USCC_TERM.match(upper)) and any(ch.isdigit() for ch in upper)


def bigram_tokens(term: str) -> list[str]:
    """The index tokens of a term: hex of each 2-character substring, ASCII lower-cased.

    Mirrors the SQL of migration 0002 (``hex(substr(lower(x), i, 2))``).
    """
    text = term.translate(_ASCII_LOWER)
    return [text[i : i + 2].encode("utf-8").hex() for i in range(len(text) - 1)]


def fts_phrase(term: str) -> str:
    """An FTS5 phrase for a term. The tokens are hex digits only, so nothing the user typed
    reaches the FTS5 query syntax (quotes, *, OR, NEAR, column filters are inert)."""
    return '"' + " ".join(bigram_tokens(term)) + '"'


def _uscc_condition(term: str) -> Q:
    upper = term.upper()
    return Q(uscc__gte=upper, uscc__lt=upper + "\uffff")


def _like_condition(term: str) -> Q:
    condition = Q()
    for field in TEXT_FIELDS:
        condition |= Q(**{f"{field}__icontains": term})
    return condition


BROAD_MATCHES = 2000  # index matches above which a text query is "broad" (SQLite)
MAX_SCOPE_UNITS = 200  # larger scopes (the city) are not narrowed inside the FTS index
SEARCH_TABLE = "registry_entity_search"


def _sqlite_match_expression(terms: list[str], scope_units: list[int] | None) -> str:
    match = " AND ".join(fts_phrase(t) for t in terms)
    if scope_units is not None:
        # Unit tokens are "u<id>": never a hex bigram token, so no column filter is needed
        # on the phrases.
        match += " AND unit : (" + " OR ".join(f"u{int(u)}" for u in scope_units) + ")"
    return match


def _sqlite_match_ids(match: str, limit: int) -> list[int]:
    """At most ``limit`` ids matching in the index (one pass; the ids of a narrow query are
    then used directly instead of evaluating the phrases again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s LIMIT %s",  # noqa: S608
            (match, limit),
        )
        return [row[0] for row in cursor.fetchall()]


def _ids_condition(ids: list[int]) -> Q:
    if connection.vendor != "sqlite":
        return Q(pk__in=ids)
    # One parameter however many ids (json_each is built into SQLite ≥ 3.38).
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),)))


def _sqlite_match(match: str) -> Q:
    return Q(
        pk__in=RawSQL(  # noqa: S611 (constant SQL; the match is a parameter)
            f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s",  # noqa: S608
            (match,),
        )
    )


def _pg_match(term: str, table: str) -> Q:
    # The GIN index is on exactly this expression (migration 0002); icontains rechecks.
    document = " || ' ' || ".join(f'"{table}"."{f}"' for f in TEXT_FIELDS)
    indexed = RawSQL(  # noqa: S611 (constant SQL; the term is a parameter)
        f"registry_bigrams({document}) @> registry_bigrams(%s)",
        (term,),
        output_field=BooleanField(),
    )
    return Q(indexed) & _like_condition(term)


def _text_condition(terms: list[str], table: str) -> Q:
    """All fragment terms (each of 2+ characters) through the bigram index."""
    vendor = connection.vendor
    if vendor == "sqlite":
        return _sqlite_match(_sqlite_match_expression(terms, None))
    condition = Q()
    for term in terms:
        condition &= _pg_match(term, table) if vendor == "postgresql" else _like_condition(term)
    return condition


def _scope_units(user) -> list[int] | None:
    """The units of the user's data scope when they are few enough to filter inside the
    SQLite index; ``None``: do not narrow (the queryset's own scope filter always applies)."""
    if user is None:
        return None
    from zhijian.core.models import OrgUnit
    from zhijian.core.scope import scope_prefix

    prefix = scope_prefix(user)
    if not prefix:
        return None
    units = list(
        OrgUnit.objects.filter(path__startswith=prefix).values_list("pk", flat=True)[
            : MAX_SCOPE_UNITS + 1
        ]
    )
    return units if len(units) <= MAX_SCOPE_UNITS else None


def _search_uscc_term(queryset, term: str, table: str, user):
    """A query of one USCC-like term; ``None`` when no USCC at all starts with it: then it is
    searched as a plain fragment ("2547", "155")."""
    rank = Case(
        When(uscc=term.upper(), then=Value(0)),
        When(_uscc_condition(term), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    if connection.vendor not in ("sqlite", "postgresql"):
        condition = _uscc_condition(term) | _text_condition([term], table)
        queryset = queryset.filter(condition)
        return queryset.annotate(search_rank=rank).order_by("search_rank", "uscc")
    uscc_ids = list(
        queryset.model._base_manager.filter(_uscc_condition(term)).values_list("pk", flat=True)[
            : BROAD_MATCHES + 1
        ]
    )
    if not uscc_ids:
        return None
    if connection.vendor == "sqlite":
        match = _sqlite_match_expression([term], _scope_units(user))
        ids = _sqlite_match_ids(match, BROAD_MATCHES + 1)
        text = _sqlite_match(match)
    else:
        text = _pg_match(term, table)
        ids = list(
            queryset.model._base_manager.filter(text).values_list("pk", flat=True)[
                : BROAD_MATCHES + 1
            ]
        )
    if not ids:  # no text contains it: USCC prefix only, in the order of the unique index
        queryset = queryset.filter(_uscc_condition(term))
        return queryset.annotate(search_rank=rank).order_by("uscc")
    if len(ids) <= BROAD_MATCHES and len(uscc_ids) <= BROAD_MATCHES:
        # Both parts small: one id list, ranked and sorted in full.
        condition = _ids_condition(sorted(set(ids) | set(uscc_ids)))
    else:  # a broad USCC prefix that is also in some texts (rare): correct, not fast
        condition = _uscc_condition(term) | text
    queryset = queryset.filter(condition)
    return queryset.annotate(search_rank=rank).order_by("search_rank", "uscc")


def search_entities(queryset, q: str, user=None):
    """Entities of ``queryset`` matching every term of ``q``, annotated with ``search_rank``
    and ordered by relevance (see ``search_ordering``).

    A term that could be a USCC prefix (USCC alphabet, with a digit) matches the USCC prefix
    or, as a fragment, the name, legal representative or address ("690" in "碧波路690号").

    ``user``: the user whose data scope ``queryset`` carries. Optional (the result is the
    same); on SQLite it lets the full-text index apply the scope, which keeps broad queries
    of district and station users fast.

    Ordering (the returned queryset is ordered; a caller's own ``order_by`` replaces it):

    - a query of one USCC-like term ("91310115", "690"): the exact USCC, then USCC prefix
      matches in USCC order, then fragment matches; when no name, legal representative or
      address contains the term, simply USCC order (follows the unique index, stops after
      the page);
    - a text query matching at most ``BROAD_MATCHES`` entities in the index: ``SEARCH_ORDERING``
      (exact name, name starting with the query, other matches; then newest established);
    - a broad text query (more than ``BROAD_MATCHES`` index matches, e.g. "有限", "上海",
      "科技"; SQLite): newest registered first (descending id, the order of the index), so
      the first page and the capped count stop early instead of ranking millions of rows.
      An exact name is then not lifted to the top: a query that equals a whole name is
      practically never that broad. (PostgreSQL: ``SEARCH_ORDERING`` always.)
    """
    terms = split_terms(q)
    if not terms:
        return queryset.annotate(search_rank=Value(2, output_field=IntegerField()))
    table = queryset.model._meta.db_table
    sqlite = connection.vendor == "sqlite"
    fragments = []
    uscc_terms = []
    for term in terms:
        if len(term) == 1:
            queryset = queryset.filter(_like_condition(term))
        elif is_uscc_term(term):
            uscc_terms.append(term)
        else:
            fragments.append(term)
    whole = " ".join(terms)
    if len(terms) == 1 and uscc_terms:
        found = _search_uscc_term(queryset, uscc_terms[0], table, user)
        if found is not None:
            return found
        fragments, uscc_terms = uscc_terms, []  # no USCC starts with it: a plain fragment
    for term in uscc_terms:
        queryset = queryset.filter(_uscc_condition(term) | _text_condition([term], table))
    rank = Case(
        When(name=whole, then=Value(0)),
        When(name__startswith=whole, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    if fragments and sqlite:
        match = _sqlite_match_expression(fragments, _scope_units(user))
        ids = _sqlite_match_ids(match, BROAD_MATCHES + 1)
        if len(ids) > BROAD_MATCHES:
            # Broad: the index drives the join in its own (id) order; LIMIT stops it early.
            return queryset.extra(  # noqa: S610 (constant SQL; the match is a parameter)
                tables=[SEARCH_TABLE],
                where=[
                    f"{SEARCH_TABLE}.rowid = {table}.id",
                    f"{SEARCH_TABLE} MATCH %s",
                ],
                params=[match],
                order_by=[f"-{SEARCH_TABLE}.rowid"],
            ).annotate(search_rank=rank)
        queryset = queryset.filter(_ids_condition(ids))
    elif fragments:
        queryset = queryset.filter(_text_condition(fragments, table))
    return queryset.annotate(search_rank=rank).order_by(*SEARCH_ORDERING)


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` + 1 rows: a broad fragment ("有限") matches millions of
    entities, and an exact count of those is slow and of no use. ``capped`` tells the page
    and the API that the true count is larger ("10000+")."""

    COUNT_CAP = 10_000
    capped = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not hasattr(qs, "order_by"):
            return len(qs)
        n = qs.order_by()[: self.COUNT_CAP + 1].count()
        if n > self.COUNT_CAP:
            self.capped = True
            return self.COUNT_CAP
        return n


def _sqlite_bigrams(column: str) -> str:
    return (
        f"(SELECT coalesce(group_concat(hex(substr(lower({column}), n.i, 2)), ' '), '') "  # noqa: S608
        f"FROM registry_search_n n WHERE n.i < length({column}))"
    )


def rebuild_search_index() -> None:
    """Rebuild the SQLite search table from registry_entity (PostgreSQL needs nothing).

    Only needed when the table was lost or the entity table was replaced without triggers;
    normal writes (ORM, bulk_create, raw SQL) keep it current through the triggers.
    """
    if connection.vendor != "sqlite":
        return
    values = ", ".join([*(_sqlite_bigrams(f"e.{c}") for c in TEXT_FIELDS), "'u' || e.unit_id"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_entity_search (registry_entity_search) VALUES ('delete-all')"
        )
        cursor.execute(
            "INSERT INTO registry_entity_search (rowid, name, legal_rep_name, address, unit) "  # noqa: S608
            f"SELECT e.id, {values} FROM registry_entity e"
        )
        cursor.execute(
            "INSERT INTO registry_entity_search (registry_entity_search) VALUES ('optimize')"
        )


_bulk = threading.local()
_SQLITE_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
    "AND tbl_name = 'registry_entity' AND name LIKE 'registry_entity_search_%' ORDER BY name"
)
_PG_INDEX = "SELECT indexdef FROM pg_indexes WHERE indexname = 'registry_entity_bigrams'"


@contextmanager
def bulk_loading():
    """Load many entities fast: the search index is rebuilt once at exit instead of per row.

    SQLite: drops the sync triggers of ``registry_entity_search`` (about 2,400 rows/s with
    them), and at exit rebuilds the whole table in one set-based statement and re-creates the
    triggers from their stored definitions. PostgreSQL: drops the GIN bigram index and
    re-creates it at exit. Other databases: nothing.

    Use it around a generator's or importer's bulk inserts (``bulk_create``, raw
    ``executemany``)::

        with bulk_loading():
            for batch in batches:
                Entity.objects.bulk_create(batch)

    Rules: rows written inside the block (inserted, updated or deleted, by any connection) are
    not findable by search until the block exits; the rebuild at exit covers all of them.
    The rebuild also runs when the block raises, so the index is never left without its
    triggers. Nested blocks are allowed (only the outermost one rebuilds). The rebuild is a
    table-sized operation (about a minute per million entities on SQLite): do not use it for
    a handful of rows.
    """
    if getattr(_bulk, "depth", 0) or connection.vendor not in ("sqlite", "postgresql"):
        _bulk.depth = getattr(_bulk, "depth", 0) + 1
        try:
            yield
        finally:
            _bulk.depth -= 1
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(_SQLITE_TRIGGERS)
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        else:
            cursor.execute(_PG_INDEX)
            saved = cursor.fetchall()
            cursor.execute("DROP INDEX IF EXISTS registry_entity_bigrams")
    _bulk.depth = 1
    try:
        yield
    finally:
        _bulk.depth = 0
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                rebuild_search_index()
                for _name, sql in saved:
                    cursor.execute(sql)
            else:
                # Inside a transaction, deferred FK checks must run before CREATE INDEX.
                connection.check_constraints()
                for (sql,) in saved:
                    cursor.execute(sql)
