"""Data-scope walk factories for the scoped models of zhijian.dual_notification (see tests/scope_world.py)."""

from tests.scope_world import factory  # noqa: F401
