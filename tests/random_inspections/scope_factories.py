"""Data-scope walk factories for the scoped models of zhijian.random_inspections (see tests/scope_world.py)."""

from tests.scope_world import factory  # noqa: F401
