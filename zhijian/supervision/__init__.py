"""Supervision items, tasks (to-dos), performance management (issue 4)."""
