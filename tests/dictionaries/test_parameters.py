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
