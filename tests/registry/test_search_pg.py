"""PostgreSQL search strategies (search.py): the GIN index with the data scope inside, the
ordered walk for very common fragments, the fallback from a walk that ends early, and the
count handed to the paginator. Every strategy must give exactly the rows a plain substring
filter gives."""

from __future__ import annotations

import pytest
from django.db import connection

from zhijian.registry import search_pg
from zhijian.registry.models import Entity
from zhijian.registry.search import CappedPaginator, search_entities

from .test_search import make_entity

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL search strategies"
)


@pytest.fixture
def city(org):
    """300 entities, all "有限公司", 40 of them with "晨曦" in the name, 3 with "晨曦有限"
    (bigrams 晨曦, 曦有, 有限 all common; the phrase rare), spread over two districts."""
    rows = []
    for i in range(300):
        unit = org["zhangjiang"] if i % 3 else org["yexie"]
        if i % 100 == 7:
            name = f"晨曦有限公司{i}"
        elif i % 10 == 0 or i % 25 == 1:
            name = f"上海晨曦{i}号贸易有限公司"
        else:
            name = f"上海{i}号曦光有限公司"
        rows.append(make_entity(unit, name, rep="王伟", address=f"上海市某区某路{i}号"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_entity")
    search_pg.reset_statistics()
    yield rows
    search_pg.reset_statistics()


def expected(qs, term):
    return sorted(
        qs.filter(name__icontains=term).values_list("pk", flat=True)
        | qs.filter(address__icontains=term).values_list("pk", flat=True)
        | qs.filter(legal_rep_name__icontains=term).values_list("pk", flat=True),
        reverse=True,
    )


@pytest.fixture
def spy(monkeypatch):
    calls = []
    walk = search_pg.walk_ids

    def recording(*args, **kwargs):
        result = walk(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(search_pg, "walk_ids", recording)
    return calls


def test_statistics_are_read_from_the_index(city):
    freqs, floor, rows = search_pg.gram_stats()
    assert rows == 300
    assert freqs["有限"] == pytest.approx(1.0)
    assert 0 < floor <= freqs["有限"]


@pytest.mark.parametrize("cap", [5, 20, 1000])
def test_common_fragment_is_walked_and_capped(city, spy, monkeypatch, cap):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", cap)
    qs = Entity.objects.all()
    found = search_entities(qs, "有限")
    # Walk cost 2 * cap / 1.0 rows against 300 index entries: a walk below a cap of 150.
    assert bool(spy) == (cap < 150)
    paginator = CappedPaginator(found, 20)
    all_ids = expected(qs, "有限")
    assert paginator.count == min(cap, len(all_ids))
    assert paginator.capped == (len(all_ids) > cap)
    assert [e.pk for e in paginator.page(1).object_list] == all_ids[: min(20, paginator.count)]
    assert sorted(found.values_list("pk", flat=True), reverse=True) == all_ids


def test_walk_that_ends_early_falls_back_to_the_index(city, spy, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 20)
    monkeypatch.setattr(search_pg, "WALK_ROW_US", 0.00001)  # always try the walk first
    qs = Entity.objects.all()
    found = search_entities(qs, "晨曦有限")
    assert spy and len(spy[0][0]) <= 20
    assert sorted(e.pk for e in found) == sorted(expected(qs, "晨曦有限"))
    assert len(expected(qs, "晨曦有限")) == 3


def test_rare_fragment_uses_the_index(city, spy):
    qs = Entity.objects.all()
    found = search_entities(qs, "晨曦")
    assert not spy
    assert sorted((e.pk for e in found), reverse=True) == expected(qs, "晨曦")
    assert CappedPaginator(found, 20).count == len(expected(qs, "晨曦"))


@pytest.mark.parametrize("term", ["有限", "晨曦", "晨曦有限", "王伟"])
def test_scope_inside_the_index_and_the_walk(city, org, make_user, term, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 30)
    station = make_user("zj", org["zhangjiang"])
    qs = Entity.objects.visible_to(station)
    found = search_entities(qs, term, user=station)
    ids = expected(qs, term)
    assert all(e.unit_id == org["zhangjiang"].pk for e in found)
    assert sorted((e.pk for e in found), reverse=True) == ids
    paginator = CappedPaginator(found, 10)
    assert paginator.count == min(30, len(ids))


def test_count_hint_is_void_after_another_filter(city, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 10)
    found = search_entities(Entity.objects.all(), "晨曦")
    narrowed = found.filter(unit__code__startswith="310117")  # 叶榭 (Songjiang) only
    ids = expected(Entity.objects.filter(unit__code__startswith="310117"), "晨曦")
    paginator = CappedPaginator(narrowed, 10)
    assert paginator.count == min(10, len(ids))
    assert sorted(narrowed.values_list("pk", flat=True), reverse=True) == ids


def test_walk_gives_up_early_on_a_word_rare_in_the_scope(org, make_user, spy, monkeypatch):
    """松江 is in most entities of the city but in none of 张江's: the city-wide frequency
    sends a 张江 user's query to the walk, which stops after its first window."""
    for i in range(400):
        unit = org["yexie"] if i % 10 else org["zhangjiang"]
        name = f"松江{i}号贸易有限公司" if i % 10 else f"张江{i}号贸易有限公司"
        make_entity(unit, name, address=f"上海市某区某路{i}号")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_entity")
    search_pg.reset_statistics()
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 5)
    monkeypatch.setattr(search_pg, "WALK_ROW_US", 0.00001)
    monkeypatch.setattr(search_pg, "MIN_WINDOW", 20)
    station = make_user("zj", org["zhangjiang"])
    found = search_entities(Entity.objects.visible_to(station), "松江", user=station)
    assert list(found) == []
    ((ids, complete),) = spy
    assert ids == [] and not complete
    search_pg.reset_statistics()
