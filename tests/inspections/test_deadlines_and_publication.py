"""Rectification deadlines in working days, the dated publication parameter, publication,
follow-up checks."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.audit.models import AuditRecord
from zhijian.dictionaries import parameters, workdays
from zhijian.dictionaries.models import CalendarDay
from zhijian.inspections import services
from zhijian.inspections.models import Inspection, Rectification
from zhijian.inspections.services import InspectionError, InspectionInvalid

pytestmark = pytest.mark.django_db

NONCONFORMING = {
    "licence": {"result": "conforming", "remark": ""},
    "health": {"result": "nonconforming", "remark": "健康证过期"},
}


def holiday(day: dt.date, name="国庆节"):
    CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": name}
    )
    workdays.clear_cache()


def workday(day: dt.date):
    CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": CalendarDay.Kind.WORKDAY, "name": "调休"}
    )
    workdays.clear_cache()


def rectify(submission, **overrides):
    values = {
        "outcome": "发现问题已责令整改", "answers": NONCONFORMING, "findings": "健康证过期",
        "findings_count": 1, "rectification_order": "办理健康证明",
    }  # fmt: skip
    values.update(overrides)
    return submission(**values)


def test_rectification_deadline_counts_working_days_around_a_holiday(people, submission):
    # Ordered on Monday 2025-09-29; 10-01..10-08 are holidays, Saturday 10-11 is worked.
    for day in range(1, 9):
        holiday(dt.date(2025, 10, day))
    workday(dt.date(2025, 10, 11))
    sub = rectify(submission, inspected_on=dt.date(2025, 9, 29), rectification_days=5)
    inspection, _ = services.record_inspection(people["zhang"], sub)
    # 9-30 (1), 10-09 (2), 10-10 (3), 10-11 Saturday worked (4), 10-13 Monday (5)
    assert inspection.rectification.deadline == dt.date(2025, 10, 13)
    assert inspection.rectification.deadline_rule["source"] == "检查时另定"


def test_rectification_default_days_is_a_dated_parameter(people, submission):
    parameters.set_value(
        "inspections.rectification_working_days", 3, dt.date(2025, 6, 1), source="本局决定"
    )
    before, _ = services.record_inspection(
        people["zhang"], rectify(submission, inspected_on=dt.date(2025, 5, 30))
    )
    after, _ = services.record_inspection(
        people["zhang"], rectify(submission, inspected_on=dt.date(2025, 6, 2))
    )
    assert before.rectification.working_days == 10  # the declared default
    assert before.rectification.deadline == dt.date(2025, 6, 16)  # 端午 6-02 is not counted
    assert after.rectification.working_days == 3
    assert after.rectification.deadline == dt.date(2025, 6, 5)
    assert after.rectification.deadline_rule["effective_from"] == "2025-06-01"


def test_publication_deadline_follows_the_parameter_in_force_on_the_inspection_date(
    people, submission
):
    old, _ = services.record_inspection(
        people["zhang"], submission(inspected_on=dt.date(2025, 3, 3))
    )
    assert old.publish_due_on == dt.date(2025, 3, 31)  # 20 working days
    assert old.publication_rule["value"] == 20 and old.publication_rule["effective_from"] is None
    assert "企业信息公示暂行条例" in old.publication_rule["source"]
    parameters.set_value(
        "inspections.publication_working_days", 10, dt.date(2025, 4, 1), source="本市规定"
    )
    new, _ = services.record_inspection(
        people["zhang"], submission(inspected_on=dt.date(2025, 4, 1))
    )
    assert new.publish_due_on == dt.date(2025, 4, 16)  # 清明 4-04 is not counted
    assert new.publication_rule == {
        "key": "inspections.publication_working_days", "value": 10,
        "effective_from": "2025-04-01", "source": "本市规定",
    }  # fmt: skip
    old.refresh_from_db()
    assert old.publish_due_on == dt.date(2025, 3, 31)  # a recorded deadline never moves


def test_publication_deadline_skips_a_holiday(people, submission):
    holiday(dt.date(2025, 3, 31), "测试假日")
    inspection, _ = services.record_inspection(
        people["zhang"], submission(inspected_on=dt.date(2025, 3, 3))
    )
    assert inspection.publish_due_on == dt.date(2025, 4, 1)


def test_publish_needs_permission_and_scope_and_happens_once(people, submission, org, make_user):
    from zhijian.core import roles

    inspection, _ = services.record_inspection(people["zhang"], submission())
    with pytest.raises(InspectionError, match="您没有公示检查结果的权限"):
        services.publish([inspection], user=people["zhang"])
    with pytest.raises(InspectionError, match="不在您的数据范围内"):
        services.publish([inspection], user=people["songjiang"])
    with pytest.raises(InspectionError, match="请选择要公示的检查结果"):
        services.publish([], user=people["pudong"])
    before = AuditRecord.objects.count()
    assert services.publish([inspection.pk], user=people["pudong"]) == 1
    assert AuditRecord.objects.count() == before + 1
    inspection.refresh_from_db()
    assert inspection.published_on == services.today()
    assert inspection.published_by == people["pudong"]
    with pytest.raises(InspectionError, match=f"已经公示：{inspection.number}"):
        services.publish([inspection], user=people["pudong"])
    assert make_user and roles


def test_overdue_to_publish(people, submission):
    late, _ = services.record_inspection(
        people["zhang"], submission(inspected_on=dt.date(2025, 1, 6))
    )
    fresh, _ = services.record_inspection(people["zhang"], submission())
    overdue = set(services.overdue_to_publish(people["pudong"]).values_list("pk", flat=True))
    assert overdue == {late.pk}
    assert not services.overdue_to_publish(people["songjiang"]).exists()
    services.publish([late], user=people["pudong"])
    assert not services.overdue_to_publish(people["pudong"]).exists()
    assert fresh.publish_due_on >= services.today()


def test_follow_up_closes_a_rectified_order(people, submission):
    inspection, _ = services.record_inspection(people["zhang"], rectify(submission))
    rect = inspection.rectification
    with pytest.raises(InspectionInvalid) as exc:
        services.record_follow_up(
            rect, user=people["zhang"], inspected_on=services.today(),
            inspectors=[people["zhang"], people["zhang2"]], rectified=True, result="已办理", answers={},
        )  # fmt: skip
    assert exc.value.errors["answer_health"] == ["请回答检查要点：从业人员是否持有健康证明"]
    follow = services.record_follow_up(
        rect, user=people["zhang"], inspected_on=services.today(),
        inspectors=[people["zhang"], people["zhang2"]], rectified=True, result="已办理健康证明",
        answers={"health": {"result": "conforming", "remark": ""}},
    )  # fmt: skip
    rect.refresh_from_db()
    assert rect.state == Rectification.State.RECTIFIED and rect.follow_up == follow
    assert rect.closed_on == services.today() and rect.result == "已办理健康证明"
    assert follow.outcome == "未发现问题" and follow.follow_up_of == rect
    assert set(follow.answers) == {"health"}
    with pytest.raises(InspectionError, match="该整改已已整改"):
        services.record_follow_up(
            rect, user=people["zhang"], inspected_on=services.today(),
            inspectors=[people["zhang"], people["zhang2"]], rectified=True, result="再次",
        )  # fmt: skip


def test_follow_up_escalates_an_unrectified_order(people, submission):
    inspection, _ = services.record_inspection(people["zhang"], rectify(submission))
    rect = inspection.rectification
    with pytest.raises(InspectionInvalid) as exc:
        services.record_follow_up(
            rect, user=people["zhang"], inspected_on=services.today(),
            inspectors=[people["zhang"], people["zhang2"]], rectified=False, result=" ",
        )  # fmt: skip
    assert exc.value.errors == {"result": ["请填写复查结论。"]}
    follow = services.record_follow_up(
        rect, user=people["zhang"], inspected_on=services.today(),
        inspectors=[people["zhang"], people["zhang2"]], rectified=False, result="仍未办理",
        answers={"health": {"result": "nonconforming", "remark": "仍过期"}},
    )  # fmt: skip
    rect.refresh_from_db()
    assert rect.state == Rectification.State.ESCALATED
    assert follow.outcome == "发现问题已立案" and follow.findings == "仍未办理"
    assert Inspection.objects.count() == 2


def test_follow_up_needs_permission_scope_and_a_date_after_the_check(people, submission):
    inspection, _ = services.record_inspection(people["zhang"], rectify(submission))
    rect = inspection.rectification
    with pytest.raises(InspectionError, match="您没有记录复查的权限"):
        services.record_follow_up(
            rect, user=people["pudong"], inspected_on=services.today(),
            inspectors=[people["pudong"]], rectified=True, result="好",
        )  # fmt: skip
    with pytest.raises(InspectionError, match="不在您的数据范围内"):
        services.record_follow_up(
            rect, user=people["yexie"], inspected_on=services.today(),
            inspectors=[people["yexie"]], rectified=True, result="好",
        )  # fmt: skip
    with pytest.raises(InspectionInvalid) as exc:
        services.record_follow_up(
            rect, user=people["zhang"], inspected_on=inspection.inspected_on - dt.timedelta(1),
            inspectors=[people["zhang"], people["zhang2"]], rectified=True, result="好",
            answers={"health": {"result": "conforming"}},
        )  # fmt: skip
    assert "复查日期早于原检查日期。" in exc.value.errors["inspected_on"]


def test_overdue_rectification(people, submission):
    inspection, _ = services.record_inspection(
        people["zhang"], rectify(submission, inspected_on=dt.date(2025, 1, 6), rectification_days=5)
    )
    rect = inspection.rectification
    assert rect.deadline == dt.date(2025, 1, 13)
    assert services.is_rectification_overdue(rect, dt.date(2025, 1, 14))
    assert not services.is_rectification_overdue(rect, dt.date(2025, 1, 13))  # last day included


def test_home_page_to_dos_count_overdue_follow_ups_and_publications(people, submission):
    from zhijian.core.todo import todo_count

    before_inspector, before_officer = todo_count(people["zhang"]), todo_count(people["pudong"])
    services.record_inspection(
        people["zhang"], rectify(submission, inspected_on=dt.date(2025, 1, 6), rectification_days=5)
    )
    assert services.overdue_follow_ups(people["zhang"]).count() == 1
    assert todo_count(people["zhang"]) == before_inspector + 1  # the overdue follow-up
    assert todo_count(people["pudong"]) == before_officer + 1  # the overdue publication
    assert todo_count(people["songjiang"]) == 0
    from zhijian.core.todo import todo_entries

    by_key = {e.key: e for e in todo_entries(people["zhang"])}
    assert by_key["inspections.follow_ups"].count == 1
    assert by_key["inspections.follow_ups"].url == "/inspections/rectifications/?overdue=true"
    by_key = {e.key: e for e in todo_entries(people["pudong"])}
    assert by_key["inspections.publication"].url == "/inspections/publication/"
