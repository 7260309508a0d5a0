"""The demo step: an inspector directory and drawn plans that verify, once."""

from __future__ import annotations

import io

import pytest

from tests.random_inspections.conftest import list_entity, make_entity
from zhijian.core import context
from zhijian.core.demo import load_demo
from zhijian.core.models import OrgUnit
from zhijian.random_inspections import demo_data, services
from zhijian.random_inspections.models import Draw, InspectorProfile, Plan


@pytest.fixture
def demo_world(db, settings):
    from zhijian.core import services as core_services

    settings.DEMO_MODE = True
    core_services.load_default_org_tree()
    with context.acting_as(context.cli_context()):
        load_demo()
    for code, district in (("310115", "310115"), ("310117", "310117")):
        stations = list(OrgUnit.objects.filter(parent__code=code, kind="station"))
        for i in range(240):
            entity = make_entity(stations[i % len(stations)], district=district,
                                 industry="5211" if i % 2 else "7212")  # fmt: skip
            if i % 40 == 0:
                list_entity(entity, "严重违法失信名单")


@pytest.mark.django_db
def test_demo_plans_are_drawn_verified_and_idempotent(demo_world):
    with context.acting_as(context.cli_context()):
        line = demo_data.build(io.StringIO())
    assert "3 个抽查计划" in line
    assert Plan.objects.filter(state=Plan.State.DRAWN).count() == 3
    assert Draw.objects.count() == 4  # one redraw, the old draw kept
    assert all(services.verify_draw(d).ok for d in Draw.objects.all())
    assert services.published_draws().count() == 2
    joint = Plan.objects.get(name__contains="联合")
    for row in joint.current_draw().result:
        assert any(b.startswith("XF") for b in row["inspectors"]) and len(row["inspectors"]) == 3
    assert InspectorProfile.objects.filter(user__username="zhangjiang").exists()
    with context.acting_as(context.cli_context()):
        assert demo_data.build(io.StringIO()) is None
    assert Draw.objects.count() == 4
