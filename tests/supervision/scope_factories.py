"""Data-scope walk factories for the scoped models of zhijian.supervision (see tests/scope_world.py)."""

from __future__ import annotations

from tests.scope_world import _entity, factory
from zhijian.core.models import OrgUnit


def _task(unit: OrgUnit, tag: str):
    from zhijian.supervision import services
    from zhijian.supervision.models import SupervisionItem, Task

    item, _ = SupervisionItem.objects.get_or_create(
        code="SCOPE-ITEM", defaults={"name": "数据范围测试事项", "legal_basis": "测试依据",
                                     "department": "测试处"},
    )  # fmt: skip
    entity = _entity(unit, f"{tag}任务对象")
    return services.create_task(
        title=f"{tag}监管任务",
        unit=unit,
        source=Task.Source.MANUAL,
        item=item,
        entity=entity,
        due_days=5,
        description=f"{tag}任务说明",
    ), entity


@factory("supervision.task")
def make_task(unit: OrgUnit, tag: str):
    task, entity = _task(unit, tag)
    return task, [task.number, task.title, entity.name]


@factory("supervision.taskevent")
def make_taskevent(unit: OrgUnit, tag: str):
    task, entity = _task(unit, tag)
    event = task.events.get()
    return event, [task.number, f"{tag}任务说明", entity.name]
