"""The draw algorithm, version ``zhijian-draw-v1``: pure functions, no database.

Everything a draw uses is an explicit, published input, and everything it produces follows
from those inputs by the steps below, so anyone holding the inputs can repeat the draw
(``zhijian random verify``, the public page, or an independent implementation of this text).

Inputs
    plan        the plan's canonical snapshot (a JSON object: number, item, pool filter,
                ratios per credit risk class, inspectors per check, participants, deadline)
    pool        the target directory at draw time: the USCCs of each credit risk class A/B/C/D
    inspectors  the inspector directory at draw time: records with ``badge`` (law-enforcement
                badge number, unique), ``department`` and ``unit`` (unit code)
    public      a public random value entered at draw time (a lottery result, a block hash …)
    recusals    for each drawn target, the badges of the inspectors who must not check it

Hashes (SHA-256, lowercase hex)
    plan_hash        = H(canonical JSON of plan)
    pool_hash        = H(the pool snapshot: for each class in the order A, B, C, D a line
                         "<class> <count>" then that class's USCCs in ascending order, one per
                         line; every line ends with LF; ASCII)
    inspectors_hash  = H(canonical JSON of the inspector records {badge, department, unit}
                         sorted by badge)
    seed             = H("zhijian-draw-v1" LF plan_hash LF pool_hash LF inspectors_hash LF
                         public)
    result_hash      = H(canonical JSON of the result)
    Canonical JSON: keys sorted, no spaces, UTF-8, non-ASCII characters as themselves.

Random numbers
    The stream for a label is the concatenation of the blocks H(seed || label || counter),
    counter an 8-byte big-endian integer from 0; it is read in 8-byte big-endian unsigned
    integers x. An integer uniform in [0, m) is x mod m for the first x below
    2^64 − (2^64 mod m) (rejection sampling, no modulo bias).

Targets, per class in the order A, B, C, D
    L = the pool's USCCs of that class in ascending order, n = len(L),
    k = floor(ratio × n + 1/2) in exact decimal arithmetic (ratio as written in the plan),
    the k positions are chosen by Floyd's algorithm with the stream labelled "targets:<class>":
    for j = n − k … n − 1: t = uniform[0, j]; add t to S unless it is there, else add j.
    The targets are the USCCs at the positions in S; the whole result is sorted by USCC.

Inspectors
    Each inspector gets a rank: the first 8 bytes of H(seed || "inspector:" || badge) as an
    integer. Targets are served in USCC order; each needs ``per_check`` inspectors, none of
    them recused for that target and no inspector twice. With several participating
    departments, each target first gets one inspector from each department (in the plan's
    order), then the remaining places from all departments. Every place goes to the eligible
    inspector with the fewest checks so far, ties broken by the lower rank, then by the badge
    (load balance). A target for which not enough eligible inspectors remain is an error: the
    draw does not happen.

Neither the database's row order nor Python's ``random`` module takes part anywhere.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

ALGORITHM = "zhijian-draw-v1"
CLASSES = ("A", "B", "C", "D")

_encode = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


class DrawError(ValueError):
    """The draw cannot be made from these inputs (the message is Chinese)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    return _encode(value).encode("utf-8")


# --- hashes of the inputs ---------------------------------------------------------------------


def plan_hash(plan: dict) -> str:
    return sha256_hex(canonical(plan))


def pool_text(groups: dict[str, list[str]]) -> bytes:
    """The pool snapshot in its published form (see the module docstring)."""
    parts = []
    for cls in CLASSES:
        members = groups.get(cls, [])
        parts.append(f"{cls} {len(members)}\n")
        if members:
            parts.append("\n".join(members))
            parts.append("\n")
    return "".join(parts).encode("ascii")


def parse_pool(text: bytes) -> dict[str, list[str]]:
    """The per-class USCC lists of a published pool snapshot (as written by ``pool_text``)."""
    lines = text.decode("ascii").split("\n")
    if lines[-1] != "":
        raise DrawError("对象名录快照格式错误：最后一行没有换行符")
    groups: dict[str, list[str]] = {}
    at = 0
    for cls in CLASSES:
        head = lines[at].split(" ") if at < len(lines) else []
        if len(head) != 2 or head[0] != cls or not head[1].isdigit():
            raise DrawError(f"对象名录快照格式错误：第 {at + 1} 行应为“{cls} 户数”")
        n = int(head[1])
        groups[cls] = lines[at + 1 : at + 1 + n]
        if len(groups[cls]) != n:
            raise DrawError(f"对象名录快照格式错误：{cls}类应有 {n} 户")
        at += 1 + n
    if at != len(lines) - 1:
        raise DrawError("对象名录快照格式错误：末尾有多余内容")
    return groups


def is_sorted_unique(groups: dict[str, list[str]]) -> bool:
    """Each class in ascending order, and no USCC twice."""
    everything: list[str] = []
    for members in groups.values():
        if members != sorted(members):
            return False
        everything.extend(members)
    return len(set(everything)) == len(everything)


def inspectors_hash(inspectors: Sequence[dict]) -> str:
    """Over badge, department and unit (a record's ``id``, the platform's user id, is left out:
    it differs between installations and says nothing about the draw)."""
    published = [{k: v for k, v in r.items() if k != "id"} for r in inspectors]
    return sha256_hex(canonical(sorted(published, key=lambda r: r["badge"])))


def seed_of(plan_h: str, pool_h: str, inspectors_h: str, public: str) -> bytes:
    text = "\n".join((ALGORITHM, plan_h, pool_h, inspectors_h, public.strip()))
    return hashlib.sha256(text.encode("utf-8")).digest()


def result_hash(result: Sequence[dict]) -> str:
    return sha256_hex(canonical(list(result)))


# --- random numbers ---------------------------------------------------------------------------


class Stream:
    """Deterministic uniform integers from SHA-256(seed || label || counter) blocks."""

    def __init__(self, seed: bytes, label: str):
        self._prefix = seed + label.encode("utf-8")
        self._counter = 0
        self._buffer = b""

    def _next64(self) -> int:
        if len(self._buffer) < 8:
            block = hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._buffer += block
        value, self._buffer = int.from_bytes(self._buffer[:8], "big"), self._buffer[8:]
        return value

    def below(self, m: int) -> int:
        """A uniform integer in [0, m)."""
        if m <= 0:
            raise ValueError("m must be positive")
        limit = (1 << 64) - ((1 << 64) % m)
        while True:
            x = self._next64()
            if x < limit:
                return x % m


def sample_size(ratio, n: int) -> int:
    """floor(ratio × n + 1/2), exact: the ratio as written (0.05 is five hundredths)."""
    value = Decimal(str(ratio)) * n + Decimal("0.5")
    return min(n, int(value.to_integral_value(rounding=ROUND_FLOOR)))


def floyd_sample(stream: Stream, n: int, k: int) -> list[int]:
    """k distinct positions in [0, n), Floyd's algorithm (in ascending order)."""
    chosen: set[int] = set()
    for j in range(n - k, n):
        t = stream.below(j + 1)
        chosen.add(j if t in chosen else t)
    return sorted(chosen)


# --- the draw ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    seed: str
    plan_hash: str
    pool_hash: str
    inspectors_hash: str
    counts: dict  # class → (pool size, drawn)
    targets: list[tuple[str, str]]  # (USCC, class) sorted by USCC


def select_targets(seed: bytes, pool_by_class: dict[str, list[str]], ratios: dict) -> list:
    """The drawn (USCC, class) pairs, sorted by USCC; pool lists must be sorted."""
    targets = []
    for cls in CLASSES:
        members = pool_by_class.get(cls, [])
        k = sample_size(ratios.get(cls, 0), len(members))
        positions = floyd_sample(Stream(seed, f"targets:{cls}"), len(members), k)
        targets.extend((members[p], cls) for p in positions)
    targets.sort()
    return targets


def inspector_rank(seed: bytes, badge: str) -> int:
    return int.from_bytes(hashlib.sha256(seed + b"inspector:" + badge.encode()).digest()[:8])


def assign_inspectors(
    seed: bytes,
    targets: Sequence[str],
    inspectors: Sequence[dict],
    per_check: int,
    departments: Sequence[str],
    recusals: dict[str, Iterable[str]],
) -> dict[str, list[str]]:
    """USCC → badges of its inspectors (see the module docstring for the rule)."""
    if per_check < 2:
        raise DrawError("每次检查的执法人员不得少于 2 名")
    departments = list(dict.fromkeys(departments)) or sorted({r["department"] for r in inspectors})
    if len(departments) > per_check:
        raise DrawError(
            f"联合抽查有 {len(departments)} 个部门参加，每次检查至少需要 {len(departments)} 名人员"
        )
    department_of = {r["badge"]: r["department"] for r in inspectors}
    heaps: dict[str, list] = {d: [] for d in departments}
    for record in inspectors:
        if record["department"] in heaps:
            badge = record["badge"]
            heaps[record["department"]].append([0, inspector_rank(seed, badge), badge])
    for d, heap in heaps.items():
        if not heap:
            raise DrawError(f"执法检查人员名录库中没有“{d}”的人员")
        heapq.heapify(heap)
    assignment: dict[str, list[str]] = {}
    for uscc in targets:
        excluded = set(recusals.get(uscc, ()))
        team: list[str] = []
        picks: list[list] = []
        for d in departments:
            entry = _take(heaps, [d], excluded | set(team))
            if entry is None:
                raise DrawError(f"主体 {uscc} 没有足够的可选“{d}”执法人员（已排除回避人员）")
            team.append(entry[2])
            picks.append(entry)
        while len(team) < per_check:
            entry = _take(heaps, departments, excluded | set(team))
            if entry is None:
                raise DrawError(f"主体 {uscc} 没有足够的可选执法人员（已排除回避人员）")
            team.append(entry[2])
            picks.append(entry)
        for entry in picks:
            entry[0] += 1
            heapq.heappush(heaps[department_of[entry[2]]], entry)
        assignment[uscc] = team
    return assignment


def _take(heaps: dict[str, list], departments: Sequence[str], excluded: set[str]):
    """Pop the best eligible entry (fewest checks, lower rank, badge) of these departments."""
    best_d, stash = None, {d: [] for d in departments}
    for d in departments:
        heap = heaps[d]
        while heap and heap[0][2] in excluded:
            stash[d].append(heapq.heappop(heap))
        if heap and (best_d is None or heap[0] < heaps[best_d][0]):
            best_d = d
    entry = heapq.heappop(heaps[best_d]) if best_d is not None else None
    for d, entries in stash.items():
        for e in entries:
            heapq.heappush(heaps[d], e)
    return entry


def run(
    plan: dict,
    groups: dict[str, list[str]],
    pool_h: str,
    inspectors: Sequence[dict],
    public: str,
):
    """Seed and targets of a draw (the inspectors follow once the recusals are known).

    ``groups``: each class's USCCs in ascending order (as in the pool snapshot)."""
    plan_h = plan_hash(plan)
    inspectors_h = inspectors_hash(inspectors)
    seed = seed_of(plan_h, pool_h, inspectors_h, public)
    targets = select_targets(seed, groups, plan["ratios"])
    drawn = dict.fromkeys(CLASSES, 0)
    for _uscc, cls in targets:
        drawn[cls] += 1
    counts = {cls: [len(groups.get(cls, [])), drawn[cls]] for cls in CLASSES}
    return seed, Outcome(seed.hex(), plan_h, pool_h, inspectors_h, counts, targets)


def result_rows(targets, assignment) -> list[dict]:
    return [{"uscc": uscc, "class": cls, "inspectors": assignment[uscc]} for uscc, cls in targets]
