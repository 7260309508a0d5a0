"""The demo step: items and tasks in every state for the demo accounts' units, once."""

from __future__ import annotations

import io

import pytest

from zhijian.core import context
from zhijian.core.demo import load_demo
from zhijian.supervision import demo_data, services
from zhijian.supervision.models import SupervisionItem, Task


@pytest.fixture
def demo_world(db, settings):
    from zhijian.core import services as core_services

    settings.DEMO_MODE = True
    core_services.load_default_org_tree()
    with context.acting_as(context.cli_context()):
        load_demo()


@pytest.mark.django_db
def test_demo_data_is_complete_and_idempotent(demo_world):
    with context.acting_as(context.cli_context()):
        line = demo_data.build(io.StringIO())
    assert "15 个监管事项" in line and "300 件监管任务" in line
    assert SupervisionItem.objects.count() == len(demo_data.ITEMS) == 15
    states = set(Task.objects.values_list("state", flat=True))
    assert states == set(Task.State.values)
    assert any(services.is_overdue(t) for t in Task.objects.filter(state__in=Task.OPEN_STATES))
    assert Task.objects.filter(urged_at__isnull=False).exists()
    assert all(item.legal_basis and item.checklist for item in SupervisionItem.objects.all())
    from zhijian.core.models import User

    inspector = User.objects.get(username="zhangjiang")
    assert services.visible_todos(inspector).exists()
    with context.acting_as(context.cli_context()):
        assert demo_data.build(io.StringIO()) is None
    assert Task.objects.count() == 300
