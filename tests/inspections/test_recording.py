"""Recording an inspection: against a task or standalone, every validation path, idempotency."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from zhijian.inspections import services
from zhijian.inspections.models import Inspection, InspectionPhoto, Rectification
from zhijian.inspections.services import InspectionInvalid, Photo
from zhijian.registry.models import InspectionRecord
from zhijian.supervision.models import Task

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def refused(user, sub) -> dict:
    with pytest.raises(InspectionInvalid) as exc:
        services.record_inspection(user, sub)
    return exc.value.errors


def messages(errors) -> str:
    return " ".join(m for msgs in errors.values() for m in msgs)


def test_recording_against_a_task_completes_it_and_writes_the_register_record(
    people, submission, task
):
    sub = submission(task=task, method="", inspected_on=services.today())
    inspection, created = services.record_inspection(people["zhang"], sub)
    assert created and inspection.number.startswith("JC") and len(inspection.number) == 16
    assert inspection.method == "双随机"  # follows the task's source (random)
    assert inspection.unit == task.entity.unit and inspection.item == task.item
    task.refresh_from_db()
    assert task.state == Task.State.DONE
    assert task.result_ref == f"inspections.inspection:{inspection.pk}"
    record = InspectionRecord.objects.get(number=inspection.number)
    assert (record.entity, record.unit, record.method, record.outcome) == (
        inspection.entity,
        inspection.unit,
        "双随机",
        "未发现问题",
    )
    assert record.item == "食品经营许可情况检查" and record.authority == "张江市场监督管理所"
    assert record.findings == 0 and record.source == services.SOURCE_NAME


def test_standalone_inspection_with_rectification(people, submission):
    answers = {
        "licence": {"result": "conforming", "remark": ""},
        "health": {"result": "nonconforming", "remark": "两名员工健康证过期"},
    }
    sub = submission(
        outcome="发现问题已责令整改", answers=answers, findings="健康证过期", findings_count=1,
        rectification_order="十个工作日内为员工办理健康证明", rectification_days=5,
    )  # fmt: skip
    inspection, _ = services.record_inspection(people["zhang"], sub)
    assert inspection.task is None and inspection.findings_count == 1
    rect = inspection.rectification
    assert rect.state == Rectification.State.ORDERED and rect.working_days == 5
    assert rect.deadline > inspection.inspected_on
    assert InspectionRecord.objects.get(number=inspection.number).findings == 1


def test_a_retry_returns_the_saved_inspection_and_writes_nothing(people, submission, task):
    sub = submission(task=task, inspected_on=services.today())
    first, created = services.record_inspection(people["zhang"], sub)
    again, created_again = services.record_inspection(people["zhang"], sub)
    assert created and not created_again and again.pk == first.pk
    assert Inspection.objects.count() == 1 and InspectionRecord.objects.count() == 1
    assert task.events.filter(action="complete").count() == 1


def test_a_uuid_of_someone_elses_inspection_outside_scope_is_refused(
    people, submission, org, make_user
):
    from tests.inspections.conftest import _fresh_entity
    from zhijian.core import roles

    yexie_entity = _fresh_entity(org["yexie"], "叶榭主体")
    partner = make_user("yexie2", org["yexie"], [roles.STATION_INSPECTOR])
    sub = submission(entity=yexie_entity, inspectors=[people["yexie"], partner])
    services.record_inspection(people["yexie"], sub)
    errors = refused(people["zhang"], submission(client_uuid=sub.client_uuid))
    assert errors == {"client_uuid": ["该提交标识已被其他检查使用。"]}


# --- validations --------------------------------------------------------------------------------


def test_an_on_site_check_needs_two_inspectors(people, submission):
    errors = refused(people["zhang"], submission(inspectors=[people["zhang"]]))
    assert errors["inspectors"] == ["现场检查的执法人员不得少于2人，当前1人。"]
    inspection, _ = services.record_inspection(
        people["zhang"], submission(inspectors=[people["zhang"]], on_site=False)
    )
    assert inspection.on_site is False


def test_the_recorder_is_one_of_the_inspectors(people, submission, make_user, org):
    from zhijian.core import roles

    third = make_user("zhang3", org["zhangjiang"], [roles.STATION_INSPECTOR])
    errors = refused(people["zhang"], submission(inspectors=[people["zhang2"], third]))
    assert "记录人必须是检查人员之一。" in errors["inspectors"]


def test_inspectors_must_be_active_and_cover_the_entity(people, submission):
    people["zhang2"].is_active = False
    people["zhang2"].save()
    errors = refused(people["zhang"], submission())
    assert "检查人员“钱所员”的账号已停用。" in errors["inspectors"]
    errors = refused(people["zhang"], submission(inspectors=[people["zhang"], people["yexie"]]))
    assert errors["inspectors"] == [
        "检查人员“赵所员”不属于检查对象所在区的监管机构，不能参与本次检查。"
    ]


def test_a_team_may_come_from_several_stations_of_the_district(people, submission):
    """Random draws build teams across the district's stations (and officers may join)."""
    inspection, _ = services.record_inspection(
        people["zhang"], submission(inspectors=[people["zhang"], people["huamu"], people["pudong"]])
    )
    assert set(inspection.inspectors.all()) == {people["zhang"], people["huamu"], people["pudong"]}


def test_every_checklist_question_is_answered(people, submission):
    errors = refused(
        people["zhang"], submission(answers={"licence": {"result": "conforming", "remark": ""}})
    )
    assert errors["answer_health"] == ["请回答检查要点：从业人员是否持有健康证明"]
    errors = refused(
        people["zhang"],
        submission(answers={**submission().answers, "extra": {"result": "conforming"}}),
    )
    assert errors["answers"] == ["检查要点“extra”不属于本次检查的检查内容。"]
    errors = refused(
        people["zhang"],
        submission(answers={**submission().answers, "licence": {"result": "maybe"}}),
    )
    assert "请回答检查要点" in errors["answer_licence"][0]


def test_a_nonconforming_answer_needs_a_remark(people, submission):
    answers = {**submission().answers, "health": {"result": "nonconforming", "remark": " "}}
    errors = refused(
        people["zhang"],
        submission(answers=answers, outcome="发现问题已立案", findings="无证", findings_count=1),
    )
    assert errors["answer_health"] == ["“从业人员是否持有健康证明”不符合，请填写说明。"]


def test_dates(people, submission, task, entity):
    errors = refused(people["zhang"], submission(inspected_on=services.today() + dt.timedelta(1)))
    assert "晚于今天" in errors["inspected_on"][0]
    errors = refused(people["zhang"], submission(inspected_on=dt.date(2019, 12, 31)))
    assert errors["inspected_on"] == ["检查日期2019-12-31早于该主体的成立日期2020-01-01。"]
    errors = refused(people["zhang"], submission(task=task))  # yesterday, task created today
    assert errors["inspected_on"] == [
        f"检查日期{services.today() - dt.timedelta(1)}早于任务{task.number}的创建日期。"
    ]
    errors = refused(people["zhang"], submission(inspected_on=None))
    assert errors["inspected_on"] == ["请填写检查日期。"]


def test_outcome_must_agree_with_findings(people, submission):
    nonconforming = {
        **submission().answers,
        "health": {"result": "nonconforming", "remark": "过期"},
    }
    errors = refused(people["zhang"], submission(findings_count=2))
    assert errors["findings_count"] == ["检查结果为“未发现问题”，问题数应为0（当前2）。"]
    errors = refused(people["zhang"], submission(answers=nonconforming, findings_count=0))
    assert errors["outcome"] == ["有1项检查要点不符合，检查结果不能为“未发现问题”。"]
    errors = refused(people["zhang"], submission(outcome="发现问题已立案", findings_count=0))
    assert errors["findings_count"] == ["检查结果为“发现问题已立案”，问题数至少为1。"]
    assert errors["findings"] == ["检查结果为“发现问题已立案”，请填写发现的问题。"]
    both = {k: {"result": "nonconforming", "remark": "x"} for k in ("licence", "health")}
    errors = refused(
        people["zhang"],
        submission(outcome="发现问题已立案", answers=both, findings="两项", findings_count=1),
    )
    assert errors["findings_count"] == ["问题数（1）少于不符合的检查要点数（2）。"]


def test_a_rectification_order_goes_with_its_outcome_only(people, submission):
    errors = refused(
        people["zhang"],
        submission(outcome="发现问题已责令整改", findings="问题", findings_count=1),
    )
    assert errors["rectification_order"] == ["责令整改须填写整改要求。"]
    errors = refused(people["zhang"], submission(rectification_order="整改"))
    assert errors["rectification_order"] == [
        "只有检查结果为“发现问题已责令整改”时才能下达整改要求。"
    ]
    errors = refused(
        people["zhang"],
        submission(outcome="发现问题已责令整改", findings="问题", findings_count=1,
                   rectification_order="整改", rectification_days=0),
    )  # fmt: skip
    assert errors["rectification_days"] == ["整改期限应为1到120个工作日，收到0。"]


def test_not_operating_needs_no_answers_but_a_description(people, submission):
    errors = refused(people["zhang"], submission(outcome="未发现经营", answers={}))
    assert errors == {"findings": ["请说明未发现经营的情况（例如：现场无人、已搬离）。"]}
    inspection, _ = services.record_inspection(
        people["zhang"], submission(outcome="未发现经营", answers={}, findings="现场已搬离")
    )
    assert inspection.answers["licence"]["result"] == "na"


def test_entity_task_and_permission_checks(people, submission, task, foreign_entity, entity):
    errors = refused(people["zhang"], submission(entity=foreign_entity))
    assert "检查对象不在您的数据范围内。" in errors["entity"]
    errors = refused(people["zhang2"], submission(task=task, inspected_on=services.today()))
    assert errors["task"] == [
        f"您不能办理任务{task.number}：只能办理分派给本人或本单位未分派的任务。"
    ]
    errors = refused(people["pudong"], submission(inspectors=[people["pudong"], people["zhang"]]))
    assert errors[""] == ["您没有记录检查的权限。"]
    services.record_inspection(
        people["zhang"], submission(task=task, inspected_on=services.today())
    )
    errors = refused(people["zhang"], submission(task=task, inspected_on=services.today()))
    assert errors["task"] == [f"任务{task.number}当前状态为“已办结”，不能再记录检查。"]
    errors = refused(people["zhang"], submission(method="抽查", outcome="很好"))
    assert errors["method"][0].startswith("检查方式“抽查”无效")
    assert errors["outcome"][0].startswith("检查结果“很好”无效")


def test_the_task_entity_must_match(people, submission, task, org):
    from tests.inspections.conftest import _fresh_entity

    other = _fresh_entity(org["zhangjiang"], "另一主体")
    errors = refused(
        people["zhang"], submission(task=task, entity=other, inspected_on=services.today())
    )
    assert errors["entity"] == [f"检查对象与任务{task.number}的检查对象“{task.entity}”不一致。"]


def test_photos_are_checked_and_stored(people, submission, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    errors = refused(people["zhang"], submission(photos=[Photo("a.pdf", b"%PDF-1.4 ...")]))
    assert errors["photos"] == ["文件“a.pdf”不是照片：只接受JPEG、PNG、WebP或HEIC格式的图片。"]
    errors = refused(people["zhang"], submission(photos=[Photo("e.jpg", b"")]))
    assert errors["photos"] == ["照片“e.jpg”是空文件。"]
    big = JPEG + b"\x00" * services.MAX_PHOTO_BYTES
    errors = refused(people["zhang"], submission(photos=[Photo("big.jpg", big)]))
    assert "超过10MB的上限" in errors["photos"][0]
    errors = refused(
        people["zhang"], submission(photos=[Photo(f"{i}.jpg", JPEG) for i in range(10)])
    )
    assert errors["photos"] == ["最多上传9张照片，本次提交了10张。"]
    inspection, _ = services.record_inspection(
        people["zhang"], submission(photos=[Photo("a.jpg", JPEG), Photo("b.png", PNG)])
    )
    photos = list(InspectionPhoto.objects.filter(inspection=inspection))
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    assert photos[0].sha256 == __import__("hashlib").sha256(JPEG).hexdigest()
    assert (tmp_path / photos[0].file.name).read_bytes() == JPEG
    assert str(tmp_path / "inspections") in str(tmp_path / photos[0].file.name)


def test_a_missing_uuid_is_refused(people, submission):
    errors = refused(people["zhang"], submission(client_uuid=None))
    assert errors["client_uuid"] == ["缺少提交标识（client_uuid）。"]


def test_concurrent_retry_race_returns_the_winner(people, submission, monkeypatch):
    """If two retries pass the existence check together, the unique uuid decides."""
    sub = submission()
    winner, _ = services.record_inspection(people["zhang"], submission(client_uuid=sub.client_uuid))
    calls = iter([None])
    real = services.existing_submission
    monkeypatch.setattr(
        services, "existing_submission",
        lambda user, cid: next(calls, "real") and real(user, cid),
    )  # fmt: skip
    result, created = services.record_inspection(people["zhang"], sub)
    assert not created and result.pk == winner.pk
    assert Inspection.objects.filter(client_uuid=sub.client_uuid).count() == 1
    assert uuid.UUID(str(result.client_uuid)) == sub.client_uuid


def test_a_standalone_item_must_apply_to_the_entity(people, submission, item):
    item.licence_types = ["食品经营许可证"]
    item.save()
    errors = refused(people["zhang"], submission(item=item))
    assert errors["item"] == [
        f"监管事项“{item}”不适用于该主体（主体类型、行业或许可类型不在其适用范围内）。"
    ]
    item.is_active = False
    item.save()
    assert refused(people["zhang"], submission(item=item))["item"] == [f"监管事项“{item}”已停用。"]
