"""The service contract other apps code against."""

from __future__ import annotations

import pytest

from zhijian.audit.models import AuditRecord
from zhijian.supervision import services
from zhijian.supervision.models import Task


@pytest.mark.django_db
def test_create_delegate_claim_complete(org, people):
    task = services.create_task(
        title="检查食品经营许可", unit=org["city"], source=Task.Source.MANUAL, due_days=10
    )
    assert task.number.startswith("RW") and len(task.number) == 16
    assert task.state == Task.State.NEW and task.due_on is not None
    task = services.transition(task, "delegate", user=people["city"], to_unit=org["pudong"])
    task = services.transition(task, "delegate", user=people["pudong"], to_unit=org["zhangjiang"])
    assert task.unit == org["zhangjiang"] and task.state == Task.State.ASSIGNED
    task = services.transition(task, "claim", user=people["zhang"])
    task = services.transition(task, "start", user=people["zhang"])
    task = services.complete_task(task, user=people["zhang"], result_ref="inspections.x:1")
    task.refresh_from_db()
    assert task.state == Task.State.DONE and task.result_ref == "inspections.x:1"
    assert task.events.count() == 6


@pytest.mark.django_db
def test_bulk_create_one_audit_record(org):
    before = AuditRecord.objects.count()
    tasks = services.bulk_create_tasks(
        [{"title": f"抽查{i}", "unit": org["zhangjiang"], "due_days": 20} for i in range(50)],
        source=Task.Source.RANDOM,
        source_ref="random_inspections.draw:1",
    )
    assert len(tasks) == 50 and all(t.pk for t in tasks)
    assert len({t.number for t in tasks}) == 50
    assert AuditRecord.objects.count() == before + 1
