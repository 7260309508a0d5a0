import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from zhijian.core import masking, roles


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("31011519900101123X", "310***********123X"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_mask_id_number(value, masked):
    assert masking.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("13812345678", "138****5678"), ("", ""), ("1381", "****")]
)
def test_mask_mobile(value, masked):
    assert masking.mask_mobile(value) == masked


def test_mask_name_and_generic():
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("欧阳娜娜") == "欧***"
    assert masking.mask_generic("上海市浦东新区张江路1号") == "上" + "*" * 10 + "号"


@pytest.fixture
def person(org, make_user):
    return make_user(
        "person",
        org["zhangjiang"],
        [roles.STATION_INSPECTOR],
        mobile="13812345678",
        id_number="31011519900101123X",
    )


def test_pages_api_and_exports_are_masked(client, sysadmin, person):
    client.force_login(sysadmin)
    for url in (
        reverse("core:user_list"),
        reverse("core:user_detail", args=[person.pk]),
        reverse("core:user_list") + "?export=csv",
        "/api/v1/users/",
        f"/api/v1/users/{person.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert "13812345678" not in body, url
        assert "31011519900101123X" not in body, url
    assert "138****5678" in client.get(reverse("core:user_list")).content.decode()


def test_unmask_needs_permission(client, sysadmin, person):
    client.force_login(sysadmin)
    url = reverse("core:unmask", args=["core", "user", person.pk, "mobile"])
    assert client.post(url).status_code == 403


def test_unmask_with_permission_is_audited(client, org, make_user, person):
    from zhijian.audit.models import AuditRecord

    viewer = make_user("viewer", org["pudong"], [roles.DISTRICT_OFFICER])
    viewer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    client.force_login(viewer)
    url = reverse("core:unmask", args=["core", "user", person.pk, "id_number"])
    response = client.post(url)
    assert response.status_code == 200
    assert response.json()["value"] == "31011519900101123X"
    record = AuditRecord.objects.filter(action="unmask").latest("pk")
    assert record.actor_username == "viewer"
    assert record.object_id == str(person.pk)
    assert "31011519900101123X" not in str(record.__dict__)
    # GET is not allowed (no unmasking by link), other fields are refused.
    assert client.get(url).status_code == 405
    bad = reverse("core:unmask", args=["core", "user", person.pk, "password"])
    assert client.post(bad).status_code == 403


def test_unmask_outside_scope_is_not_found(client, org, make_user, person):
    viewer = make_user("viewer2", org["songjiang"], [roles.DISTRICT_OFFICER])
    viewer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    client.force_login(viewer)
    url = reverse("core:unmask", args=["core", "user", person.pk, "mobile"])
    assert client.post(url).status_code == 404
