"""Configurable, dated parameters: one place for every number the law leaves to local rules.

An app declares each parameter once, at import time::

    PUBLICATION_DAYS = parameters.declare(
        "inspections.publication_working_days", 20,
        name="检查结果公示时限（工作日）",
        source="《企业信息公示暂行条例》第六条：产生之日起20个工作日内公示",
        validate=parameters.positive_int,
    )

and reads it where it is used: ``PUBLICATION_DAYS.on(day)`` (or ``parameters.value(key, day)``)
returns the value in force on ``day``: the latest ``ParameterValue`` whose ``effective_from``
is on or before that day, else the declared default (whose ``source`` says where it comes
from, or that it is a local choice). Every result that used a parameter should record the
value it used (``Parameter.used(day)`` gives key, value, effective date and source).
Administrators add values (a new row per change, never an edit of an old one) with
``set_value``; a value is checked by the declared ``validate`` function, whose Chinese
message names what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

_DECLARED: dict[str, Parameter] = {}


class InvalidParameter(ValueError):
    """A value a parameter cannot take (the message is Chinese and names the problem)."""


@dataclass(frozen=True)
class Parameter:
    key: str
    default: object
    name: str
    source: str
    validate: Callable[[object], object] | None = None
    unit: str = ""
    # Dated values declared with the code (e.g. a rule's YAML): (effective_from, value, source),
    # in date order. A value added by an administrator on the same or a later date wins.
    history: tuple = ()

    def on(self, day: date | None = None):
        return self.used(day)["value"]

    def used(self, day: date | None = None) -> dict:
        """{key, value, effective_from (ISO date or None for the default), source}."""
        from .models import ParameterValue

        day = day or timezone.localdate()
        row = (
            ParameterValue.objects.filter(key=self.key, effective_from__lte=day)
            .order_by("-effective_from")
            .first()
        )
        declared = next((h for h in reversed(self.history) if h[0] <= day), None)
        if declared is not None and (row is None or row.effective_from < declared[0]):
            return {"key": self.key, "value": declared[1],
                    "effective_from": declared[0].isoformat(), "source": declared[2]}  # fmt: skip
        if row is None:
            return {"key": self.key, "value": self.default, "effective_from": None,
                    "source": self.source}  # fmt: skip
        return {"key": self.key, "value": row.value,
                "effective_from": row.effective_from.isoformat(), "source": row.source}  # fmt: skip

    def check(self, value):
        return self.validate(value) if self.validate else value


def declare(
    key: str, default, *, name: str, source: str, validate=None, unit: str = "", history=()
):
    """Declare a parameter (once per key; declaring the same key again returns the first).

    ``history``: dated values known in advance, ``(effective_from, value, source)``."""
    if key in _DECLARED:
        return _DECLARED[key]
    history = tuple(sorted(history, key=lambda h: h[0]))
    parameter = Parameter(key, default, name, source, validate, unit, history)
    parameter.check(default)
    for _day, dated, _source in history:
        parameter.check(dated)
    _DECLARED[key] = parameter
    return parameter


def declared() -> dict[str, Parameter]:
    return dict(_DECLARED)


def get(key: str) -> Parameter:
    try:
        return _DECLARED[key]
    except KeyError:
        raise InvalidParameter(f"未定义的参数“{key}”") from None


def value(key: str, day: date | None = None):
    return get(key).on(day)


def set_value(key: str, new_value, effective_from: date, *, source: str, note: str = ""):
    """Add the value that takes effect on ``effective_from`` (audited like every write)."""
    from .models import ParameterValue

    parameter = get(key)
    if not source.strip():
        raise InvalidParameter("请填写该取值的依据（法规、文件或本局决定）")
    checked = parameter.check(new_value)
    if ParameterValue.objects.filter(key=key, effective_from=effective_from).exists():
        raise InvalidParameter(
            f"参数“{parameter.name}”在{effective_from}已有取值，请选择其他生效日期"
        )
    return ParameterValue.objects.create(
        key=key, value=checked, effective_from=effective_from, source=source, note=note
    )


# --- validators ----------------------------------------------------------------------------


def positive_int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidParameter(f"取值应为正整数，收到“{value}”")
    return value


def ratio(value) -> float:
    """A share between 0 and 1 inclusive."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidParameter(f"比例应为0到1之间的数，收到“{value}”")
    return float(value)


def ratios(keys) -> Callable[[object], dict]:
    """A mapping of exactly ``keys`` to shares between 0 and 1 (e.g. A/B/C/D sampling ratios)."""
    keys = tuple(keys)

    def check(value) -> dict:
        if not isinstance(value, dict) or set(value) != set(keys):
            raise InvalidParameter(f"取值应包含且仅包含：{'、'.join(keys)}")
        return {k: ratio(value[k]) for k in keys}

    return check
