"""Small helpers shared by the management commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def date_option(text: str | None, option: str) -> dt.date | None:
    """The date given to ``option`` (YYYY-MM-DD), ``None`` when not given; a Chinese error
    naming the option otherwise."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{option} 日期格式不正确：“{text}”（应为 YYYY-MM-DD）") from exc
