"""Data-scope walk factories for the scoped models of zhijian.inspections (see tests/scope_world.py).

The records are made as an inspector records them: not yet published. The public results page
(/inspections/public/) shows *published* results city-wide by design (双随机、一公开), so it is
outside the data scope; tests/inspections/test_public.py proves it shows nothing unpublished.
"""

from __future__ import annotations

import uuid

from tests.scope_world import _entity, factory
from zhijian.core.models import OrgUnit


def _inspection(unit: OrgUnit, tag: str, *, outcome="未发现问题"):
    from zhijian.core import numbers
    from zhijian.inspections.models import Inspection

    entity = _entity(unit, f"{tag}检查对象")
    inspection = Inspection.objects.create(
        number=numbers.issue("JC20240506", 6)[0],
        entity=entity,
        unit=unit,
        inspecting_unit=unit,
        inspected_on="2024-05-06",
        method="日常检查",
        outcome=outcome,
        findings=f"{tag}发现问题",
        findings_count=1 if outcome != "未发现问题" else 0,
        client_uuid=uuid.uuid4(),
        publish_due_on="2024-06-03",
    )
    return inspection, entity


@factory("inspections.inspection")
def make_inspection(unit: OrgUnit, tag: str):
    inspection, entity = _inspection(unit, tag)
    return inspection, [inspection.number, f"{tag}发现问题", entity.name]


@factory("inspections.inspectionphoto")
def make_inspectionphoto(unit: OrgUnit, tag: str):
    from zhijian.inspections.models import InspectionPhoto

    inspection, entity = _inspection(unit, tag)
    photo = InspectionPhoto.objects.create(
        inspection=inspection,
        file=f"inspections/2024/05/{tag.lower()}.jpg",
        original_name=f"{tag}照片.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
    )
    return photo, [inspection.number, f"{tag}照片.jpg", entity.name]


@factory("inspections.rectification")
def make_rectification(unit: OrgUnit, tag: str):
    from zhijian.inspections.models import Rectification

    inspection, entity = _inspection(unit, tag, outcome="发现问题已责令整改")
    rectification = Rectification.objects.create(
        inspection=inspection,
        order=f"{tag}整改要求",
        ordered_on="2024-05-06",
        working_days=10,
        deadline="2024-05-20",
    )
    return rectification, [inspection.number, f"{tag}整改要求", entity.name]
