"""Fixtures of the audit tests."""

from __future__ import annotations

import pytest

from tests.audit.helpers import head_seq
from zhijian.core import context, roles


@pytest.fixture
def mark(db):
    return head_seq()


@pytest.fixture
def inspector(org, make_user):
    return make_user(
        "inspector",
        org["zhangjiang"],
        [roles.STATION_INSPECTOR],
        full_name="张检查",
        mobile="13812345678",
        id_number="310115199001011234",
    )


@pytest.fixture
def as_inspector(inspector):
    """Act as the inspector from a fixed address, as the request middleware would."""
    ctx = context.context_for_user(inspector, ip="10.1.2.3", channel="web")
    with context.acting_as(ctx):
        yield ctx
