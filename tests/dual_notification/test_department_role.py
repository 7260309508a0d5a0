"""Department users hold the core role 委办局用户: granted by membership, with the
permissions dual notification declares, removed with the last membership; the old app group
is migrated to the role."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from zhijian.core import roles
from zhijian.dual_notification import services
from zhijian.dual_notification.models import Department

pytestmark = pytest.mark.django_db


def test_membership_grants_and_removes_the_core_role(org, make_user):
    user = make_user("weijian", org["city"], [], full_name="卫健委工作人员")
    health, _ = Department.objects.get_or_create(
        code="ZZ-TEST-WJW", defaults={"name": "测试卫生健康委"}
    )
    member = services.add_member(user, health)
    assert user.has_role(roles.DEPARTMENT_USER)
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm(services.RESPOND)
    assert user.has_perm("dual_notification.view_notification")
    assert not user.has_perm("supervision.view_task")  # least privilege
    services.remove_member(member)
    assert not type(user).objects.get(pk=user.pk).has_role(roles.DEPARTMENT_USER)


def test_the_old_group_is_migrated_to_the_role(org, make_user):
    from zhijian.core.models import Role

    migration = importlib.import_module("zhijian.dual_notification.migrations.0003_department_role")
    user = make_user("old_member", org["city"], [])
    old = Group.objects.create(name=migration.OLD_GROUP)
    user.groups.add(old)
    migration.forwards(django_apps, None)
    assert not Group.objects.filter(name=migration.OLD_GROUP).exists()
    assert user.groups.filter(pk=Role.objects.get(code=roles.DEPARTMENT_USER).pk).exists()
