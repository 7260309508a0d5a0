"""The synthetic city against the rules pack: every planted case and pattern is found, and no
other warning is raised (precision and recall 1.0 per rule against the ground truth).

The city (``zhijian.demo.city``) plants, for every rule, positive cases, boundary cases (at a
threshold, on the first or last day of a window) and near misses (just below a threshold, one
day outside a window), and its background stays out of every rule by construction; the
ground truth's ``rules`` section lists the warnings each rule must raise as of ``as_of``.
Runs on SQLite and PostgreSQL (``ZHIJIAN_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.demo.city import RULE_CASES_MIN, generate_city
from zhijian.registry.models import Entity
from zhijian.rules.definitions import all_rules, missing_tables
from zhijian.rules.engine import run_rule
from zhijian.rules.models import Warning

# The demo's default size (``./run demo``); rule cases are planted from RULE_CASES_MIN on.
N = 20_000
SEED = 2026
# After 30 June (the previous year's annual reports are overdue; tests/demo uses a day before
# it); the fifth working day after it is 12 October: the National Day holiday (1-7 October)
# and the adjusted working Saturday (10 October) lie in between.
TODAY = dt.date(2026, 9, 29)


@pytest.fixture
def shanghai(db):
    """The shipped Shanghai organisation tree, with fresh location caches."""
    from zhijian.core import services
    from zhijian.dictionaries.services import clear_caches
    from zhijian.registry import location

    clear_caches()
    location.clear_cache()
    services.load_default_org_tree()
    location.clear_cache()
    yield
    location.clear_cache()
    clear_caches()


def _found(rule_id: str, as_of: dt.date, usccs: dict[int, str]) -> set[tuple]:
    run = run_rule(all_rules()[rule_id], as_of)
    rows = Warning.objects.filter(run=run).values_list("entity_id", "key", "level")
    return {(usccs[entity], key, level) for entity, key, level in rows}


def _report(rule_id: str, found: set, expected: set) -> str:
    hits = len(found & expected)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(expected) if expected else 1.0
    lines = [f"{rule_id}: precision {precision:.3f}, recall {recall:.3f} "
             f"({len(found)} raised, {len(expected)} expected)"]  # fmt: skip
    lines += [f"  missing {item}" for item in sorted(expected - found)[:20]]
    lines += [f"  extra   {item}" for item in sorted(found - expected)[:20]]
    return "\n".join(lines)


def test_every_rule_finds_exactly_the_ground_truth(shanghai):
    """One city (written once: the generation takes most of the time), then every rule."""
    truth = generate_city(N, SEED, today=TODAY).ground_truth
    rules = all_rules()
    assert N >= RULE_CASES_MIN
    assert set(truth["rules"]) == set(rules), "the ground truth covers every rule of the pack"

    # every rule has positive cases and near misses, which are not expected to warn
    usccs = dict(Entity.objects.values_list("pk", "uscc"))
    present = set(usccs.values())
    for rule_id in rules:
        if missing_tables(rules[rule_id]):  # its module is not installed yet: nothing to plant
            continue
        cases = [c for c in truth["rule_cases"] if c["rule"] == rule_id]
        assert any(not c["near_miss"] for c in cases), f"{rule_id}: no positive case"
        assert any(c["near_miss"] for c in cases), f"{rule_id}: no near miss"
        for c in cases:
            assert c["usccs"] and set(c["usccs"]) <= present, c["case"]
        near = {u for c in cases if c["near_miss"] for u in c["usccs"]}
        warned = {i["uscc"] for i in truth["rules"][rule_id]["expected"]}
        assert warned and not near & warned, f"{rule_id}: nothing expected, or a near miss"

    # precision and recall 1.0 for every rule
    failures, summary = [], []
    for rule_id, section in truth["rules"].items():
        as_of = dt.date.fromisoformat(section["as_of"])
        expected = {(i["uscc"], i.get("key"), i["level"]) for i in section["expected"]}
        found = _found(rule_id, as_of, usccs)
        # an expected item without a key is compared on (uscc, level) only
        keyless = {(u, lv) for u, k, lv in expected if k is None}
        found = {(u, None, lv) if (u, lv) in keyless else (u, k, lv) for u, k, lv in found}
        summary.append(_report(rule_id, found, expected))
        if found != expected:
            failures.append(summary[-1])
    assert not failures, "\n".join(failures + ["", "all rules:", *summary])
