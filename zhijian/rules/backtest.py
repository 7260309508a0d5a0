"""Backtests: how many warnings a rule would have raised each month had it been in force.

Each month the rule runs as of the month's last day (the parameters in force on that day,
dated values included) without writing anything; the deduplication window is applied across
the months as a real schedule would. The registry holds current states, not history: a rule
that reads the current registration status (live entities) sees today's status on every
past day, which the output of a backtest must be read with.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from .definitions import RuleDefinition
from .engine import candidates, rule_rows


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    as_of: dt.date
    candidates: int
    warnings: int


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of each month from ``start``'s month to ``end``'s (``end`` itself last)."""
    days = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        days.append(min(last, end))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def monthly(rule: RuleDefinition, start: dt.date, end: dt.date) -> list[Month]:
    raised: dict[tuple[int, str], dt.date] = {}
    window = dt.timedelta(days=rule.dedup_days)
    months = []
    for as_of in month_ends(start, end):
        found = candidates(rule, rule_rows(rule, as_of))
        fresh = 0
        for c in found:
            last = raised.get((c.entity_id, c.key))
            if last is None or rule.dedup_days <= 0 or as_of - last >= window:
                raised[(c.entity_id, c.key)] = as_of
                fresh += 1
        months.append(Month(f"{as_of:%Y-%m}", as_of, len(found), fresh))
    return months
