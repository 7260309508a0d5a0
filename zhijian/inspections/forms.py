"""Reading a submission from a page form, a multipart API call or JSON into a ``Submission``.

One reader for the phone page, the officer page and ``POST /api/v1/inspections/``, so that
all three get the same parsing messages; the domain rules are checked by
``services.validate``. Checklist answers come either as one ``answers`` object (JSON:
``{"key": {"result": "conforming", "remark": ""}}``) or as form fields ``answer_<key>`` and
``remark_<key>``. Photos are the files of the field ``photos``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict

from zhijian.core.models import OrgUnit, User
from zhijian.core.scope import scope_prefix
from zhijian.registry.models import Entity

from . import services
from .services import Photo, Submission

TRUE = {"1", "true", "on", "yes", "是"}


def _get(data, name, default=""):
    value = data.get(name, default) if hasattr(data, "get") else default
    return default if value is None else value


def _getlist(data, name) -> list:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        if len(values) == 1 and isinstance(values[0], list):
            return values[0]
        if len(values) == 1 and isinstance(values[0], str) and "," in values[0]:
            return [v for v in values[0].split(",") if v.strip()]
        return values
    value = _get(data, name, [])
    return value if isinstance(value, list) else [value]


def selectable_inspectors(user):
    """Accounts the user may name as co-inspectors: the active staff of the user's district
    (every station: random draws build teams across stations) and of the units above it."""
    from django.db.models import Q

    prefix = scope_prefix(user)
    if prefix is None:
        return User.objects.none()
    qs = User.objects.filter(is_active=True)
    if prefix == "":
        return qs
    district = services.district_prefix(prefix)
    parts = [p for p in prefix.split("/") if p]
    ancestors = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    above = OrgUnit.objects.filter(path__in=ancestors).values_list("pk", flat=True)
    return qs.filter(Q(unit__path__startswith=district) | Q(unit_id__in=list(above)))


def team_candidates(user, task=None):
    """The inspectors offered on the form: the recording staff of the user's own unit (data
    scope: a station sees its own staff), then the team proposed for the task (``teams``)."""
    from django.db.models import Q

    from . import teams

    can_record = Q(
        groups__permissions__codename="add_inspection",
        groups__permissions__content_type__app_label="inspections",
    ) | Q(pk=user.pk)
    own = list(
        User.objects.filter(can_record, is_active=True, unit_id=user.unit_id)
        .select_related("unit")
        .distinct()
        .order_by("username")
    )
    known = {p.pk for p in own}
    return own + [p for p in teams.proposed_team(task) if p.pk not in known]


def read_answers(data) -> dict:
    raw = _get(data, "answers", None)
    if raw not in (None, ""):
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return {"__invalid__": raw}
        return raw
    answers = {}
    keys = data.keys() if hasattr(data, "keys") else []
    for name in keys:
        if name.startswith("answer_"):
            key = name.removeprefix("answer_")
            answers[key] = {
                "result": str(_get(data, name)),
                "remark": str(_get(data, f"remark_{key}")),
            }
    return answers


def read_submission(user, data, files=None, *, task=None, entity=None):
    """(Submission, parse errors). Unknown references are reported, not guessed."""
    from zhijian.supervision.models import SupervisionItem, Task

    errors: dict[str, list[str]] = defaultdict(list)
    raw_uuid = str(_get(data, "client_uuid")).strip()
    client_uuid = None
    try:
        client_uuid = uuid.UUID(raw_uuid) if raw_uuid else None
    except ValueError:
        errors["client_uuid"].append(f"提交标识“{raw_uuid[:40]}”无效。")
    if task is None and str(_get(data, "task")).strip():
        raw = str(_get(data, "task")).strip()
        task = (
            Task.objects.visible_to(user)
            .select_related("entity__unit", "item")
            .filter(pk=raw)
            .first()
            if raw.isdigit()
            else None
        )
        if task is None:
            errors["task"].append(f"任务“{raw[:40]}”不存在或不在您的数据范围内。")
    if entity is None and str(_get(data, "entity")).strip():
        raw = str(_get(data, "entity")).strip().upper()
        entity = Entity.objects.visible_to(user).select_related("unit").filter(uscc=raw).first()
        if entity is None:
            errors["entity"].append(
                f"统一社会信用代码为“{raw[:40]}”的主体不存在或不在您的数据范围内。"
            )
    item = None
    raw_item = str(_get(data, "item")).strip()
    if raw_item:
        item = SupervisionItem.objects.filter(code=raw_item).first()
        if item is None and raw_item.isdigit():
            item = SupervisionItem.objects.filter(pk=raw_item).first()
        if item is None:
            errors["item"].append(f"监管事项“{raw_item[:40]}”不在监管事项清单中。")
    inspected_on = None
    raw_date = str(_get(data, "inspected_on")).strip()
    if raw_date:
        try:
            inspected_on = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors["inspected_on"].append(f"检查日期“{raw_date[:20]}”格式无效，应为YYYY-MM-DD。")
    inspectors = []
    raw_ids = [str(v).strip() for v in _getlist(data, "inspectors") if str(v).strip()]
    bad = [v for v in raw_ids if not v.isdigit()]
    ids = {int(v) for v in raw_ids if v.isdigit()}
    if ids:
        inspectors = list(selectable_inspectors(user).filter(pk__in=ids).select_related("unit"))
        bad += [str(pk) for pk in sorted(ids - {p.pk for p in inspectors})]
    if bad:
        errors["inspectors"].append(f"检查人员“{'、'.join(bad[:5])}”不存在或不可选择。")
    findings_count = 0
    raw_count = str(_get(data, "findings_count", "0")).strip() or "0"
    try:
        findings_count = int(raw_count)
        if findings_count < 0:
            raise ValueError
    except ValueError:
        errors["findings_count"].append(f"问题数“{raw_count[:20]}”应为0或正整数。")
        findings_count = 0
    days = None
    raw_days = str(_get(data, "rectification_days")).strip()
    if raw_days:
        try:
            days = int(raw_days)
        except ValueError:
            errors["rectification_days"].append(f"整改期限“{raw_days[:20]}”应为整数（工作日）。")
    answers = read_answers(data)
    if "__invalid__" in answers or not isinstance(answers, dict):
        errors["answers"].append("检查要点结果（answers）不是有效的JSON对象。")
        answers = {}
    photos = []
    for upload in files.getlist("photos") if files is not None else []:
        if upload.size > services.MAX_PHOTO_BYTES:
            size = upload.size / 1024 / 1024
            errors["photos"].append(f"照片“{upload.name}”大小为{size:.1f}MB，超过10MB的上限。")
            continue
        photos.append(Photo(upload.name or "", upload.read()))
    on_site_raw = _get(data, "on_site", True)
    on_site = on_site_raw if isinstance(on_site_raw, bool) else str(on_site_raw).lower() in TRUE
    submission = Submission(
        client_uuid=client_uuid,
        task=task,
        entity=entity or (task.entity if task is not None else None),
        item=item,
        inspected_on=inspected_on,
        inspectors=inspectors,
        on_site=on_site,
        method=str(_get(data, "method")).strip(),
        outcome=str(_get(data, "outcome")).strip(),
        answers=answers,
        findings=str(_get(data, "findings")).strip()[:5000],
        findings_count=findings_count,
        rectification_order=str(_get(data, "rectification_order")).strip()[:2000],
        rectification_days=days,
        photos=photos,
    )
    return submission, {k: v for k, v in errors.items() if v}


def submit(user, data, files=None, *, task=None, entity=None):
    """Read and record a submission: (inspection, created); raises InspectionInvalid."""
    submission, errors = read_submission(user, data, files, task=task, entity=entity)
    if errors:
        saved = services.existing_submission(user, submission.client_uuid)
        if saved is not None:
            return saved, False
        domain = services.validate(user, submission) if submission.client_uuid else {}
        raise services.InspectionInvalid({**domain, **errors})
    return services.record_inspection(user, submission)
