"""Credit risk class (企业信用风险分类 A/B/C/D) of market entities: PROVISIONAL.

The register holds no credit risk classification yet (the classification model is issue 6).
Until then the class is derived from the register by the rule below, defined once in
``CONDITIONS`` and evaluated two ways: set-wise for a whole pool (``classes_in``: a few
queries on the listing and penalty tables, however large the register) and as a SQL
expression for a page of the target directory (``class_expression``). Issue 6 replaces this
module's two functions; nothing else knows the rule.

Provisional rule (first match wins; the national indicator system is UNVERIFIED,
domain-rules §3):
    D  on the serious violators list (严重违法失信名单), not removed on the day;
    C  on the abnormal operations list (经营异常名录), not removed on the day;
    B  an administrative penalty decided in the last N years (N = the dated parameter
       ``random_inspections.provisional_penalty_years``, default 3), other than
       不予处罚 / 免罚;
    A  everything else.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from zhijian.registry.models import CreditListing, PenaltyRecord

from .rules import PROVISIONAL_PENALTY_YEARS

PROVISIONAL = True


def _conditions(day: dt.date):
    years = PROVISIONAL_PENALTY_YEARS.on(day)
    try:
        since = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        since = day.replace(year=day.year - years, day=28)
    current = Q(listed_on__lte=day) & (Q(removed_on__isnull=True) | Q(removed_on__gt=day))
    return [
        ("D", CreditListing, current & Q(list_type=CreditListing.ListType.SERIOUS)),
        ("C", CreditListing, current & Q(list_type=CreditListing.ListType.ABNORMAL)),
        (
            "B",
            PenaltyRecord,
            Q(entity__isnull=False, decided_on__gt=since, decided_on__lte=day)
            & ~Q(intensity__in=["不予处罚", "免罚"]),
        ),
    ]


CONDITIONS = _conditions  # the rule, for readers: (class, model, condition) in order


def classes_in(unit_path: str, day: dt.date | None = None) -> dict[str, str]:
    """USCC → class for the entities below ``unit_path`` ("" for all) that are not class A."""
    day = day or timezone.localdate()
    found: dict[str, str] = {}
    for cls, model, condition in _conditions(day):
        rows = model._default_manager.filter(condition)
        if unit_path:
            rows = rows.filter(unit__path__startswith=unit_path)
        usccs = rows.values_list("entity__uscc", flat=True).distinct()
        for uscc in usccs.iterator(chunk_size=20000):
            found.setdefault(uscc, cls)
    return found


def class_expression(day: dt.date | None = None):
    """An expression giving an ``Entity`` row's class (annotate a queryset with it)."""
    day = day or timezone.localdate()
    whens = [
        When(
            Exists(model._default_manager.filter(condition, entity=OuterRef("pk"))),
            then=Value(cls),
        )
        for cls, model, condition in _conditions(day)
    ]
    return Case(*whens, default=Value("A"), output_field=CharField())
