from datetime import date

import pytest

from zhijian.dictionaries import parameters
from zhijian.dictionaries.models import ParameterValue

DAYS = parameters.declare(
    "test.days", 20, name="测试时限", source="测试默认值", validate=parameters.positive_int
)
RATIOS = parameters.declare(
    "test.ratios",
    {"A": 0.03, "B": 0.05},
    name="测试比例",
    source="测试默认值",
    validate=parameters.ratios("AB"),
)


@pytest.mark.django_db
def test_default_until_a_dated_value_takes_effect():
    assert DAYS.on(date(2026, 1, 1)) == 20
    assert DAYS.used(date(2026, 1, 1))["effective_from"] is None
    parameters.set_value("test.days", 15, date(2026, 7, 1), source="沪市监〔2026〕1号")
    parameters.set_value("test.days", 10, date(2027, 1, 1), source="沪市监〔2026〕9号")
    assert DAYS.on(date(2026, 6, 30)) == 20
    assert DAYS.on(date(2026, 7, 1)) == 15
    assert DAYS.on(date(2026, 12, 31)) == 15
    assert DAYS.used(date(2027, 3, 1)) == {
        "key": "test.days",
        "value": 10,
        "effective_from": "2027-01-01",
        "source": "沪市监〔2026〕9号",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("test.days", 0, "正整数"),
        ("test.days", "20", "正整数"),
        ("test.ratios", {"A": 0.1}, "仅包含"),
        ("test.ratios", {"A": 0.1, "B": 1.5}, "0到1"),
        ("test.nothing", 1, "未定义"),
    ],
)
def test_bad_values_are_refused_with_a_reason(key, value, message):
    with pytest.raises(parameters.InvalidParameter, match=message):
        parameters.set_value(key, value, date(2026, 1, 1), source="依据")
    assert not ParameterValue.objects.exists()


@pytest.mark.django_db
def test_a_value_needs_a_source_and_one_per_date():
    with pytest.raises(parameters.InvalidParameter, match="依据"):
        parameters.set_value("test.days", 5, date(2026, 1, 1), source=" ")
    parameters.set_value("test.days", 5, date(2026, 1, 1), source="依据")
    with pytest.raises(parameters.InvalidParameter, match="已有取值"):
        parameters.set_value("test.days", 6, date(2026, 1, 1), source="依据")


DATED = parameters.declare(
    "test.dated", 5, name="测试阈值", source="旧规定", validate=parameters.positive_int,
    history=[(date(2025, 3, 18), 3, "新规定第十条"), (date(2020, 1, 1), 4, "2020年规定")],
)  # fmt: skip


@pytest.mark.django_db
def test_declared_history_then_administrators_values():
    assert DATED.used(date(2019, 12, 31))["value"] == 5  # before the first dated value
    assert DATED.used(date(2020, 1, 1)) == {
        "key": "test.dated", "value": 4, "effective_from": "2020-01-01", "source": "2020年规定",
    }  # fmt: skip
    assert DATED.on(date(2025, 3, 18)) == 3
    parameters.set_value("test.dated", 7, date(2024, 1, 1), source="本局决定")
    assert DATED.on(date(2024, 6, 1)) == 7  # the administrator's later value
    assert DATED.on(date(2025, 6, 1)) == 3  # the declared value of a later date wins again
    parameters.set_value("test.dated", 8, date(2025, 3, 18), source="本局决定（同日）")
    assert DATED.used(date(2025, 6, 1))["source"] == "本局决定（同日）"  # same day: the database


def test_declared_history_values_are_checked():
    with pytest.raises(parameters.InvalidParameter, match="正整数"):
        parameters.declare(
            "test.bad_history", 1, name="坏", source="s", validate=parameters.positive_int,
            history=[(date(2026, 1, 1), 0, "s")],
        )  # fmt: skip
