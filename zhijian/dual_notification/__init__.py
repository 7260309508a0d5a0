"""Dual notification to licensing departments (issue 4)."""
