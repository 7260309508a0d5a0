import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD
from zhijian.core import roles
from zhijian.core.passwords import character_classes


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("Abcd123!", 4), ("密码abc123", 3)],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize("password", ["Ab1!xyz", "abcdefgh1", "ABCDEFG12", "abcdEFGH"])
def test_weak_passwords_are_rejected_with_chinese_reasons(password):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    text = " ".join(exc.value.messages)
    assert "密码" in text


@pytest.mark.parametrize("password", ["Abcd1234x", "abcd-1234x", "ZHIJIAN#2026q"])
def test_strong_passwords_pass(password):
    validate_password(password)


def test_admin_created_account_must_change_password_first(client, org, make_user):
    make_user("newbie", org["zhangjiang"], [roles.STATION_INSPECTOR], must_change=True)
    response = client.post(reverse("core:login"), {"username": "newbie", "password": PASSWORD})
    assert response.status_code == 302
    # Any page sends the user to the password change page until the password is changed.
    for url in (reverse("core:home"), reverse("core:unit_list"), "/api/v1/units/"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response.url == reverse("core:password_change")
    response = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    response = client.post(
        reverse("core:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Qx7-new-pass",
            "new_password2": "Qx7-new-pass",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_reset_by_administrator_forces_change_again(client, org, sysadmin, make_user):
    target = make_user("inspector", org["zhangjiang"], [roles.STATION_INSPECTOR])
    client.force_login(sysadmin)
    response = client.post(reverse("core:user_reset_password", args=[target.pk]))
    assert response.status_code == 200
    target.refresh_from_db()
    assert target.must_change_password
    new_password = response.context["initial_password"]
    assert target.check_password(new_password)
    validate_password(new_password)


def test_create_user_through_page_shows_initial_password_once(client, org, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("core:user_create"),
        {
            "username": "created",
            "full_name": "新用户",
            "unit": org["yexie"].pk,
            "roles": [],
            "mobile": "13912345678",
            "id_number": "",
            "badge_number": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    from zhijian.core.models import User

    user = User.objects.get(username="created")
    assert user.must_change_password
    assert user.check_password(response.context["initial_password"])


def test_user_form_rejects_bad_mobile_with_chinese_message(client, org, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("core:user_create"),
        {"username": "bad", "unit": org["yexie"].pk, "mobile": "12345", "is_active": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "mobile" in errors
    assert any("手机" in e or "位" in e for e in errors["mobile"])


def test_form_cancel_goes_back_without_javascript_links(client, org, sysadmin):
    client.force_login(sysadmin)
    page = client.get("/users/new/", HTTP_REFERER="http://testserver/users/?q=x").content.decode()
    assert 'href="http://testserver/users/?q=x"' in page
    assert "javascript:" not in page
    page = client.get("/users/new/", HTTP_REFERER="http://evil.example/").content.decode()
    assert "evil.example" not in page
