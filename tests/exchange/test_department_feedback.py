"""归集信息反馈 for partner departments: a 委办局用户 sees the batches of the department(s) they
belong to and their own, never another department's (whatever their unit), imports only as
their department; the bureau's staff keep the data scope of their unit."""

from __future__ import annotations

import pytest
from django.test import Client

from zhijian.core import roles
from zhijian.dual_notification import services as dual
from zhijian.dual_notification.models import Department
from zhijian.exchange import services
from zhijian.exchange.forms import UploadForm

from .conftest import entity_row, make_uscc, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, make_user, tmp_path):
    health, _ = Department.objects.get_or_create(code="ZZ-FB-WJW", defaults={"name": "测试卫健委"})
    member = make_user("wjw_staff", org["city"], [], full_name="卫健委工作人员")
    dual.add_member(member, health)
    officer = make_user("fb_city", org["city"], [roles.CITY_OFFICER])
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc())])
    return {
        "member": type(member).objects.get(pk=member.pk),
        "officer": officer,
        "health_batch": services.import_file("entities", path, source="测试卫健委", user=officer),
        "tax_batch": services.import_file("entities", path, source="区税务局", user=officer),
        "path": path,
    }


def test_a_department_user_sees_only_their_departments_batches(world):
    member = world["member"]
    visible = set(services.visible_batches(member).values_list("pk", flat=True))
    assert visible == {world["health_batch"].pk}
    client = Client()
    client.force_login(member)
    listing = client.get("/exchange/").content.decode()
    assert "测试卫健委" in listing and "区税务局" not in listing
    assert client.get(f"/exchange/batches/{world['health_batch'].pk}/").status_code == 200
    assert client.get(f"/exchange/batches/{world['tax_batch'].pk}/").status_code == 404
    assert client.get(f"/api/v1/exchange/batches/{world['tax_batch'].pk}/").status_code == 404
    assert client.get("/api/v1/exchange/batches/").json()["count"] == 1
    # their own import is theirs to see; the register itself is not theirs to read
    own = services.import_file("entities", world["path"], source="测试卫健委", user=member)
    assert own.pk in set(services.visible_batches(member).values_list("pk", flat=True))
    assert client.get("/entities/").status_code == 403


def test_the_bureau_keeps_its_unit_scope(world):
    visible = set(services.visible_batches(world["officer"]).values_list("pk", flat=True))
    assert {world["health_batch"].pk, world["tax_batch"].pk} <= visible


def test_a_department_user_imports_as_their_department(world):
    form = UploadForm(user=world["member"])
    assert form.fields["source"].choices == [
        ("ZZ-FB-WJW", "ZZ-FB-WJW"),
        ("测试卫健委", "测试卫健委"),
    ]
    bound = UploadForm({"table": "entities", "source": "区税务局"}, user=world["member"])
    assert not bound.is_valid() and "source" in bound.errors
    assert UploadForm(user=world["officer"]).fields["source"].required is False  # free text
