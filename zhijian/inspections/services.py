"""Inspections: recording (with its validations), rectification, follow-up, publication.

This is the only place that changes an inspection, a photo or a rectification.

* ``record_inspection(user, submission)`` validates a ``Submission`` (every rule below, all
  errors at once, in Chinese, keyed by field), then in one transaction numbers and saves the
  inspection, its photos and its rectification order, writes the register's
  ``InspectionRecord`` (exchange table 5) and closes the task through
  ``supervision.services.complete_task``. ``client_uuid`` makes it idempotent: a retry of a
  submission already saved (a phone resending after a lost answer) returns the saved
  inspection and writes nothing.
* ``record_follow_up(rectification, ...)`` records the follow-up check (复查) as an inspection
  of its own and closes the rectification (rectified) or escalates it (a case is opened).
* ``publish(...)`` puts results on the public page; ``publish_due_on`` is the inspection date
  plus ``inspections.publication_working_days`` working days (a dated parameter, the value in
  force on the inspection date; the value used is kept in ``publication_rule``).

Rules (legal basis in docs/user-guide/inspections.md):

* an on-site check needs at least two inspectors (行政处罚法 Art. 42; 食品生产经营监督检查管理办法
  Art. 23; 特种设备安全监督检查办法 Art. 19); the recording user is one of them; every inspector
  is an active account whose data scope includes the entity;
* every checklist question of the item is answered (符合 / 不符合 / 不适用), a 不符合 answer
  carries a remark; no answers to questions the item does not have;
* the inspection date is not in the future, not before the entity was established and not
  before the task was created;
* the outcome agrees with the findings: 未发现问题 and 未发现经营 have no findings; 发现问题…
  has at least one finding described in the findings text, and at least as many findings as
  不符合 answers; 发现问题已责令整改 comes with a rectification order, and only it does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core.numbers import issue as issue_numbers
from zhijian.core.scope import scope_prefix
from zhijian.dictionaries import parameters, workdays
from zhijian.registry.models import Entity, InspectionRecord

from .models import (
    Answer,
    Inspection,
    InspectionPhoto,
    Method,
    Outcome,
    Rectification,
)

RECORD = "inspections.add_inspection"
PUBLISH = "inspections.publish_inspection"
FOLLOW_UP = "inspections.change_rectification"

PUBLICATION_DAYS = parameters.declare(
    "inspections.publication_working_days",
    20,
    name="检查结果公示时限（工作日）",
    source=(
        "《企业信息公示暂行条例》（2014）第六条：工商行政管理部门应当自产生之日起20个工作日内"
        "公示其他依法应当公示的信息；《食品生产经营监督检查管理办法》第三十九条：检查结果"
        "20个工作日内公开。该条例此后是否修订未核实，按日期调整本参数。"
    ),
    validate=parameters.positive_int,
    unit="工作日",
)
RECTIFICATION_DAYS = parameters.declare(
    "inspections.rectification_working_days",
    10,
    name="责令整改默认期限（工作日）",
    source=(
        "本地设定：法律法规未规定统一的整改期限，由检查机关视问题确定；默认10个工作日"
        "（参照《特种设备安全监督检查办法》第二十九条10个工作日复查）。检查时可按问题另定。"
    ),
    validate=parameters.positive_int,
    unit="工作日",
)

MAX_RECTIFICATION_DAYS = 120
MIN_ON_SITE_INSPECTORS = 2
MAX_INSPECTORS = 10
MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# The image types a phone camera produces, by their leading bytes (no image library needed).
IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
SOURCE_NAME = "智监检查记录"
PUBLIC_MATCHES = 2000  # results a public search considers (100 pages of 20)

# The inspection method that follows from a task's source (table 5 enumeration).
METHOD_FOR_SOURCE = {
    "manual": Method.ROUTINE,
    "random": Method.RANDOM,
    "campaign": Method.CAMPAIGN,
    "warning": Method.TRIGGERED,
}
WITH_FINDINGS = (Outcome.RECTIFY, Outcome.CASE)


class InspectionInvalid(Exception):
    """A refused submission: ``errors`` maps a field name ("" for the whole form) to Chinese
    messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {k: list(v) for k, v in errors.items() if v}
        super().__init__("；".join(m for msgs in self.errors.values() for m in msgs))


class InspectionError(Exception):
    """A refused operation other than recording (publication, follow-up); Chinese message."""


@dataclass
class Photo:
    """An uploaded photo: its name and bytes."""

    name: str
    content: bytes


@dataclass
class Submission:
    """What an inspector submits (from the phone form, the page or the API)."""

    client_uuid: uuid.UUID | None
    entity: Entity | None
    inspected_on: dt.date | None
    inspectors: list = field(default_factory=list)
    outcome: str = ""
    method: str = ""
    task: object | None = None
    item: object | None = None
    on_site: bool = True
    answers: dict = field(default_factory=dict)
    findings: str = ""
    findings_count: int = 0
    rectification_order: str = ""
    rectification_days: int | None = None
    photos: list[Photo] = field(default_factory=list)
    follow_up_of: Rectification | None = None


# --- small helpers ----------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def _sees_unit_path(user, path: str) -> bool:
    prefix = scope_prefix(user)
    return prefix is not None and path.startswith(prefix)


def district_prefix(path: str) -> str:
    """The path of the district a unit path lies in (city → district → station); a city
    path is its own."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:2]) + "/" if len(parts) >= 2 else path


def may_inspect(person, entity) -> bool:
    """An inspector may take part in a check of ``entity`` when their unit is in the entity's
    district (any station of it: random draws build teams across stations) or above it."""
    unit = getattr(person, "unit", None)
    if unit is None:
        return bool(person.is_superuser)
    path = entity.unit.path
    return unit.path.startswith(district_prefix(path)) or path.startswith(unit.path)


def checklist_of(item) -> list[dict]:
    """The item's checklist as [{"key", "question"}] (tolerant of a malformed catalogue row)."""
    if item is None:
        return []
    rows = []
    for entry in item.checklist or []:
        if isinstance(entry, dict) and str(entry.get("key") or "").strip():
            rows.append({"key": str(entry["key"]), "question": str(entry.get("question", ""))})
    return rows


def questions_for(submission: Submission) -> list[dict]:
    """The questions this submission must answer: the item's checklist or, for a follow-up,
    the questions the rectified inspection found not conforming."""
    if submission.follow_up_of is not None:
        original = submission.follow_up_of.inspection
        wanted = {
            key
            for key, answer in (original.answers or {}).items()
            if isinstance(answer, dict) and answer.get("result") == Answer.NONCONFORMING
        }
        return [q for q in checklist_of(original.item) if q["key"] in wanted]
    return checklist_of(submission.item)


def photo_type(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG, WebP or HEIC image, else None."""
    for signature, kind, ext in IMAGE_SIGNATURES:
        if content.startswith(signature):
            return kind, ext
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    if content[4:8] == b"ftyp" and content[8:12] in (b"heic", b"heix", b"mif1", b"heif"):
        return "image/heic", "heic"
    return None


def photo_errors(photos: list[Photo]) -> list[str]:
    errors = []
    if len(photos) > MAX_PHOTOS:
        errors.append(f"最多上传{MAX_PHOTOS}张照片，本次提交了{len(photos)}张。")
    for photo in photos:
        name = photo.name or "照片"
        if not photo.content:
            errors.append(f"照片“{name}”是空文件。")
        elif len(photo.content) > MAX_PHOTO_BYTES:
            size = len(photo.content) / 1024 / 1024
            errors.append(f"照片“{name}”大小为{size:.1f}MB，超过10MB的上限。")
        elif photo_type(photo.content) is None:
            errors.append(f"文件“{name}”不是照片：只接受JPEG、PNG、WebP或HEIC格式的图片。")
    return errors


# --- validation -------------------------------------------------------------------------------


def validate(user, s: Submission) -> dict[str, list[str]]:
    """Every rule of the module docstring; returns {field: [Chinese messages]} (empty if none)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if s.client_uuid is None:
        errors["client_uuid"].append("缺少提交标识（client_uuid）。")
    if not user.has_perm(RECORD):
        errors[""].append("您没有记录检查的权限。")
    _check_entity_and_task(user, s, errors)
    _check_date(s, errors)
    _check_inspectors(user, s, errors)
    if s.method not in Method.values:
        errors["method"].append(f"检查方式“{s.method}”无效，应为：{'、'.join(Method.values)}。")
    if s.outcome not in Outcome.values:
        errors["outcome"].append(f"检查结果“{s.outcome}”无效，应为：{'、'.join(Outcome.values)}。")
    nonconforming = _check_answers(s, errors)
    if s.outcome in Outcome.values:
        _check_outcome(s, nonconforming, errors)
    errors["photos"].extend(photo_errors(s.photos))
    return {k: v for k, v in errors.items() if v}


def _check_entity_and_task(user, s: Submission, errors) -> None:
    from zhijian.supervision import services as supervision

    if s.entity is None:
        if s.task is None or s.task.entity_id is None:
            errors["entity"].append("请选择检查对象。")
            return
        s.entity = s.task.entity
    if not _sees_unit_path(user, s.entity.unit.path):
        errors["entity"].append("检查对象不在您的数据范围内。")
    if s.task is None:
        if s.item is not None and not s.item.is_active:
            errors["item"].append(f"监管事项“{s.item}”已停用。")
        elif s.item is not None and s.follow_up_of is None and not s.item.applies_to(s.entity):
            errors["item"].append(
                f"监管事项“{s.item}”不适用于该主体（主体类型、行业或许可类型不在其适用范围内）。"
            )
        return
    task = s.task
    if task.entity_id is not None and task.entity_id != s.entity.pk:
        errors["entity"].append(f"检查对象与任务{task.number}的检查对象“{task.entity}”不一致。")
    if task.item_id is not None:
        if s.item is not None and s.item.pk != task.item_id:
            errors["item"].append(f"监管事项与任务{task.number}的监管事项“{task.item}”不一致。")
        s.item = task.item
    if not supervision.can_see(user, task):
        errors["task"].append("该任务不在您的数据范围内。")
    elif not task.is_open:
        errors["task"].append(
            f"任务{task.number}当前状态为“{task.get_state_display()}”，不能再记录检查。"
        )
    else:
        actions = supervision.allowed_actions(task, user)
        if "complete" not in actions and "claim" not in actions:
            errors["task"].append(
                f"您不能办理任务{task.number}：只能办理分派给本人或本单位未分派的任务。"
            )


def _check_date(s: Submission, errors) -> None:
    if s.inspected_on is None:
        errors["inspected_on"].append("请填写检查日期。")
        return
    if s.inspected_on > today():
        errors["inspected_on"].append(f"检查日期{s.inspected_on}晚于今天，不能预填。")
    if (
        s.entity is not None
        and s.entity.established_on
        and s.inspected_on < s.entity.established_on
    ):
        errors["inspected_on"].append(
            f"检查日期{s.inspected_on}早于该主体的成立日期{s.entity.established_on}。"
        )
    if s.task is not None and s.inspected_on < timezone.localtime(s.task.created_at).date():
        errors["inspected_on"].append(
            f"检查日期{s.inspected_on}早于任务{s.task.number}的创建日期。"
        )
    if s.follow_up_of is not None and s.inspected_on < s.follow_up_of.inspection.inspected_on:
        errors["inspected_on"].append("复查日期早于原检查日期。")


def _check_inspectors(user, s: Submission, errors) -> None:
    people = {p.pk: p for p in s.inspectors}
    if s.on_site and len(people) < MIN_ON_SITE_INSPECTORS:
        errors["inspectors"].append(
            f"现场检查的执法人员不得少于{MIN_ON_SITE_INSPECTORS}人，当前{len(people)}人。"
        )
    if not people:
        if not s.on_site:
            errors["inspectors"].append("请选择检查人员。")
        return
    if len(people) > MAX_INSPECTORS:
        errors["inspectors"].append(f"检查人员最多{MAX_INSPECTORS}人。")
    if user.pk not in people:
        errors["inspectors"].append("记录人必须是检查人员之一。")
    for person in people.values():
        if not person.is_active:
            errors["inspectors"].append(f"检查人员“{person}”的账号已停用。")
        elif s.entity is not None and not may_inspect(person, s.entity):
            errors["inspectors"].append(
                f"检查人员“{person}”不属于检查对象所在区的监管机构，不能参与本次检查。"
            )


def _check_answers(s: Submission, errors) -> int:
    """Check the checklist answers; returns the number of 不符合 answers."""
    questions = questions_for(s)
    keys = [q["key"] for q in questions]
    answers = s.answers if isinstance(s.answers, dict) else {}
    if not isinstance(s.answers, dict):
        errors["answers"].append("检查要点结果格式无效。")
    unknown = [k for k in answers if k not in keys]
    if unknown:
        errors["answers"].append(
            f"检查要点“{'、'.join(map(str, unknown))}”不属于本次检查的检查内容。"
        )
    nonconforming = 0
    for question in questions:
        answer = answers.get(question["key"])
        label = question["question"] or question["key"]
        if answer is None and s.outcome == Outcome.NOT_OPERATING:
            continue  # nobody there to check: the questions stay unanswered (不适用)
        if not isinstance(answer, dict) or answer.get("result") not in Answer.values:
            errors[f"answer_{question['key']}"].append(f"请回答检查要点：{label}")
            continue
        if answer["result"] == Answer.NONCONFORMING:
            nonconforming += 1
            if not str(answer.get("remark") or "").strip():
                errors[f"answer_{question['key']}"].append(f"“{label}”不符合，请填写说明。")
    return nonconforming


def _check_outcome(s: Submission, nonconforming: int, errors) -> None:
    label = s.outcome  # the enumeration values are the Chinese labels
    count = s.findings_count
    if count is None or count < 0:
        errors["findings_count"].append("问题数应为0或正整数。")
        return
    if s.outcome in (Outcome.NO_PROBLEM, Outcome.NOT_OPERATING):
        if count:
            errors["findings_count"].append(f"检查结果为“{label}”，问题数应为0（当前{count}）。")
        if nonconforming:
            errors["outcome"].append(
                f"有{nonconforming}项检查要点不符合，检查结果不能为“{label}”。"
            )
    else:
        if count < 1:
            errors["findings_count"].append(f"检查结果为“{label}”，问题数至少为1。")
        if count < nonconforming:
            errors["findings_count"].append(
                f"问题数（{count}）少于不符合的检查要点数（{nonconforming}）。"
            )
        if not s.findings.strip():
            errors["findings"].append(f"检查结果为“{label}”，请填写发现的问题。")
    if s.outcome == Outcome.NOT_OPERATING and not s.findings.strip():
        errors["findings"].append("请说明未发现经营的情况（例如：现场无人、已搬离）。")
    if s.outcome == Outcome.RECTIFY:
        if not s.rectification_order.strip():
            errors["rectification_order"].append("责令整改须填写整改要求。")
        days = s.rectification_days
        if days is not None and not 1 <= days <= MAX_RECTIFICATION_DAYS:
            errors["rectification_days"].append(
                f"整改期限应为1到{MAX_RECTIFICATION_DAYS}个工作日，收到{days}。"
            )
    elif s.rectification_order.strip():
        errors["rectification_order"].append(
            f"只有检查结果为“{Outcome.RECTIFY.value}”时才能下达整改要求。"
        )


# --- recording --------------------------------------------------------------------------------


def _next_number(day: dt.date) -> str:
    """A new inspection number of ``day``: JC + YYYYMMDD + 6 digits."""
    return issue_numbers(f"JC{day:%Y%m%d}", 6)[0]


def publication_due(inspected_on: dt.date) -> tuple[dt.date, dict]:
    """The last day to publish a result formed on ``inspected_on`` and the rule used."""
    rule = PUBLICATION_DAYS.used(inspected_on)
    return workdays.add_working_days(inspected_on, int(rule["value"])), rule


def rectification_deadline(
    ordered_on: dt.date, days: int | None = None
) -> tuple[int, dt.date, dict]:
    """(working days, last day, rule) of a rectification ordered on ``ordered_on``; ``days``
    given by the inspector overrides the parameter in force on that day."""
    if days is None:
        rule = RECTIFICATION_DAYS.used(ordered_on)
        days = int(rule["value"])
    else:
        rule = {"key": "", "value": days, "effective_from": None, "source": "检查时另定"}
    return days, workdays.add_working_days(ordered_on, days), rule


def existing_submission(user, client_uuid) -> Inspection | None:
    """The inspection already saved under ``client_uuid`` (a retry), if the user may see it."""
    if client_uuid is None:
        return None
    found = Inspection.objects.filter(client_uuid=client_uuid).first()
    if found is None:
        return None
    if (
        found.recorded_by_id == user.pk
        or Inspection.objects.visible_to(user).filter(pk=found.pk).exists()
    ):
        return found
    raise InspectionInvalid({"client_uuid": ["该提交标识已被其他检查使用。"]})


def record_inspection(user, s: Submission) -> tuple[Inspection, bool]:
    """Save a submission; returns (inspection, created). A retry returns (saved, False)."""
    saved = existing_submission(user, s.client_uuid)
    if saved is not None:
        return saved, False
    if s.task is not None:  # its current state, not the caller's copy
        from zhijian.supervision.models import Task

        s.task = Task.objects.select_related("entity__unit", "item").get(pk=s.task.pk)
        if s.task.entity_id and s.entity is None:
            s.entity = s.task.entity
    if not s.method and s.task is not None:
        s.method = METHOD_FOR_SOURCE.get(s.task.source, Method.ROUTINE)
    s.method = s.method or Method.ROUTINE
    errors = validate(user, s)
    if errors:
        raise InspectionInvalid(errors)
    from zhijian.supervision.services import TaskError

    try:
        with transaction.atomic():
            inspection = _save(user, s)
    except TaskError as exc:  # the task changed between the check and the save
        raise InspectionInvalid({"task": [str(exc)]}) from exc
    except IntegrityError:
        saved = existing_submission(user, s.client_uuid)  # a concurrent retry won the race
        if saved is None:
            raise
        return saved, False
    return inspection, True


def _save(user, s: Submission) -> Inspection:
    from zhijian.supervision import services as supervision

    due, rule = publication_due(s.inspected_on)
    questions = questions_for(s)
    answers = {
        q["key"]: {
            "result": (s.answers.get(q["key"]) or {}).get("result", Answer.NOT_APPLICABLE),
            "remark": str((s.answers.get(q["key"]) or {}).get("remark", "")).strip()[:500],
        }
        for q in questions
    }
    inspection = Inspection.objects.create(
        number=_next_number(today()),
        task=s.task,
        entity=s.entity,
        item=s.item,
        unit=s.entity.unit,
        inspecting_unit=user.unit or s.entity.unit,
        inspected_on=s.inspected_on,
        on_site=s.on_site,
        method=s.method,
        outcome=s.outcome,
        answers=answers,
        findings=s.findings.strip(),
        findings_count=s.findings_count,
        follow_up_of=s.follow_up_of,
        client_uuid=s.client_uuid,
        recorded_by=user,
        publish_due_on=due,
        publication_rule=rule,
    )
    inspection.inspectors.set(s.inspectors)
    for photo in s.photos:
        _save_photo(inspection, photo)
    if s.outcome == Outcome.RECTIFY:
        days, deadline, drule = rectification_deadline(s.inspected_on, s.rectification_days)
        Rectification.objects.create(
            inspection=inspection,
            order=s.rectification_order.strip(),
            ordered_on=s.inspected_on,
            working_days=days,
            deadline=deadline,
            deadline_rule=drule,
        )
    sync_record(inspection)
    if s.task is not None:
        supervision.complete_task(
            s.task,
            user=user,
            note=f"检查{inspection.number}：{inspection.get_outcome_display()}",
            result_ref=f"inspections.inspection:{inspection.pk}",
        )
    return inspection


def _save_photo(inspection: Inspection, photo: Photo) -> InspectionPhoto:
    kind, ext = photo_type(photo.content)
    digest = hashlib.sha256(photo.content).hexdigest()
    record = InspectionPhoto(
        inspection=inspection,
        original_name=(photo.name or "")[-200:],
        content_type=kind,
        size=len(photo.content),
        sha256=digest,
    )
    record.file.save(
        f"{inspection.number}-{digest[:16]}.{ext}", ContentFile(photo.content), save=False
    )
    record.save()
    return record


def sync_record(inspection: Inspection) -> InspectionRecord:
    """Write or update the register's InspectionRecord (exchange table 5) of ``inspection``."""
    record, _ = InspectionRecord.objects.update_or_create(
        number=inspection.number,
        defaults={
            "entity": inspection.entity,
            "unit": inspection.unit,
            "inspected_on": inspection.inspected_on,
            "method": inspection.method,
            "item": (inspection.item.name if inspection.item else "")[:200],
            "authority": inspection.inspecting_unit.name[:100],
            "outcome": inspection.outcome,
            "findings": inspection.findings_count,
            "source": SOURCE_NAME,
        },
    )
    return record


# --- follow-up (复查) -------------------------------------------------------------------------


def record_follow_up(
    rectification: Rectification,
    *,
    user,
    inspected_on,
    inspectors,
    rectified: bool,
    result: str,
    answers=None,
    client_uuid=None,
    photos=(),
    on_site=True,
) -> Inspection:
    """Record the follow-up check of a rectification: closes it when rectified, else escalates
    it (the follow-up's outcome is 发现问题已立案). Raises InspectionInvalid / InspectionError."""
    rect = Rectification.objects.select_related("inspection__entity__unit", "inspection__item").get(
        pk=rectification.pk
    )
    if not Rectification.objects.visible_to(user).filter(pk=rect.pk).exists():
        raise InspectionError("该整改不在您的数据范围内。")
    if not user.has_perm(FOLLOW_UP):
        raise InspectionError("您没有记录复查的权限。")
    if rect.state != Rectification.State.ORDERED:
        raise InspectionError(f"该整改已{rect.get_state_display()}，不能再复查。")
    result = (result or "").strip()
    if not result:
        raise InspectionInvalid({"result": ["请填写复查结论。"]})
    original = rect.inspection
    submission = Submission(
        client_uuid=client_uuid or uuid.uuid4(),
        entity=original.entity,
        item=None,
        inspected_on=inspected_on,
        inspectors=list(inspectors),
        on_site=on_site,
        method=original.method,
        outcome=Outcome.NO_PROBLEM if rectified else Outcome.CASE,
        answers=answers or {},
        findings="" if rectified else result,
        findings_count=0 if rectified else max(1, original.findings_count),
        photos=list(photos),
        follow_up_of=rect,
    )
    with transaction.atomic():
        follow_up, created = record_inspection(user, submission)
        if not created:
            return follow_up
        rect.follow_up = follow_up
        rect.result = result
        rect.closed_on = follow_up.inspected_on
        rect.state = Rectification.State.RECTIFIED if rectified else Rectification.State.ESCALATED
        rect.save()
    return follow_up


def is_rectification_overdue(rect: Rectification, day: dt.date | None = None) -> bool:
    return rect.state == Rectification.State.ORDERED and not workdays.is_in_time(
        day or today(), rect.deadline
    )


# --- publication ------------------------------------------------------------------------------


def publish(inspections, *, user) -> int:
    """Publish the given inspections (ids or objects) on the public page; returns how many.

    Only results in the user's scope, by a user holding ``publish_inspection``; a result
    already published is refused (publication is never silently repeated).
    """
    if not user.has_perm(PUBLISH):
        raise InspectionError("您没有公示检查结果的权限。")
    ids = [getattr(i, "pk", i) for i in inspections]
    if not ids:
        raise InspectionError("请选择要公示的检查结果。")
    visible = Inspection.objects.visible_to(user).filter(pk__in=ids)
    found = dict(visible.values_list("pk", "published_on"))
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise InspectionError("所选检查结果不在您的数据范围内或不存在。")
    already = [pk for pk, day in found.items() if day is not None]
    if already:
        numbers = Inspection.objects.filter(pk__in=already).values_list("number", flat=True)
        raise InspectionError(f"以下检查结果已经公示：{'、'.join(numbers)}。")
    day = today()
    with transaction.atomic():
        count = visible.filter(published_on__isnull=True).update(
            published_on=day, published_by=user, updated_at=timezone.now()
        )
        numbers = list(visible.values_list("number", flat=True)[:1000])
        log(
            "publish",
            object_type="inspections.inspection",
            object_repr=f"公示检查结果 {count} 条",
            detail={"published_on": day.isoformat(), "count": count, "numbers": numbers},
        )
    return count


def overdue_to_publish(user, day: dt.date | None = None):
    """Unpublished results past their publication deadline, in the user's scope."""
    return Inspection.objects.visible_to(user).filter(
        published_on__isnull=True, publish_due_on__lt=day or today()
    )


def overdue_follow_ups(user, day: dt.date | None = None):
    """Rectifications past their deadline still waiting for the follow-up check, in scope."""
    return Rectification.objects.visible_to(user).filter(
        state=Rectification.State.ORDERED, deadline__lt=day or today()
    )


def todo_count(user) -> int:
    """The home page's to-dos of this app: overdue follow-up checks (for those who record
    them) and results overdue for publication (for those who publish)."""
    count = 0
    if user.has_perm(FOLLOW_UP):
        count += overdue_follow_ups(user).count()
    if user.has_perm(PUBLISH):
        count += overdue_to_publish(user).count()
    return count


def public_results(query: str = ""):
    """Published results for the public page, newest first; ``query`` is a USCC (or its
    prefix) or part of an entity name (the register's bigram search)."""
    from zhijian.registry.search import search_entities

    qs = Inspection.objects.filter(published_on__isnull=False)
    query = (query or "").strip()[:60]
    if query:
        code = query.upper()
        if len(code) == 18 and code.isalnum():
            entities = Entity.objects.filter(uscc=code)
        else:  # names, USCC prefixes: the register's search (bigram index, USCC ranges)
            entities = search_entities(Entity.objects.all(), query)
        # Three small steps, so that no plan walks every published result: the entities
        # (at most 2,000), their published results by the (entity, published_on) index without
        # an order (at most PUBLIC_MATCHES), then those rows in publication order.
        ids = list(entities.values_list("pk", flat=True)[:2000])
        found = list(
            Inspection.objects.filter(entity_id__in=ids, published_on__isnull=False)
            .order_by()
            .values_list("pk", flat=True)[:PUBLIC_MATCHES]
        )
        qs = Inspection.objects.filter(pk__in=found)  # published already (found above)
    return qs.select_related("entity", "item", "inspecting_unit", "rectification").order_by(
        "-published_on", "-id"
    )
