"""Demo data of inspections: a few checks per demo station, with rectifications, published.

Run by ``zhijian demo`` after the synthetic city and the supervision demo (app order).
Idempotent: every demo inspection has a fixed ``client_uuid`` (uuid5 of its slot), so a second
run finds them all saved and writes nothing (``record_inspection`` returns the saved one).

A station needs two inspectors for an on-site check: the demo has one per station
(``zhijian.core.demo.DEMO_USERS``), so a second inspector is created per station if missing
(``zhangjiang2`` 钱所员, ``yexie2`` 周所员, demo password). Per station: two checks against the
inspector's open demo tasks (today), and four standalone checks spread over the last 60 days
(no problem; rectification ordered, followed up and closed; rectification still open and
overdue; not operating); all but the newest standalone one are published by the district
officer, so the "待公示" list has overdue work to show.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

NAMESPACE = uuid.UUID("8a4c2c52-0d7e-4d5e-9a51-6f0c7f3b1e10")
# station code, its inspector, the second inspector (username, full name), district officer
LINES = [
    ("310115125", "zhangjiang", ("zhangjiang2", "钱所员"), "pudong"),
    ("310117120", "yexie", ("yexie2", "周所员"), "songjiang"),
]


def _uuid(slot: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, slot)


def _partner(station, username, full_name):
    from zhijian.core import roles, services
    from zhijian.core.demo import DEMO_PASSWORD
    from zhijian.core.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user, _ = services.create_user(
            username=username, unit=station, roles=[roles.STATION_INSPECTOR],
            full_name=full_name, password=DEMO_PASSWORD, must_change_password=False,
        )  # fmt: skip
    return user


def _answers(item, bad: set[str] = frozenset(), remark="现场发现问题"):
    from .services import checklist_of

    return {
        q["key"]: {"result": "nonconforming", "remark": remark}
        if q["key"] in bad
        else {"result": "conforming", "remark": ""}
        for q in checklist_of(item)
    }


def build(stdout) -> str | None:
    from zhijian.core import context
    from zhijian.core.models import OrgUnit, User
    from zhijian.registry.models import Entity
    from zhijian.supervision.models import SupervisionItem

    from .models import Inspection

    users = {
        u.username: u
        for u in User.objects.filter(username__in=[x[1] for x in LINES] + [x[3] for x in LINES])
    }
    if len(users) < 4 or not Entity.objects.exists():
        return None
    if Inspection.objects.filter(
        client_uuid__in=[_uuid(f"{x[0]}-s0") for x in LINES]
    ).count() == len(LINES):
        return None
    items = list(SupervisionItem.objects.filter(is_active=True).order_by("code"))
    made = published = 0
    for code, username, (partner_name, partner_full), officer in LINES:
        station = OrgUnit.objects.get(code=code)
        inspector = users[username]
        partner = _partner(station, partner_name, partner_full)
        entities = list(
            Entity.objects.filter(unit=station, status=Entity.Status.ACTIVE).order_by("pk")[:6]
        )
        if len(entities) < 4:
            continue
        with context.acting_as(context.context_for_user(inspector, channel="demo")):
            m, ids = _station(code, inspector, partner, entities, items)
        made += m
        with context.acting_as(context.context_for_user(users[officer], channel="demo")):
            published += _publish(users[officer], ids)
    if not made:
        return None
    return f"  检查记录 inspections: {made} 次检查 checks, {published} 条已公示 published"


def _station(code, inspector, partner, entities, items) -> tuple[int, list[int]]:
    from zhijian.supervision import services as supervision

    from . import services
    from .services import Submission

    today = timezone.localdate()
    pair = [inspector, partner]

    def item_for(entity):
        """The first catalogue item that applies to the entity (kind, industry, licence)."""
        return next((i for i in items if i.applies_to(entity)), None)

    made, to_publish = 0, []

    def record(slot, **fields):
        nonlocal made
        sub = Submission(client_uuid=_uuid(f"{code}-{slot}"), inspectors=pair, **fields)
        try:
            inspection, created = services.record_inspection(inspector, sub)
        except services.InspectionInvalid:
            return None
        made += created
        return inspection

    with transaction.atomic():
        tasks = [
            t for t in supervision.visible_todos(inspector).filter(entity__isnull=False)[:10]
            if "complete" in supervision.allowed_actions(t, inspector)
            or "claim" in supervision.allowed_actions(t, inspector)
        ][:2]  # fmt: skip
        for n, task in enumerate(tasks):
            done = record(f"t{n}", task=task, entity=None, inspected_on=today, outcome="未发现问题",
                          answers=_answers(task.item))  # fmt: skip
            if done:
                to_publish.append(done.pk)
        item = item_for(entities[0])
        first = record("s0", entity=entities[0], item=item, inspected_on=today - dt.timedelta(50),
                       method="日常检查", outcome="未发现问题", answers=_answers(item))  # fmt: skip
        item = item_for(entities[1])
        keys = [q["key"] for q in services.checklist_of(item)][:1]
        fixed = record(
            "s1", entity=entities[1], item=item, inspected_on=today - dt.timedelta(40),
            method="日常检查", outcome="发现问题已责令整改", answers=_answers(item, set(keys)),
            findings=_finding(item), findings_count=1,
            rectification_order=f"限期整改：{_finding(item)}，整改完成后报送整改情况",
        )  # fmt: skip
        if fixed is not None and fixed.rectification.state == "ordered":
            made += _follow_up(
                fixed.rectification, user=inspector, inspected_on=today - dt.timedelta(30),
                inspectors=pair, rectified=True, result="复查时已整改到位",
                answers={k: {"result": "conforming", "remark": ""} for k in keys},
                client_uuid=_uuid(f"{code}-s1-follow"),
            )  # fmt: skip
        item = item_for(entities[2])
        keys = [q["key"] for q in services.checklist_of(item)][:1]
        open_order = record(
            "s2", entity=entities[2], item=item, inspected_on=today - dt.timedelta(35),
            method="日常检查", outcome="发现问题已责令整改", answers=_answers(item, set(keys)),
            findings=_finding(item), findings_count=1,
            rectification_order=f"五个工作日内整改：{_finding(item)}", rectification_days=5,
        )  # fmt: skip
        gone = record(
            "s3", entity=entities[3], item=None, inspected_on=today - dt.timedelta(3),
            method="日常检查", outcome="未发现经营", findings="现场无人经营，经营场所已搬离",
        )  # fmt: skip
        to_publish += [i.pk for i in (first, fixed, open_order) if i is not None]
        del gone  # the newest check is left unpublished, for the 待公示 list
    return made, to_publish


def _finding(item) -> str:
    from .services import checklist_of

    questions = checklist_of(item)
    return f"检查要点“{questions[0]['question']}”不符合要求" if questions else "现场发现问题"


def _follow_up(rectification, **fields) -> int:
    from . import services

    # e.g. an entity established after the follow-up date: the order is left open
    with contextlib.suppress(services.InspectionInvalid, services.InspectionError):
        services.record_follow_up(rectification, **fields)
        return 1
    return 0


def _publish(officer, ids) -> int:
    from . import services
    from .models import Inspection

    pending = list(
        Inspection.objects.filter(pk__in=ids, published_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    return services.publish(pending, user=officer) if pending else 0
