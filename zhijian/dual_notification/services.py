"""Dual notification: matching events to departments, read / feedback / claim, statistics,
the rule spreadsheet. The only place that changes this app's records.

Who sees what (``visible_notifications``): every query starts from the data scope (the
entity's unit); a user holding ``dual_notification.view_all_departments`` (bureau officers)
sees every department's notifications there, anybody else only those of the departments they
are a member of (``DepartmentMember``). Only members act for a department (read, feedback,
claim), with ``dual_notification.respond_notification``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.dictionaries import parameters

from . import matching, seeds
from .models import Department, DepartmentMember, Notification, ScopeEvent, ScopeRule, split_list

VIEW_ALL = "dual_notification.view_all_departments"
RESPOND = "dual_notification.respond_notification"
DEPARTMENT_PERMISSIONS = (
    "dual_notification.view_notification",
    "dual_notification.view_scopeevent",
    "dual_notification.view_department",
    RESPOND,
)
ACTIVE_STATUS = "存续"


# An imported entity established within this many days counts as a new registration; older
# ones are stock (a first load of the register must not notify every existing entity).
NEW_REGISTRATION_DAYS = parameters.declare(
    "dual_notification.new_registration_days",
    30,
    name="双告知：导入时视为新设登记的成立天数",
    source="本地规定（LOCAL）：导入数据中成立日期在此天数以内的主体按新设登记告知，更早的视为存量",
    validate=parameters.positive_int,
    unit="天",
)


class DualNotificationError(Exception):
    """A refused operation; the message is for the user (Chinese)."""


# --- matching ---------------------------------------------------------------------------------


def rules_in_force(day: dt.date | None = None) -> list[ScopeRule]:
    day = day or timezone.localdate()
    rules = ScopeRule.objects.filter(is_active=True, department__is_active=True).select_related(
        "department"
    )
    return [r for r in rules if r.in_force(day)]


def scope_digest(text: str) -> str:
    return hashlib.sha256(matching.normalise(text).encode("utf-8")).hexdigest()


def _event_kind(event: str) -> str:
    if event not in ScopeEvent.Kind.values:
        raise DualNotificationError(f"未知的告知事由“{event}”（应为新设登记或经营范围变更）。")
    return event


def notify_for_entity(entity, event: str, *, occurred_on=None, rules=None):
    """Record ``event`` (established / scope_changed) of ``entity`` and notify the departments
    its business scope concerns; returns ``(ScopeEvent or None, created)``.

    Idempotent: an entity has one "established" event; a "scope_changed" event is recorded only
    when the scope differs from the one last matched. Each (event, department) is notified once.
    Entities that are no longer active (注销, 吊销, 迁出) are not notified.
    """
    kind = _event_kind(event)
    if entity.status != ACTIVE_STATUS:
        return None, False
    digest = scope_digest(entity.business_scope)
    existing = ScopeEvent.objects.filter(entity=entity)
    if kind == ScopeEvent.Kind.ESTABLISHED:
        found = existing.filter(kind=kind).first()
        if found:
            return found, False
        occurred_on = occurred_on or entity.established_on
    else:
        latest = existing.order_by("-created_at", "-id").first()
        if latest is not None and latest.scope_digest == digest:
            return latest, False
        occurred_on = occurred_on or timezone.localdate()
    if isinstance(occurred_on, str):
        occurred_on = dt.date.fromisoformat(occurred_on)
    if rules is None:
        rules = rules_in_force(occurred_on)
    else:
        rules = [r for r in rules if r.in_force(occurred_on)]
    matches = matching.match_scope(entity.business_scope, entity.industry, rules)
    try:
        with transaction.atomic():
            scope_event = ScopeEvent.objects.create(
                entity=entity,
                unit_id=entity.unit_id,
                kind=kind,
                occurred_on=occurred_on,
                scope_text=entity.business_scope or "",
                scope_digest=digest,
                industry=entity.industry or "",
                matched=bool(matches),
            )
            for match in matches:
                Notification.objects.create(
                    event=scope_event,
                    entity=entity,
                    unit_id=entity.unit_id,
                    department_id=match.rule.department_id,
                    rule=match.rule,
                    keyword=match.reason,
                    licence=match.rule.licence,
                    legal_basis=match.rule.legal_basis,
                )
    except IntegrityError:  # the same event recorded concurrently
        return ScopeEvent.objects.get(entity=entity, kind=kind, scope_digest=digest), False
    return scope_event, True


@dataclass
class RunSummary:
    established: int = 0
    changed: int = 0
    notifications: int = 0
    unmatched: int = 0
    seen: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"检查主体 {self.seen} 户：新设告知 {self.established} 件，变更告知 {self.changed} 件，"
            f"推送委办局 {self.notifications} 条，未匹配待认领 {self.unmatched} 件"
        )


def run(since: dt.date, *, until: dt.date | None = None, chunk: int = 500) -> RunSummary:
    """Notify for the entities established, or whose scope changed, from ``since`` on.

    Established: ``established_on`` in [since, until]. Changed: entities updated since then whose
    scope differs from the scope of their last event (a change is detected against a scope this
    module has seen; the import calls ``notify_batch`` after each batch). Running it again adds
    nothing. Written in bulk: one audit record per chunk of entities.
    """
    from zhijian.registry.models import Entity

    summary = RunSummary()
    rules = _all_rules()
    new = Entity.objects.filter(established_on__gte=since, status=ACTIVE_STATUS)
    if until:
        new = new.filter(established_on__lte=until)
    new = new.exclude(scope_events__kind=ScopeEvent.Kind.ESTABLISHED).order_by("pk")
    handled: set[int] = set()
    for part in _parts(new, chunk):
        handled.update(e.pk for e in part)
        _notify_many([(e, ScopeEvent.Kind.ESTABLISHED, e.established_on) for e in part], rules,
                     summary)  # fmt: skip
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    changed = Entity.objects.filter(
        updated_at__gte=start, status=ACTIVE_STATUS, scope_events__isnull=False
    ).distinct()
    if until:
        end = timezone.make_aware(dt.datetime.combine(until, dt.time.max))
        changed = changed.filter(updated_at__lte=end)
    for part in _parts(changed.order_by("pk"), chunk):
        part = [e for e in part if e.pk not in handled]  # just registered with this scope
        _notify_many(
            [(e, ScopeEvent.Kind.SCOPE_CHANGED, timezone.localdate(e.updated_at)) for e in part],
            rules,
            summary,
        )
    return summary


def notify_batch(batch_id: int, *, today: dt.date | None = None, chunk: int = 500) -> RunSummary:
    """The exchange import's hook, called once after a batch of table 1 (entities) is written
    (``after_entities_import``, registered in ``apps.py``).

    Over the active entities of the batch: those established within ``NEW_REGISTRATION_DAYS``
    get an "established" event (or, when they have one, a "scope_changed" event if their scope
    changed); older ones get a "scope_changed" event when their scope differs from the scope
    of their last event, and nothing when this module has never seen them (stock).
    Idempotent like ``run``.

    Only the entities that can need work are read: established on or after the cut-off, or
    with at least one event (``_batch_candidates``); stock entities never seen are not looked
    at, so a batch of a million old entities costs two short index reads. ``summary.seen`` counts
    the entities looked at (those candidates), not the whole batch.
    """
    from zhijian.registry.models import Entity

    today = today or timezone.localdate()
    since = cut_off(today)
    summary = RunSummary()
    candidates = _batch_candidates(batch_id, since)
    if not candidates:
        return summary
    rules = _all_rules()
    for start in range(0, len(candidates), chunk):
        ids = candidates[start : start + chunk]
        part = list(Entity.objects.filter(pk__in=ids, status=ACTIVE_STATUS).order_by("pk"))
        known = _known_events([e.pk for e in part])
        work = []
        for entity in part:
            has_established, latest = known.get(entity.pk, (False, None))
            if entity.established_on >= since and not has_established:
                work.append((entity, ScopeEvent.Kind.ESTABLISHED, entity.established_on))
            elif latest is not None:
                work.append((entity, ScopeEvent.Kind.SCOPE_CHANGED, today))
        summary.seen += len(part) - len(work)  # none unless changed since the candidates query
        _notify_many(work, rules, summary, known=known)
    return summary


def cut_off(today: dt.date) -> dt.date:
    """Entities established on or after this day count as new registrations."""
    return today - dt.timedelta(days=NEW_REGISTRATION_DAYS.on(today))


def _batch_candidates(batch_id: int, since: dt.date) -> list[int]:
    """Ids (ascending) of the entities of the batch that may need an event: established
    on or after ``since``, or known to this module (at least one event).

    ``Entity.batch_id`` has no index (each index costs every imported row), so each half is
    one query driven by an index of its own: the range of ``established_on`` (the recent
    registrations of the whole register, a small share), and the events' entity index (the
    entities ever notified); the batch is checked on those rows only. The status is checked
    when the rows are read: in the query, SQLite (no statistics) would walk the status index,
    i.e. every active entity.
    """
    from zhijian.registry.models import Entity

    batch = Entity.objects.filter(batch_id=batch_id)
    new = batch.filter(established_on__gte=since).values_list("pk", flat=True)
    seen = batch.filter(pk__in=ScopeEvent.objects.values("entity_id")).values_list("pk", flat=True)
    return sorted(set(new) | set(seen))


def after_entities_import(batch) -> str | None:
    """The hook of the exchange import (``exchange.hooks``): dual notification for a finished
    batch of entities; a short note for the batch message when something was notified."""
    summary = notify_batch(batch.pk, today=_batch_day(batch))
    if not (summary.established or summary.changed):
        return None
    return (
        f"双告知：新设告知 {summary.established} 件，变更告知 {summary.changed} 件，"
        f"推送委办局 {summary.notifications} 条，未匹配待认领 {summary.unmatched} 件"
    )


def catch_up_hint(batch) -> str:
    """What to run when the hook failed: ``run`` from the batch's cut-off covers the batch's
    new registrations and the scope changes of its known entities (idempotent)."""
    since = cut_off(_batch_day(batch))
    return f"可运行 zhijian dual-notify --since {since.isoformat()} 补做"


def _batch_day(batch) -> dt.date:
    moment = getattr(batch, "finished_at", None)
    return timezone.localdate(moment) if moment else timezone.localdate()


def _all_rules() -> list[ScopeRule]:
    """Every rule of an active department (each event keeps those in force on its date)."""
    return list(ScopeRule.objects.select_related("department").filter(department__is_active=True))


def _parts(qs, size):
    """Lists of at most ``size`` rows of ``qs`` (ordered by pk), walking the primary key."""
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _known_events(entity_ids: list[int]) -> dict[int, tuple[bool, str | None]]:
    """entity id → (has an established event, digest of its latest event)."""
    known: dict[int, tuple[bool, str | None]] = {}
    rows = (
        ScopeEvent.objects.filter(entity_id__in=entity_ids)
        .order_by("entity_id", "created_at", "id")
        .values_list("entity_id", "kind", "scope_digest")
    )
    for entity_id, kind, digest in rows:
        established = known.get(entity_id, (False, None))[0]
        known[entity_id] = (established or kind == ScopeEvent.Kind.ESTABLISHED, digest)
    return known


def _notify_many(work, rules, summary: RunSummary, known=None) -> None:
    """``notify_for_entity`` for many (entity, kind, date) at once: the same decisions, the
    events and notifications written in bulk in one transaction with one audit record."""
    if not work:
        return
    summary.seen += len(work)
    if known is None:
        known = _known_events([entity.pk for entity, _kind, _on in work])
    events, matches_of = [], []
    for entity, kind, occurred_on in work:
        digest = scope_digest(entity.business_scope)
        has_established, latest = known.get(entity.pk, (False, None))
        if kind == ScopeEvent.Kind.ESTABLISHED and has_established:
            continue
        if kind == ScopeEvent.Kind.SCOPE_CHANGED and (latest is None or latest == digest):
            continue
        in_force = [r for r in rules if r.in_force(occurred_on)]
        matches = matching.match_scope(entity.business_scope, entity.industry, in_force)
        events.append(
            ScopeEvent(
                entity_id=entity.pk,
                unit_id=entity.unit_id,
                kind=kind,
                occurred_on=occurred_on,
                scope_text=entity.business_scope or "",
                scope_digest=digest,
                industry=entity.industry or "",
                matched=bool(matches),
            )  # fmt: skip
        )
        matches_of.append(matches)
    if not events:
        return
    try:
        with transaction.atomic():
            ScopeEvent.objects.bulk_create(events)
            if events[0].pk is None:  # backends that do not return keys: read them back
                keys = {
                    (e, k, d): pk
                    for pk, e, k, d in ScopeEvent.objects.filter(
                        entity_id__in=[ev.entity_id for ev in events]
                    ).values_list("pk", "entity_id", "kind", "scope_digest")
                }
                for ev in events:
                    ev.pk = ev.id = keys[(ev.entity_id, ev.kind, ev.scope_digest)]
            notices = [
                Notification(
                    event_id=ev.pk,
                    entity_id=ev.entity_id,
                    unit_id=ev.unit_id,
                    department_id=m.rule.department_id,
                    rule_id=m.rule.pk,
                    keyword=m.reason,
                    licence=m.rule.licence,
                    legal_basis=m.rule.legal_basis,
                )  # fmt: skip
                for ev, matches in zip(events, matches_of, strict=True)
                for m in matches
            ]
            Notification.objects.bulk_create(notices, batch_size=2000)
            log(
                "bulk_create",
                object_type="dual_notification.scopeevent",
                object_repr=f"双告知：告知事项 {len(events)} 件，推送委办局 {len(notices)} 条",
                detail={
                    "events": len(events),
                    "notifications": len(notices),
                    "unmatched": sum(1 for ev in events if not ev.matched),
                    "first_entity": events[0].entity_id,
                    "last_entity": events[-1].entity_id,
                },
            )
    except IntegrityError:  # recorded concurrently: fall back to one entity at a time
        for entity, kind, occurred_on in work:
            event, created = notify_for_entity(entity, kind, occurred_on=occurred_on, rules=rules)
            if created:
                _tally(summary, event.kind, event.matched, event.notifications.count())
        return
    for ev, matches in zip(events, matches_of, strict=True):
        _tally(summary, ev.kind, ev.matched, len(matches))


def _tally(summary: RunSummary, kind: str, matched: bool, notices: int) -> None:
    if kind == ScopeEvent.Kind.ESTABLISHED:
        summary.established += 1
    else:
        summary.changed += 1
    summary.notifications += notices
    summary.unmatched += 0 if matched else 1


# --- who sees and who acts ----------------------------------------------------------------------


def member_departments(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        DepartmentMember.objects.filter(user=user, department__is_active=True).values_list(
            "department_id", flat=True
        )
    )


def department_sources(user) -> set[str]:
    """The names (and codes) of the active departments ``user`` is a member of: the data
    sources whose import feedback (归集信息反馈) they see."""
    if not getattr(user, "is_authenticated", False):
        return set()
    rows = Department.objects.filter(members__user=user, is_active=True).values_list("name", "code")
    return {value for row in rows for value in row if value}


def sees_all_departments(user) -> bool:
    return user.has_perm(VIEW_ALL)


def visible_notifications(user):
    """Notifications in the user's data scope, and of their own departments unless they hold
    ``view_all_departments`` (the only queryset of notifications that reaches a user)."""
    qs = Notification.objects.visible_to(user)
    if not sees_all_departments(user):
        qs = qs.filter(department_id__in=member_departments(user))
    return qs


def visible_events(user):
    """Events in the user's data scope: all of them for bureau officers; for department users
    the unmatched ones (the published list) and those notified to their departments."""
    qs = ScopeEvent.objects.visible_to(user)
    if not sees_all_departments(user):
        qs = qs.filter(
            Q(matched=False) | Q(notifications__department_id__in=member_departments(user))
        ).distinct()
    return qs


def todo_count(user) -> int:
    """The home page's to-do count: a department user's notifications not yet signed for."""
    departments = member_departments(user)
    if not departments or not user.has_perm(RESPOND):
        return 0
    return (
        Notification.objects.visible_to(user)
        .filter(department_id__in=departments, state=Notification.State.SENT)
        .count()
    )


def _member_check(user, department: Department, action: str) -> None:
    if not user.has_perm(RESPOND):
        raise DualNotificationError(f"您没有{action}告知的权限。")
    if department.pk not in member_departments(user):
        raise DualNotificationError(f"您不是“{department.name}”的工作人员，不能{action}。")


def _locked(notification: Notification, user) -> Notification:
    obj = visible_notifications(user).select_for_update().filter(pk=notification.pk).first()
    if obj is None:
        raise DualNotificationError("该告知记录不在您的数据范围内。")
    return obj


def mark_read(notification: Notification, user) -> Notification:
    """签收: the department has received the notification (once; later calls change nothing)."""
    with transaction.atomic():
        obj = _locked(notification, user)
        _member_check(user, obj.department, "签收")
        if obj.read_at is None:
            obj.read_at = timezone.now()
            obj.read_by = user
            if obj.state == Notification.State.SENT:
                obj.state = Notification.State.READ
            obj.save()
    return obj


def give_feedback(notification: Notification, user, feedback: str, note: str = "") -> Notification:
    """反馈: the department says what it found (licensed, under review, not licensed …)."""
    note = (note or "").strip()
    if feedback not in Notification.Feedback.values:
        raise DualNotificationError("请选择反馈结果。")
    if feedback == Notification.Feedback.OTHER and not note:
        raise DualNotificationError("反馈结果为“其他”时必须填写反馈说明。")
    if len(note) > 2000:
        raise DualNotificationError("反馈说明不能超过2000字。")
    with transaction.atomic():
        obj = _locked(notification, user)
        _member_check(user, obj.department, "反馈")
        now = timezone.now()
        if obj.read_at is None:
            obj.read_at, obj.read_by = now, user
        obj.feedback, obj.feedback_note = feedback, note
        obj.feedback_at, obj.feedback_by = now, user
        obj.state = Notification.State.FEEDBACK
        obj.save()
    return obj


def claim(event: ScopeEvent, user, *, department: Department | None = None, licence: str = ""):
    """认领: a department takes an unmatched event as its own; returns the new notification."""
    licence = (licence or "").strip()
    if len(licence) > 100:
        raise DualNotificationError("所需许可不能超过100字。")
    mine = member_departments(user)
    if department is None:
        if len(mine) != 1:
            raise DualNotificationError("请选择认领的委办局。")
        department = Department.objects.get(pk=mine[0])
    with transaction.atomic():
        if not visible_events(user).filter(pk=event.pk).exists():
            raise DualNotificationError("该告知事项不在您的数据范围内。")
        obj = ScopeEvent.objects.select_for_update().filter(pk=event.pk).first()
        if obj is None:
            raise DualNotificationError("该告知事项不在您的数据范围内。")
        if obj.matched:
            raise DualNotificationError("该事项已匹配审批部门，无需认领。")
        _member_check(user, department, "认领")
        if obj.notifications.filter(department=department).exists():
            raise DualNotificationError(f"“{department.name}”已认领该事项。")
        now = timezone.now()
        return Notification.objects.create(
            event=obj,
            entity_id=obj.entity_id,
            unit_id=obj.unit_id,
            department=department,
            keyword="部门认领",
            licence=licence,
            via=Notification.Via.CLAIM,
            state=Notification.State.CLAIMED,
            read_at=now,
            read_by=user,
        )


def entity_notice(event: ScopeEvent, user=None) -> list[dict]:
    """What the entity is told (the second 告知): which licences it needs, from whom
    (limited to the notifications ``user`` may see when a user is given)."""
    rows = visible_notifications(user).filter(event=event) if user else event.notifications.all()
    rows = rows.select_related("department").order_by("department__sort_order")
    return [
        {"department": n.department.name, "licence": n.licence, "legal_basis": n.legal_basis,
         "keyword": n.keyword}
        for n in rows
        if n.licence
    ]  # fmt: skip


# --- department members ------------------------------------------------------------------------


def department_group():
    """The core role of department users (委办局用户); its permissions are granted in apps.py."""
    from zhijian.core.models import Role
    from zhijian.core.roles import DEPARTMENT_USER

    return Role.objects.get(code=DEPARTMENT_USER)


def add_member(user, department: Department) -> DepartmentMember:
    if user is None or department is None:
        raise DualNotificationError("请选择用户和委办局。")
    if not department.is_active:
        raise DualNotificationError(f"委办局“{department.name}”已停用。")
    with transaction.atomic():
        member, created = DepartmentMember.objects.get_or_create(user=user, department=department)
        if not created:
            raise DualNotificationError(f"用户“{user}”已是“{department.name}”的工作人员。")
        user.groups.add(department_group())
    return member


def remove_member(member: DepartmentMember) -> None:
    user = member.user
    with transaction.atomic():
        member.delete()
        if not DepartmentMember.objects.filter(user=user).exists():
            user.groups.remove(department_group())


# --- statistics --------------------------------------------------------------------------------


def statistics(user, *, since=None, until=None) -> list[dict]:
    """Per department: notifications sent, read, with feedback, claimed; rates in percent."""
    qs = visible_notifications(user)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    rows = (
        qs.values("department_id", "department__name", "department__sort_order", "department__code")
        .annotate(
            sent=Count("id"),
            read=Count("id", filter=Q(read_at__isnull=False)),
            feedback=Count("id", filter=Q(state=Notification.State.FEEDBACK)),
            claimed=Count("id", filter=Q(via=Notification.Via.CLAIM)),
        )
        .order_by("department__sort_order", "department__code")
    )
    out = []
    for row in rows:
        sent = row["sent"]
        out.append(
            {
                "department_id": row["department_id"],
                "department": row["department__name"],
                "sent": sent,
                "read": row["read"],
                "feedback": row["feedback"],
                "claimed": row["claimed"],
                "read_rate": _rate(row["read"], sent),
                "feedback_rate": _rate(row["feedback"], sent),
            }
        )
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- the rule spreadsheet ----------------------------------------------------------------------

RULE_COLUMNS = (
    "规则编号", "部门代码", "部门名称", "经营范围关键词", "行业代码前缀", "匹配范围", "所需许可",
    "法律依据", "优先级", "生效日期", "失效日期", "启用", "备注",
)  # fmt: skip
SECTION_BY_LABEL = {"许可项目": "licensed", "全部经营范围": "any", "全部": "any"}
YES = {"是", "启用", "1", "true", "TRUE", "True", "Y", "y"}
NO = {"否", "停用", "0", "false", "FALSE", "False", "N", "n"}


def rule_row(rule: ScopeRule) -> list[str]:
    return [
        str(rule.pk), rule.department.code, rule.department.name, rule.keywords,
        rule.industry_prefixes, rule.get_section_display(), rule.licence, rule.legal_basis,
        str(rule.priority), rule.valid_from.isoformat() if rule.valid_from else "",
        rule.valid_to.isoformat() if rule.valid_to else "", "是" if rule.is_active else "否",
        rule.note,
    ]  # fmt: skip


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _date(text: str, row: int, label: str, errors) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        errors.append((row, f"{label}“{text}”不是有效日期（应为 YYYY-MM-DD）"))
        return None


def _parse_rule(cells: dict, row: int, departments: dict, errors: list) -> dict | None:
    before = len(errors)
    code = cells.get("部门代码", "").strip()
    department = departments.get(code)
    if not code:
        errors.append((row, "部门代码为空"))
    elif department is None:
        errors.append((row, f"部门代码“{code}”不存在（请先在委办局中登记）"))
    keywords = "、".join(split_list(cells.get("经营范围关键词", "")))
    prefixes = split_list(cells.get("行业代码前缀", ""))
    bad = [p for p in prefixes if not (p.isdigit() and len(p) <= 4)]
    if bad:
        errors.append((row, f"行业代码前缀“{'、'.join(bad)}”应为1至4位数字"))
    if not keywords and not prefixes:
        errors.append((row, "经营范围关键词和行业代码前缀不能都为空"))
    section_label = cells.get("匹配范围", "").strip() or "许可项目"
    section = SECTION_BY_LABEL.get(section_label)
    if section is None:
        errors.append((row, f"匹配范围“{section_label}”应为“许可项目”或“全部经营范围”"))
    licence = cells.get("所需许可", "").strip()
    if not licence:
        errors.append((row, "所需许可为空"))
    elif len(licence) > 100:
        errors.append((row, "所需许可超过100字"))
    priority_text = cells.get("优先级", "").strip() or "100"
    if not priority_text.isdigit():
        errors.append((row, f"优先级“{priority_text}”应为非负整数"))
    valid_from = _date(cells.get("生效日期", ""), row, "生效日期", errors)
    valid_to = _date(cells.get("失效日期", ""), row, "失效日期", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors.append((row, "失效日期早于生效日期"))
    active_text = cells.get("启用", "").strip() or "是"
    if active_text not in YES | NO:
        errors.append((row, f"启用“{active_text}”应为“是”或“否”"))
    if len(errors) > before:
        return None
    return {
        "department": department,
        "keywords": keywords,
        "industry_prefixes": "、".join(prefixes),
        "section": section,
        "licence": licence,
        "legal_basis": cells.get("法律依据", "").strip()[:300],
        "priority": int(priority_text),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "is_active": active_text in YES,
        "note": cells.get("备注", "").strip()[:200],
    }


def import_rules(path) -> ImportResult:
    """Read a rule sheet (XLSX or CSV with the export's columns). All or nothing: when a row is
    wrong nothing is written and every wrong row is reported. A row with 规则编号 updates that
    rule, a row without one adds a rule. One audit record for the batch."""
    from zhijian.exchange.readers import FileError, open_table_file

    result = ImportResult()
    try:
        table = open_table_file(path)
    except FileError as exc:
        raise DualNotificationError(str(exc)) from exc
    try:
        missing = [c for c in ("部门代码", "所需许可") if c not in table.headers]
        if missing:
            raise DualNotificationError(f"表头缺少列：{'、'.join(missing)}")
        departments = {d.code: d for d in Department.objects.all()}
        parsed = []
        for number, cells, _oversize in table.rows:
            record = dict(zip(table.headers, cells, strict=False))
            if not any(v.strip() for v in record.values()):
                continue
            pk_text = record.get("规则编号", "").strip()
            values = _parse_rule(record, number, departments, result.errors)
            if pk_text and not pk_text.isdigit():
                result.errors.append((number, f"规则编号“{pk_text}”应为数字"))
                continue
            if values is not None:
                parsed.append((number, int(pk_text) if pk_text else None, values))
    finally:
        table.close()
    existing = set(ScopeRule.objects.values_list("pk", flat=True))
    for number, pk, _values in parsed:
        if pk is not None and pk not in existing:
            result.errors.append((number, f"规则编号“{pk}”不存在（新增规则请留空）"))
    if result.errors or not parsed:
        if not parsed and not result.errors:
            result.errors.append((0, "文件中没有规则"))
        return result
    with transaction.atomic():
        new = [ScopeRule(**values) for _number, pk, values in parsed if pk is None]
        ScopeRule.objects.bulk_create(new)  # no signals: the batch is one audit record
        result.created = len(new)
        for _number, pk, values in parsed:
            if pk is not None:
                ScopeRule.objects.filter(pk=pk).update(**values, updated_at=timezone.now())
                result.updated += 1
        log(
            "import",
            object_type="dual_notification.scoperule",
            object_repr=f"导入告知规则：新增 {result.created} 条，更新 {result.updated} 条",
            detail={"created": result.created, "updated": result.updated},
        )
    return result


# --- the default mapping -----------------------------------------------------------------------


def seed_defaults() -> tuple[int, int]:
    """Create the default departments and rules (seeds.py) that do not exist yet."""
    departments = 0
    for order, (code, name, short, internal) in enumerate(seeds.DEPARTMENTS, start=1):
        _dept, created = Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "internal": internal, "sort_order": order},
        )
        departments += created
    rules = 0
    if not ScopeRule.objects.exists():
        by_code = {d.code: d for d in Department.objects.all()}
        for code, keywords, prefixes, section, licence, basis, priority in seeds.RULES:
            ScopeRule.objects.create(
                department=by_code[code], keywords=keywords, industry_prefixes=prefixes,
                section=section, licence=licence, legal_basis=basis, priority=priority,
                note="默认规则（上海）",
            )  # fmt: skip
            rules += 1
    return departments, rules
