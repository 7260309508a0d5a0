"""Pages: lists, detail with actions, create form, urging, performance, entity section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zhijian.supervision import services
from zhijian.supervision.models import SupervisionItem, Task


@pytest.fixture
def item(db):
    return SupervisionItem.objects.create(
        code="SP-001",
        name="食品经营许可事项检查",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        department="食品经营监管处",
        checklist=[{"key": "licence", "question": "是否持有有效食品经营许可证"}],
    )


def _task(unit, **kw):
    kw.setdefault("title", "日常检查")
    kw.setdefault("source", Task.Source.MANUAL)
    kw.setdefault("due_days", 5)
    return services.create_task(unit=unit, **kw)


@pytest.mark.django_db
def test_pages_answer(client, org, people, item):
    task = _task(org["zhangjiang"], item=item)
    client.force_login(people["pudong"])
    for url in (
        reverse("supervision:my_todos"),
        reverse("supervision:task_list"),
        reverse("supervision:task_detail", args=[task.pk]),
        reverse("supervision:task_create"),
        reverse("supervision:item_list"),
        reverse("supervision:item_detail", args=[item.pk]),
        reverse("supervision:item_create"),
        reverse("supervision:item_update", args=[item.pk]),
        reverse("supervision:item_import"),
        reverse("supervision:performance"),
        reverse("supervision:task_list") + "?export=xlsx",
        reverse("supervision:my_todos") + "?export=csv",
        reverse("supervision:task_list") + "?page=1&sort=-due_on",
        reverse("supervision:item_list") + "?export=csv",
        reverse("supervision:performance") + "?export=xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_overdue_badge_and_filter_for_the_unit_above(client, org, people):
    late = _task(org["zhangjiang"], title="逾期的任务", start=dt.date(2026, 1, 5), due_days=3)
    _task(org["zhangjiang"], title="未到期的任务", due_days=30)
    client.force_login(people["pudong"])
    response = client.get(reverse("supervision:task_list") + "?overdue=true&state=open")
    text = response.content.decode()
    assert "逾期的任务" in text and "未到期的任务" not in text
    assert 'class="badge badge-danger"' in text
    assert response.context["overdue_total"] == 1
    assert client.get(reverse("supervision:task_list")).context["overdue_total"] == 1
    assert client.get(reverse("supervision:my_todos")).context["overdue_total"] == 1
    # the district officer's to-dos list the station's overdue task
    todos = client.get(reverse("supervision:my_todos")).content.decode()
    assert late.number in todos


@pytest.mark.django_db
def test_create_form_errors_and_success(client, org, people):
    client.force_login(people["pudong"])
    url = reverse("supervision:task_create")
    response = client.post(url, {"title": "", "unit": org["pudong"].pk, "due_days": 0})
    text = response.content.decode()
    assert response.status_code == 200
    assert "该字段是必填项" in text and "确保该值大于或等于1" in text
    response = client.post(
        url, {"title": "检查", "unit": org["yexie"].pk, "due_days": 5, "entity_uscc": "X"}
    )
    assert "选择一个有效的选项" in response.content.decode()
    response = client.post(
        url, {"title": "专项检查", "unit": org["huamu"].pk, "due_days": 5, "working_days": "on"}
    )
    assert response.status_code == 302
    task = Task.objects.get(title="专项检查")
    assert task.unit == org["huamu"] and task.created_by == people["pudong"]


@pytest.mark.django_db
def test_action_form_shows_chinese_error(client, org, people):
    task = _task(org["pudong"])
    client.force_login(people["pudong"])
    url = reverse("supervision:task_action", args=[task.pk])
    response = client.post(url, {"action": "cancel", "note": ""})
    assert response.status_code == 400
    assert "撤销必须填写原因" in response.content.decode()
    response = client.post(url, {"action": "delegate", "to_unit": org["zhangjiang"].pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.unit == org["zhangjiang"]


@pytest.mark.django_db
def test_urge_puts_task_on_top_of_todos(client, org, people):
    first = _task(org["zhangjiang"], title="先到期", due_days=2)
    urged = _task(org["zhangjiang"], title="后到期但被督办", due_days=20)
    client.force_login(people["pudong"])
    response = client.post(reverse("supervision:task_urge", args=[urged.pk]), {"note": "尽快办理"})
    assert response.status_code == 302
    urged.refresh_from_db()
    assert urged.urged_at is not None
    assert urged.events.filter(action="urge", note="尽快办理").exists()
    todos = list(services.visible_todos(people["zhang"]))
    assert todos[0] == urged and first in todos
    client.force_login(people["zhang"])
    text = client.get(reverse("supervision:my_todos")).content.decode()
    assert text.index(urged.number) < text.index(first.number)
    assert "已督办" in text


@pytest.mark.django_db
def test_inspector_cannot_urge_or_manage(client, org, people):
    task = _task(org["zhangjiang"])
    client.force_login(people["zhang"])
    client.post(reverse("supervision:task_urge", args=[task.pk]))
    task.refresh_from_db()
    assert task.urged_at is None
    assert client.get(reverse("supervision:performance")).status_code == 403
    assert client.get(reverse("supervision:task_create")).status_code == 403


@pytest.mark.django_db
def test_auditor_sees_nothing(client, org, auditor):
    client.force_login(auditor)
    assert client.get(reverse("supervision:my_todos")).status_code == 403
    assert client.get(reverse("supervision:item_list")).status_code == 403


@pytest.mark.django_db
def test_home_count_and_entity_section(client, org, people):
    from tests.scope_world import _entity

    entity = _entity(org["zhangjiang"], "档案")
    _task(org["zhangjiang"], title="档案中的任务", entity=entity)
    client.force_login(people["zhang"])
    home = client.get(reverse("core:home")).content.decode()
    todos = reverse("supervision:my_todos")
    assert f'data-testid="todo-count"><a href="{todos}">1</a><' in home
    assert (
        f'<a href="{todos}" data-testid="todo-supervision.tasks">监管任务 <strong>1</strong>'
        in home
    )
    page = client.get(entity.get_absolute_url()).content.decode()
    assert "档案中的任务" in page and "监管任务" in page


@pytest.mark.django_db
def test_performance_counts(client, org, people):
    done = _task(org["zhangjiang"], title="已办结")
    services.transition(done, "claim", user=people["zhang"])
    services.transition(done, "complete", user=people["zhang"])
    _task(org["zhangjiang"], title="逾期", start=dt.date(2026, 1, 5), due_days=1)
    from zhijian.supervision import performance

    today = dt.date.today()
    rows = performance.by_unit(people["pudong"], org["pudong"], today.replace(day=1), today)
    zhangjiang = next(r for r in rows if r.key == org["zhangjiang"].pk)
    assert zhangjiang.received == 2 and zhangjiang.closed == 1 and zhangjiang.overdue == 1
    person = performance.by_person(people["pudong"], org["pudong"], today.replace(day=1), today)
    assert person[0].closed == 1 and person[0].average_days == 0
    client.force_login(people["pudong"])
    text = client.get(reverse("supervision:performance")).content.decode()
    assert "张江市场监督管理所" in text and "逾期任务" in text
