"""Entity search: one function for the search page, the API and exports.

``search_entities(queryset, q, user=user)`` filters a queryset that already carries the data
scope (``Entity.objects.visible_to(user)``), annotates ``search_rank`` (0 exact name or USCC,
1 name starts with the query / USCC prefix, 2 any other match) and returns it ordered by
relevance; the ordering rule (exact first; broad queries newest registered first) is in the
function's docstring. A caller's explicit sort replaces it. Counts go through
``CappedPaginator`` (at most 2,000 + 1 rows are counted).

The query is split on white space; every term must match (AND):

- a USCC prefix (2–18 characters of the USCC alphabet, containing a digit) → an index range
  ``q <= uscc < next prefix`` on the unique USCC index (both databases);
- any other term of two or more characters → a fragment of the name, the legal
  representative's name or the address, through the bigram index of migration 0002:
  SQLite: a phrase of the term's bigrams in the FTS5 table ``registry_entity_search``
  (consecutive bigrams in one column = the exact substring; no recheck needed); the table's
  fourth column holds the entity's unit (``u<id>``, migration 0003) so that the data scope
  of a district or station user is applied inside the index;
  PostgreSQL: search_pg.py — the GIN index of migration 0005 (bigrams plus a unit key) or
  an ordered walk down the primary key, chosen per query from the planner statistics,
  rechecked with a substring test on the three fields;
- a single character → ``icontains`` on the three fields (correct, not indexed).

Speed (SQLite, see bench/search.py): one pass over the index fetches at most
``BROAD_MATCHES`` + 1 matching ids. A narrow query (≤ ``BROAD_MATCHES``) is then an id list,
ranked and sorted in full; a broad one is a join driven by the FTS table in descending id
order, so the first page and the capped count stop early. A USCC prefix that no text
contains is listed in USCC order; one that more than ``COUNT_CAP`` USCCs in the scope start
with ("9131") newest first (see ``_search_uscc_term``).

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

from . import search_pg

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


def _uscc_condition(term: str, indexed: bool = True) -> Q:
    """USCCs starting with ``term``: a range on the unique index (``indexed``), ``term`` <=
    uscc < the next prefix in the USCC alphabet (PostgreSQL estimates this range well; with the bound
    ``term + U+FFFF`` it estimated 19 rows for 53,154 and chose a plan 500 times slower)."""
    upper = term.upper()
    following = _next_uscc_prefix(upper)
    if not indexed and connection.vendor == "sqlite":
        # Unary + keeps SQLite's planner off the USCC indexes (it would sort their range
        # instead of walking the primary key).
        sql, params = "+registry_entity.uscc >= %s", [upper]
        if following is not None:
            sql, params = sql + " AND +registry_entity.uscc < %s", [upper, following]
        return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611
    if following is None:
        return Q(uscc__gte=upper)
    return Q(uscc__gte=upper, uscc__lt=following)


def _next_uscc_prefix(prefix: str) -> str | None:
    """The smallest string of the USCC alphabet above every USCC starting with ``prefix``."""
    chars = list(prefix)
    while chars:
        position = USCC_ALPHABET.find(chars[-1])
        if position == -1:
            return prefix + "\uffff"  # not a USCC prefix at all: nothing sorts between
        if position + 1 < len(USCC_ALPHABET):
            chars[-1] = USCC_ALPHABET[position + 1]
            return "".join(chars)
        chars.pop()
    return None


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
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))  # one parameter
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


def _where_key(queryset) -> tuple:
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.compile(query.where)
    return (sql, tuple(str(p) for p in params))


def _with_count(queryset, count: int):
    """Tell ``CappedPaginator`` the (capped) count of ``queryset`` found while searching, so
    that it is not counted again; any later filter changes the WHERE clause and voids it."""
    queryset.query.search_count_hint = (_where_key(queryset), count)
    return queryset


def _text_condition(terms: list[str], table: str) -> Q:
    """All fragment terms (each of 2+ characters) through the bigram index."""
    vendor = connection.vendor
    if vendor == "sqlite":
        return _sqlite_match(_sqlite_match_expression(terms, None))
    if vendor == "postgresql":
        return search_pg.text_condition(terms, table)
    condition = Q()
    for term in terms:
        condition &= _like_condition(term)
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


def _scope_hint(queryset, user):
    """PostgreSQL: the user's units also as ``unit_id IN (…)``, which the (unit, uscc) index
    can use (the scope itself is a join on the unit path, applied row by row)."""
    if connection.vendor != "postgresql" or user is None:
        return queryset
    scope = search_pg.Scope(user)
    if scope.units is None or scope.all_units:
        return queryset
    return queryset.filter(unit_id__in=scope.units)


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
    if not queryset.model._base_manager.filter(_uscc_condition(term)).exists():
        return None
    cap = CappedPaginator.COUNT_CAP
    by_uscc = queryset.filter(_uscc_condition(term))
    uscc_ids = list(_scope_hint(by_uscc, user).order_by().values_list("pk", flat=True)[: cap + 1])
    if len(uscc_ids) > cap:
        # More USCCs in scope start with it than anyone pages through ("9131"): those only,
        # newest first. A walk down the primary key finds a page within about
        # 20 * entities / COUNT_CAP rows; ordered by USCC, a district's query would read the
        # codes of every other district first.
        walk = queryset.filter(_uscc_condition(term, indexed=False))
        return _with_count(walk.annotate(search_rank=rank).order_by("-pk"), cap + 1)
    if connection.vendor == "sqlite":
        match = _sqlite_match_expression([term], _scope_units(user))
        ids = _sqlite_match_ids(match, BROAD_MATCHES + 1)
        text = _sqlite_match(match)
        broad = len(ids) > BROAD_MATCHES
    else:
        text = search_pg.text_condition([term], table)
        found = search_pg.fragment_ids([term], user, CappedPaginator.COUNT_CAP)
        broad = found is None or len(found) > BROAD_MATCHES
        ids = found or []
    if not ids and not broad:  # no text contains it: USCC prefix only, in USCC order
        found = queryset.filter(_ids_condition(uscc_ids))
        return found.annotate(search_rank=rank).order_by("uscc")
    if not broad and len(uscc_ids) <= BROAD_MATCHES:
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
    elif fragments and connection.vendor == "postgresql":
        return _pg_fragment_search(queryset, fragments, user, rank)
    elif fragments:
        queryset = queryset.filter(_text_condition(fragments, table))
    return queryset.annotate(search_rank=rank).order_by(*SEARCH_ORDERING)


def _pg_fragment_search(queryset, fragments: list[str], user, rank):
    """PostgreSQL (search_pg.py): as SQLite, up to ``BROAD_MATCHES`` matches ranked and
    more newest first."""
    table = queryset.model._meta.db_table
    ids = search_pg.fragment_ids(fragments, user, CappedPaginator.COUNT_CAP)
    if ids is None:  # more than COUNT_CAP in the user's scope: newest first
        found = queryset.filter(search_pg.text_condition(fragments, table))
        found = found.annotate(search_rank=rank).order_by("-pk")
        if user is not None and _where_key(queryset) == _where_key(
            queryset.model.objects.visible_to(user)
        ):  # nothing but the scope: the count is known to exceed the cap
            _with_count(found, CappedPaginator.COUNT_CAP + 1)
        return found
    # The ids cover the scope; the queryset's own filters still apply to them.
    found = queryset.filter(_ids_condition(ids)).annotate(search_rank=rank)
    if len(ids) > BROAD_MATCHES:
        return found.order_by("-pk")
    return found.order_by(*SEARCH_ORDERING)


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` + 1 rows: a broad fragment ("有限") matches millions of
    entities, and an exact count of those is slow and of no use (100 pages of 20; users
    narrow a broad query with a filter or export it). ``capped`` tells the page and the API
    that the true count is larger ("超过 2000 条")."""

    COUNT_CAP = 2_000
    capped = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not hasattr(qs, "order_by"):
            return len(qs)
        hint = getattr(qs.query, "search_count_hint", None)
        if hint is not None and hint[0] == _where_key(qs):
            n = hint[1]
        else:
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


def _complete_filled_index() -> None:
    """Optimise an index its loader filled; rebuild it if some entity has no row in it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SEARCH_TABLE}_docsize")  # noqa: S608
        indexed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_entity")
        if cursor.fetchone()[0] != indexed:
            rebuild_search_index()  # ends with 'optimize'
            return
        cursor.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")  # noqa: S608


_bulk = threading.local()
_SQLITE_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
    "AND tbl_name = 'registry_entity' AND name LIKE 'registry_entity_search_%' ORDER BY name"
)
_PG_INDEX = f"SELECT indexdef FROM pg_indexes WHERE indexname = '{search_pg.KEYS_INDEX}'"  # noqa: S608


@contextmanager
def bulk_loading(filled: bool = False):
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

    ``filled`` (SQLite): the loader writes the search rows itself (the demo generator,
    ``zhijian/demo/search_fill.py``); at exit the index is only optimised, or rebuilt if some
    entity has no row in it.
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
            cursor.execute(f"DROP INDEX IF EXISTS {search_pg.KEYS_INDEX}")
    _bulk.depth = 1
    try:
        yield
    finally:
        _bulk.depth = 0
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                if filled:
                    _complete_filled_index()
                else:
                    rebuild_search_index()
                for _name, sql in saved:
                    cursor.execute(sql)
            else:
                # Inside a transaction, deferred FK checks must run before CREATE INDEX.
                connection.check_constraints()
                for (sql,) in saved:
                    cursor.execute(sql)
                # The index's statistics (bigram frequencies) steer the search strategy.
                cursor.execute("ANALYZE registry_entity")
                search_pg.reset_statistics()
