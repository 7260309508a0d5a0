"""The to-do list: whose tasks it holds, overdue visibility for the units above, its count."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.supervision import services
from zhijian.supervision.models import Task

PAST = dt.date(2026, 1, 5)


def _task(unit, **kw):
    kw.setdefault("title", "任务")
    kw.setdefault("due_days", 5)
    return services.create_task(unit=unit, source=Task.Source.MANUAL, **kw)


@pytest.fixture
def world(org, people):
    t = {
        "zhang_own": _task(org["zhangjiang"], assignee=people["zhang"]),
        "zhang2_own": _task(org["zhangjiang"], assignee=people["zhang2"]),
        "station_free": _task(org["zhangjiang"]),
        "station_late": _task(org["zhangjiang"], assignee=people["zhang2"], start=PAST),
        "huamu_late": _task(org["huamu"], start=PAST),
        "huamu_fresh": _task(org["huamu"]),
        "district_free": _task(org["pudong"]),
        "district_late": _task(org["pudong"], start=PAST),
        "yexie_late": _task(org["yexie"], start=PAST),
        "city_free": _task(org["city"]),
    }
    done = _task(org["zhangjiang"], assignee=people["zhang"], start=PAST)
    services.transition(done, "complete", user=people["zhang"])
    return t


def names(world, qs):
    ids = set(qs.values_list("pk", flat=True))
    return {name for name, task in world.items() if task.pk in ids}


@pytest.mark.django_db
def test_inspector_sees_own_and_unassigned(world, people):
    todos = services.visible_todos(people["zhang"])
    assert names(world, todos) == {"zhang_own", "station_free"}
    assert todos.count() == 2 == len(list(todos))


@pytest.mark.django_db
def test_district_officer_sees_overdue_below(world, people):
    todos = services.visible_todos(people["pudong"])
    assert names(world, todos) == {"district_free", "district_late", "station_late", "huamu_late"}
    assert todos.count() == 4


@pytest.mark.django_db
def test_city_officer_sees_every_overdue_task(world, people):
    todos = services.visible_todos(people["city"])
    assert names(world, todos) == {
        "city_free", "district_late", "station_late", "huamu_late", "yexie_late",
    }  # fmt: skip
    assert todos.count() == 5


@pytest.mark.django_db
def test_scope_still_applies(world, people):
    assert "yexie_late" not in names(world, services.visible_todos(people["pudong"]))
    assert services.visible_todos(people["songjiang"]).count() == 1


@pytest.mark.django_db
def test_count_follows_filters(world, people):
    todos = services.visible_todos(people["pudong"])
    assert todos.filter(unit__code="310115").count() == 2
    assert todos.exclude(unit__code="310115").count() == 2
    assert todos.none().count() == 0
    assert todos.filter(services.overdue_q()).count() == 3


@pytest.mark.django_db
def test_a_task_assigned_to_the_officer_below_is_counted_once(world, org, people):
    """A user moved up keeps a task assigned to them in a unit below (parts overlap)."""
    late = world["huamu_late"]
    Task.objects.filter(pk=late.pk).update(assignee=people["pudong"])
    todos = services.visible_todos(people["pudong"])
    assert todos.count() == len(list(todos)) == 4


@pytest.mark.django_db
def test_urged_tasks_come_first(world, people):
    services.urge(world["huamu_fresh"], user=people["pudong"], note="加快")
    todos = list(services.visible_todos(people["huamu"]))
    assert todos[0] == world["huamu_fresh"]


@pytest.mark.django_db
def test_urge_refusals(world, people):
    with pytest.raises(services.TaskError, match="没有督办任务的权限"):
        services.urge(world["station_free"], user=people["zhang"])
    with pytest.raises(services.TaskError, match="不在您的数据范围内"):
        services.urge(world["yexie_late"], user=people["pudong"])


@pytest.mark.django_db
def test_pages_of_the_todo_list_match_the_plain_query(world, org, people):
    """The two-step page (keys from the parts, then the rows) equals the database's order."""
    for i in range(30):
        _task(org["huamu"], title=f"逾期{i}", start=PAST, due_days=1 + i % 7)
    services.urge(world["huamu_late"], user=people["pudong"])
    todos = services.visible_todos(people["pudong"])
    plain = list(Task.objects.filter(pk__in=todos.values("pk")).order_by(*services.TODO_ORDER))
    assert len(plain) == todos.count() == 34
    pages = [todos[i : i + 10] for i in range(0, 40, 10)]
    assert isinstance(pages[0], list) and pages[0][0] == world["huamu_late"]
    assert [t.pk for page in pages for t in page] == [t.pk for t in plain]
    assert todos[5:7] == plain[5:7]


@pytest.mark.django_db
def test_overdue_count_of_the_todo_list(world, people):
    for who, expected in (("pudong", 3), ("city", 4), ("zhang", 0), ("zhang2", 1)):
        todos = services.visible_todos(people[who])
        plain = todos.filter(services.overdue_q()).count()
        assert plain == expected, who
        assert todos.overdue_count() == plain, who
        todos.count()  # with the parts' counts cached
        assert todos.overdue_count() == plain, who


@pytest.mark.django_db
def test_task_list_pages_in_two_steps(world, people):
    tasks = services.tasks_in_scope(people["pudong"]).order_by("-due_on", "-id")
    plain = list(Task.objects.visible_to(people["pudong"]).order_by("-due_on", "-id"))
    assert isinstance(tasks[0:3], list) and tasks[0:3] == plain[0:3]
    assert tasks[3:100] == plain[3:]
    assert list(tasks[: services.PAGE_MAX + 1]) == plain  # large slices stay querysets
    assert tasks[: services.PAGE_MAX + 1].count() == len(plain)
