import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from zhijian.dictionaries import workdays
from zhijian.dictionaries.models import CalendarDay, CalendarYear
from zhijian.dictionaries.services import (
    Deadline,
    Roll,
    Unit,
    add_calendar_days,
    add_months,
    add_working_days,
    compute_deadline,
    covered,
    deadline_is_provisional,
    is_in_time,
    is_statutory_holiday,
    is_working_day,
    next_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def test_2025_national_day_arrangement():
    # 国办发明电〔2024〕12号 as shipped by chinese-calendar 1.11.0: 10-01..10-08 off,
    # Sunday 09-28 and Saturday 10-11 worked.
    assert all(is_statutory_holiday(date(2025, 10, day)) for day in range(1, 9))
    assert is_working_day(date(2025, 9, 28))  # adjusted working Sunday
    assert is_working_day(date(2025, 10, 11))  # adjusted working Saturday
    assert not is_working_day(date(2025, 10, 12))  # ordinary Sunday


def test_one_working_day_after_the_eve_of_national_day():
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # 调休 Saturday
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # 调休 Sunday


def test_start_day_is_not_counted():
    monday = date(2025, 3, 3)
    assert add_working_days(monday, 1) == date(2025, 3, 4)
    assert add_working_days(monday, 5) == date(2025, 3, 10)
    assert add_working_days(monday, 0) == monday
    assert add_calendar_days(monday, 1) == date(2025, 3, 4)
    # a start on a holiday or weekend still counts from the next working day
    assert add_working_days(date(2025, 10, 1), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)


def test_fifteen_working_days_including_the_last_day():
    # Art. 84: "十五个工作日内" includes day 15.
    due = add_working_days(date(2025, 9, 19), 15)
    assert due == date(2025, 10, 16)
    assert working_days_between(date(2025, 9, 19), due) == 15
    assert is_in_time(due, due)
    assert not is_in_time(next_working_day(due), due)


def test_negative_working_days_count_backwards():
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_calendar_day_deadline_on_a_holiday_moves_to_the_next_working_day():
    assert add_calendar_days(date(2025, 9, 24), 7) == date(2025, 10, 9)  # ends 10-01
    assert add_calendar_days(date(2025, 9, 24), 7, Roll.AFTER_HOLIDAY) == date(2025, 10, 9)
    assert add_calendar_days(date(2025, 9, 24), 7, Roll.NONE) == date(2025, 10, 1)


def test_ordinary_weekend_moves_by_default_but_not_under_the_literal_rule():
    monday = date(2025, 3, 3)
    assert add_calendar_days(monday, 5) == date(2025, 3, 10)  # Saturday -> Monday
    assert add_calendar_days(monday, 5, Roll.AFTER_HOLIDAY) == date(2025, 3, 8)
    # literal Art. 80: first day after the holiday, even if that is a Saturday
    assert add_calendar_days(date(2015, 12, 31), 1, Roll.AFTER_HOLIDAY) == date(2016, 1, 2)
    assert add_calendar_days(date(2015, 12, 31), 1) == date(2016, 1, 4)


def test_adjusted_working_weekend_day_does_not_move_a_deadline():
    assert add_calendar_days(date(2025, 9, 21), 7) == date(2025, 9, 28)


def test_months():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 8, 1), 2) == date(2025, 10, 9)  # 10-01 is a holiday
    assert add_months(date(2025, 11, 15), 3, Roll.NONE) == date(2026, 2, 15)


def test_year_without_arrangement_falls_back_to_monday_to_friday_and_is_flagged():
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert add_working_days(date(2031, 9, 30), 1) == date(2031, 10, 1)  # no holidays known
    assert not covered(date(2031, 9, 30), date(2031, 10, 1))
    assert deadline_is_provisional(date(2026, 12, 20), date(2027, 1, 10))
    assert covered(date(2025, 12, 20), date(2026, 1, 10))
    result = compute_deadline(date(2031, 9, 30), 1)
    assert result == Deadline(due=date(2031, 10, 1), provisional=True)
    assert compute_deadline(date(2025, 9, 30), 1) == Deadline(date(2025, 10, 9), False)


def test_an_administrator_added_2027_holiday_changes_the_result():
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 1)
    CalendarDay.objects.create(
        date=date(2027, 10, 1),
        kind=CalendarDay.Kind.HOLIDAY,
        name="国庆节",
        source="国务院办公厅关于2027年部分节假日安排的通知",
    )
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 4)
    assert compute_deadline(date(2027, 9, 30), 1).provisional
    CalendarYear.objects.create(year=2027, complete=True, source="国务院办公厅")
    assert not compute_deadline(date(2027, 9, 30), 1).provisional


def test_an_administrator_added_adjusted_working_saturday():
    saturday = date(2027, 10, 9)
    assert not is_working_day(saturday)
    CalendarDay.objects.create(date=saturday, kind=CalendarDay.Kind.WORKDAY, name="国庆节")
    assert is_working_day(saturday)
    CalendarDay.objects.filter(date=saturday).delete()
    assert not is_working_day(saturday)


def test_workday_kind_must_be_a_weekend_day():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        CalendarDay(date=date(2027, 10, 8), kind=CalendarDay.Kind.WORKDAY).full_clean()


def test_units_and_datetimes():
    shanghai = ZoneInfo("Asia/Shanghai")
    moment = datetime(2025, 9, 30, 23, 30, tzinfo=shanghai)
    assert add_working_days(moment, 1) == date(2025, 10, 9)
    assert compute_deadline(moment, 7, Unit.CALENDAR_DAYS).due == date(2025, 10, 9)
    assert compute_deadline(moment, 1, Unit.MONTHS).due == date(2025, 10, 30)


def test_cache_is_used_between_calls(django_assert_num_queries):
    add_working_days(date(2025, 1, 2), 10)
    with django_assert_num_queries(0):
        for _ in range(100):
            add_working_days(date(2025, 1, 2), 10)
            is_working_day(date(2025, 5, 1))
            covered(date(2025, 1, 1), date(2025, 12, 31))


def test_batch_speed():
    add_working_days(date(2025, 1, 2), 1)
    started = time.perf_counter()
    for offset in range(20_000):
        add_working_days(date(2025, 1, 1 + offset % 28), 20)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.2f}s for 20,000 deadlines"


def test_missing_tables_fall_back_without_crashing(monkeypatch):
    monkeypatch.setattr(workdays, "_load", lambda: None)
    workdays.clear_cache()
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 1)
    assert not covered(date(2025, 1, 1), date(2025, 1, 2))
