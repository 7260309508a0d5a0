"""PostgreSQL strategy of entity search; search.py states the rules both databases follow.

A fragment term is found in one of two ways, chosen per query from the bigram frequencies
that ANALYZE stores for the search index of migration 0005 (``pg_stats``):

- the GIN index on ``registry_search_keys(name, legal_rep_name, address, unit_id)``: every
  bigram of the term, plus (for a district or station user) one of the scope's unit keys, so
  the index intersects the postings with the data scope. Cost: about the postings of the
  rarest key, ~0.3 µs each (measured at 3.4 M entities);
- an ordered walk down the primary key (newest first) testing each row with ``strpos``,
  which stops at ``cap`` + 1 matches: for fragments that most entities contain ("有限",
  "科技", "公司") the index would read millions of postings, the walk reads a few thousand
  rows (~0.7 µs each). The walk has a row budget; if it ends without reaching the cap, the
  index answers instead, so the result is exact either way.

The functions here return entity ids; search.py turns them into querysets, which keep the
caller's data scope and filters.
"""

from __future__ import annotations

import threading
import time

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

TEXT_FIELDS = ("name", "legal_rep_name", "address")
KEYS_INDEX = "registry_entity_search_keys"
KEYS = "registry_search_keys(name, legal_rep_name, address, unit_id)"
WALK_ROW_US = 0.7  # measured costs at 3.4 M entities (see estimated_costs)
POSTING_US = 0.3
UNIT_ENTRY_US = 0.1
FETCH_US = 1.5
STATS_TTL = 300.0  # seconds a process keeps the bigram frequencies
MAX_TOKEN_UNITS = 200
MIN_WINDOW = 1000  # rows: the smallest window of the walk  # larger scopes are filtered on unit_id instead of inside the index


# --- the substring test -----------------------------------------------------------------------


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_sql(terms: list[str], alias: str = "") -> tuple[str, list]:
    """SQL true when every term is a substring of the name, legal representative or address,
    ignoring letter case (Django's ``icontains``). Terms without letter case (Chinese,
    digits) use ``strpos``, about three times cheaper than ``UPPER(…) LIKE``."""
    prefix = f'"{alias}".' if alias else ""
    parts, params = [], []
    for term in terms:
        if term.lower() == term.upper():
            tests = [f"strpos({prefix}{f}, %s) > 0" for f in TEXT_FIELDS]
            params += [term] * len(TEXT_FIELDS)
        else:
            tests = [f"UPPER({prefix}{f}::text) LIKE UPPER(%s)" for f in TEXT_FIELDS]
            params += [_like_pattern(term)] * len(TEXT_FIELDS)
        parts.append("(" + " OR ".join(tests) + ")")
    return " AND ".join(parts), params


def text_condition(terms: list[str], table: str) -> Q:
    sql, params = text_sql(terms, table)
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 (params only)


# --- the data scope ---------------------------------------------------------------------------


class Scope:
    """The units a user may see, as SQL for the walk and for the index."""

    def __init__(self, user):
        from zhijian.core.models import OrgUnit
        from zhijian.core.scope import scope_prefix

        prefix = scope_prefix(user) if user is not None else ""
        self.empty = prefix is None
        self.units: list[int] | None = None  # None: every entity
        self.all_units = True
        self.share = 1.0
        if prefix:
            units = list(
                OrgUnit.objects.filter(path__startswith=prefix).values_list("pk", flat=True)
            )
            total = OrgUnit.objects.count()
            self.all_units = len(units) == total
            self.units = units
            self.share = max(_entity_share(units, total), 1e-3)

    def walk_sql(self) -> tuple[str, list]:
        if self.units is None:
            return "TRUE", []
        if self.all_units:
            return "unit_id IS NOT NULL", []
        return "unit_id = ANY(%s)", [self.units]

    def index_sql(self, frequency: float) -> tuple[str, list]:
        """The scope for the index query. The unit keys make GIN read the postings of every
        unit of the scope, so they are worth it only when the scope is rarer than the term
        (a station, or a district searched for a common word); otherwise the rows the term
        finds are filtered on unit_id."""
        if self.units is None or self.all_units:
            return self.walk_sql()
        if len(self.units) <= MAX_TOKEN_UNITS and self.share < frequency:
            return f"{KEYS} && %s::text[]", [[f"#u{u}" for u in self.units]]
        return self.walk_sql()


def _entity_share(units: list[int], total_units: int) -> float:
    """The share of entities belonging to ``units``, from the planner statistics of
    registry_entity.unit_id (every unit is a most-common value: statistics target 1000 in
    migration 0005); by unit count before the first ANALYZE."""
    stats = unit_stats()
    if stats is None:
        return len(units) / max(total_units, 1)
    freqs, other = stats
    return sum(freqs.get(u, other) for u in units)


# --- statistics -------------------------------------------------------------------------------

_stats_lock = threading.Lock()
_stats: dict = {"at": -1e9, "value": None}
_unit_stats: dict = {"at": -1e9, "value": None}


def reset_statistics() -> None:
    """Forget the cached bigram frequencies (tests; after a bulk load)."""
    with _stats_lock:
        _stats.update(at=-1e9, value=None)
        _unit_stats.update(at=-1e9, value=None)


def _cached(store: dict, load):
    """``load()``'s value, kept ``STATS_TTL`` seconds per process in ``store``."""
    now = time.monotonic()
    with _stats_lock:
        if now - store["at"] < STATS_TTL:
            return store["value"]
    value = load()
    with _stats_lock:
        store.update(at=now, value=value)
    return value


def gram_stats() -> tuple[dict[str, float], float, float] | None:
    """(share of entities containing each common bigram, an upper bound for any other
    bigram, entity count) from the statistics of the search index; ``None`` before the
    first ANALYZE."""
    return _cached(_stats, _load_gram_stats)


def _load_gram_stats():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = 'registry_entity' "
            "WHERE s.tablename = %s",
            (KEYS_INDEX,),
        )
        row = cursor.fetchone()
    if not (row and row[0] and row[1] and row[2] and row[2] > 0):
        return None
    elems, freqs, rows = row
    # most_common_elem_freqs ends with the minimum, maximum and null frequencies.
    return dict(zip(elems, freqs, strict=False)), float(freqs[-3]), float(rows)


def _piece_frequencies(term: str, freqs: dict[str, float], floor: float) -> list[tuple]:
    """(frequency, piece) for each 2-character piece of ``term``, rarest first."""
    pieces = [term[i : i + 2] for i in range(len(term) - 1)]
    return sorted((freqs.get(p.lower(), floor), p) for p in pieces)


def unit_stats() -> tuple[dict[int, float], float] | None:
    """(share of entities per unit, share of any unit not listed); ``None`` before ANALYZE."""
    return _cached(_unit_stats, _load_unit_stats)


def _load_unit_stats():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text::bigint[], most_common_freqs, n_distinct, null_frac "
            "FROM pg_stats WHERE tablename = 'registry_entity' AND attname = 'unit_id'"
        )
        row = cursor.fetchone()
    if not (row and row[0]):
        return None
    values, freqs, distinct, null_frac = row
    listed = dict(zip(values, freqs, strict=False))
    rest = max(1.0 - sum(freqs) - (null_frac or 0.0), 0.0)
    unlisted = max((distinct if distinct > 0 else len(values)) - len(values), 1)
    return listed, rest / unlisted


def term_frequency(term: str, freqs: dict[str, float], floor: float) -> float:
    """Estimated share of entities containing ``term``: that of its rarest bigram, times the
    square root of the next rarest. The bigrams of a term are far from independent (食品 is
    nearly always followed by 有限公司), so their product is much too low; the rarest alone
    is too high for number fragments ("12号26层"). A wrong guess costs little: the walk
    gives up early."""
    ranked = _piece_frequencies(term, freqs, floor)
    if not ranked:
        return floor
    if len(ranked) == 1:
        return ranked[0][0]
    return ranked[0][0] * ranked[1][0] ** 0.5


# --- the two ways -----------------------------------------------------------------------------


def _walk_window(cursor, terms, scope, low_id: int, high_id: int, limit: int) -> list[int]:
    scope_sql, scope_params = scope.walk_sql()
    text, text_params = text_sql(terms)
    cursor.execute(
        f"SELECT id FROM registry_entity WHERE id > %s AND id <= %s AND {scope_sql} "  # noqa: S608
        f"AND {text} ORDER BY id DESC LIMIT %s",
        [low_id, high_id, *scope_params, *text_params, limit],
    )
    return [r[0] for r in cursor.fetchall()]


def walk_ids(
    terms: list[str], scope: Scope, expected_rows: float, limit: int
) -> tuple[list[int], bool]:
    """Up to ``limit`` matching ids, newest first, walking down the primary key in windows:
    the first covers 1.3 times the rows the estimate says are needed; each next one is sized
    from the matches seen so far. The walk gives up (``complete`` False, fewer than
    ``limit`` ids) as soon as the rate it sees says it would need more than three times the
    estimate: the frequencies are city-wide, and a word common in one district (its name,
    its roads) can be rare in another. Returns the ids and whether every entity was seen."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM registry_entity")
        low, high = cursor.fetchone()
        if low is None:
            return [], True
        ids: list[int] = []
        top, walked, window = high, 0, max(int(expected_rows * 1.3), MIN_WINDOW)
        budget = expected_rows * 3
        while True:
            bottom = top - window
            ids += _walk_window(cursor, terms, scope, bottom, top, limit - len(ids))
            walked += window
            if len(ids) >= limit or bottom < low:
                return ids, bottom < low
            rate = len(ids) / walked
            needed = (limit - len(ids)) / rate if rate else float("inf")
            if walked + needed > budget:
                return ids, False
            top, window = bottom, max(int(needed * 1.3), MIN_WINDOW)


def rarest_pieces(terms: list[str], stats) -> list[str]:
    """What to look up in the index for each term: its three rarest 2-character pieces when
    the frequencies are known, else the whole term (all its bigrams).

    GIN reads the postings of the rarest key and skips through the others, but every extra
    common key still costs: "食品有限公司" through all five bigrams (有限 and 公司 are in 70%
    of entities) took 80 ms at 3.4 M entities and its row estimate multiplied all five
    frequencies (2,046 rows for 127,357); through its rarest pieces it takes about 20 ms and
    the estimate holds, so the planner can combine it with the unit index. Rare extra pieces
    cut the rows to fetch ("12号26层": 6层, 26 and 12 leave 450 rows instead of 170,000
    for 6层 alone). The substring test rechecks the whole term."""
    if stats is None:
        return terms
    freqs, floor, _rows = stats
    pieces = []
    for term in terms:
        pieces += [p for _f, p in _piece_frequencies(term, freqs, floor)[:3]]
    return pieces


def index_ids(terms: list[str], scope: Scope, limit: int, frequency: float, stats) -> list[int]:
    """At most ``limit`` matching ids through the GIN index (in no particular order)."""
    scope_sql, scope_params = scope.index_sql(frequency)
    text, text_params = text_sql(terms)
    pieces = rarest_pieces(terms, stats)
    # registry_bigrams() lower-cases the piece exactly as the index did the text.
    keys = " AND ".join(f"{KEYS} @> registry_bigrams(%s)" for _ in pieces)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM registry_entity WHERE {keys} AND {scope_sql} AND {text} LIMIT %s",  # noqa: S608
            [*pieces, *scope_params, *text_params, limit],
        )
        return [r[0] for r in cursor.fetchall()]


def estimated_costs(terms: list[str], scope: Scope, cap: int, stats) -> tuple[float, float]:
    """(walk, index) in microseconds, from the bigram frequencies and these measured unit
    costs at 3.4 M entities: a walked row 0.7 µs, a GIN posting 0.3 µs, a unit-index entry
    0.1 µs, a fetched and rechecked row 1.5 µs."""
    freqs, floor, rows = stats
    f = max(min(term_frequency(t, freqs, floor) for t in terms), 1e-9)
    walk = WALK_ROW_US * (cap + 1) / (f * scope.share)
    piece_freqs = sorted(freqs.get(p.lower(), floor) for p in rarest_pieces(terms, stats))
    postings = piece_freqs[0] * rows * 1.2  # the rarest; skipping through the others
    unit_entries = 0.0
    if scope.index_sql(f)[0].startswith("unit_id = ANY"):
        unit_entries = scope.share * rows
    # Rows holding every piece looked up: fetched and rechecked, until the cap is reached.
    candidates = piece_freqs[0] * (piece_freqs[1] ** 0.5 if len(piece_freqs) > 1 else 1.0)
    candidates = max(candidates, f)
    fetched = min(candidates * scope.share * rows, (cap + 1) * candidates / f)
    index = POSTING_US * postings + UNIT_ENTRY_US * unit_entries + FETCH_US * fetched
    return walk, index


def fragment_ids(terms: list[str], user, cap: int) -> list[int] | None:
    """Every id in ``user``'s scope matching all ``terms``, newest first, when there are at
    most ``cap``; ``None`` when there are more."""
    scope = Scope(user)
    if scope.empty:
        return []
    stats = gram_stats()
    f = 1.0  # unknown: assume common
    if stats is not None:
        freqs, floor, _rows = stats
        f = max(min(term_frequency(t, freqs, floor) for t in terms), 1e-9)
        walk, index = estimated_costs(terms, scope, cap, stats)
        if walk < index:
            ids, complete = walk_ids(terms, scope, (cap + 1) / (f * scope.share), cap + 1)
            if len(ids) > cap:
                return None
            if complete:
                return ids
    ids = index_ids(terms, scope, cap + 1, f, stats)
    return None if len(ids) > cap else sorted(ids, reverse=True)
