"""Random inspections: the only place that changes directories, plans and draws.

A draw (``draw_plan``) reads the target directory and the inspector directory, takes the public
random value, runs ``draw.py`` (the documented algorithm), stores every input and the result in
a ``Draw``, creates one supervision task per drawn entity (``supervision.services
.bulk_create_tasks``, unit = the entity's home station) and writes one audit record with the
hashes. ``verify_draw`` repeats the draw from the stored, published inputs and compares.
A redraw is a new draw with a reason; the old draw stays, its tasks are cancelled.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zhijian.audit.services import log
from zhijian.core import context, masking
from zhijian.core.models import OrgUnit, User
from zhijian.core.numbers import issue as issue_numbers
from zhijian.core.scope import scope_prefix
from zhijian.registry.models import Entity

from . import directory, draw, rules
from .directory import DirectoryError
from .draw import ALGORITHM, CLASSES, DrawError
from .models import DEFAULT_DEPARTMENT, Draw, InspectorProfile, NonIntrusiveEntry, Plan, Recusal

AUDIT_ACTION = "random_draw"


class PlanError(ValueError):
    """A refused operation on random inspections; the message is for the user (Chinese)."""


def _today() -> dt.date:
    return timezone.localdate()


def _actor():
    ctx = context.current()
    if ctx is None or not ctx.user_id:
        return None
    return User.objects.filter(pk=ctx.user_id).first()


def _in_scope(user, unit: OrgUnit) -> bool:
    prefix = scope_prefix(user)
    return prefix is not None and unit.path.startswith(prefix)


# --- inspector directory, recusals, non-intrusive list ----------------------------------------


def save_inspector(
    user: User,
    *,
    by,
    department: str = DEFAULT_DEPARTMENT,
    expertise=(),
    address: str = "",
    is_active: bool = True,
    note: str = "",
) -> InspectorProfile:
    """Put ``user`` into the inspector directory (or update their entry)."""
    if by is not None and (user.unit is None or not _in_scope(by, user.unit)):
        raise PlanError(f"人员“{user}”不在您的数据范围内。")
    if not user.badge_number.strip():
        raise PlanError(f"人员“{user}”没有执法证号，不能列入执法检查人员名录库。")
    if not user.is_active:
        raise PlanError(f"人员“{user}”的账号已停用。")
    if not (department or "").strip():
        raise PlanError("请填写所属部门。")
    expertise = sorted({str(e).strip() for e in expertise if str(e).strip()})
    profile = InspectorProfile.objects.filter(user=user).first() or InspectorProfile(user=user)
    profile.unit = user.unit
    profile.department = department.strip()
    profile.expertise = expertise
    profile.address = address.strip()
    profile.is_active = is_active
    profile.note = note.strip()
    profile.save()
    return profile


def add_recusal(inspector: User, *, by, reason: str, entity=None, person=None) -> Recusal:
    if by is not None and (inspector.unit is None or not _in_scope(by, inspector.unit)):
        raise PlanError(f"人员“{inspector}”不在您的数据范围内。")
    if entity is None and person is None:
        raise PlanError("请填写须回避的市场主体或自然人。")
    if not (reason or "").strip():
        raise PlanError("请填写回避原因。")
    return Recusal.objects.create(
        inspector=inspector, entity=entity, person=person, reason=reason.strip()
    )


def list_non_intrusive(entity: Entity, *, reason: str, listed_on: dt.date | None = None):
    if not (reason or "").strip():
        raise PlanError("请填写列入无感监管名单的依据。")
    return NonIntrusiveEntry.objects.create(
        entity=entity, unit_id=entity.unit_id, reason=reason.strip(),
        listed_on=listed_on or _today(),
    )  # fmt: skip


# --- plans ------------------------------------------------------------------------------------


def _next_number(day: dt.date) -> str:
    """A new plan number of ``day``'s year: SJ + YYYY + 4 digits."""
    return issue_numbers(f"SJ{day:%Y}", 4)[0]


def check_ratios(ratios: dict | None, day: dt.date) -> tuple[dict, dict]:
    """(ratios, basis): the parameter in force, or the plan's own ratios within the limits."""
    in_force = rules.CLASS_RATIOS.used(day)
    if ratios is None:
        return dict(in_force["value"]), {"parameter": in_force}
    try:
        checked = rules.CLASS_RATIOS.check(ratios)
    except Exception as exc:  # InvalidParameter: Chinese message
        raise PlanError(f"抽查比例：{exc}") from None
    limits = rules.CLASS_RATIO_LIMITS.used(day)
    for cls in CLASSES:
        low, high = limits["value"][cls]
        if not low <= checked[cls] <= high:
            raise PlanError(
                f"{cls}类抽查比例 {checked[cls]:g} 超出允许区间 [{low:g}, {high:g}]"
                f"（依据：{limits['source']}）"
            )
    return checked, {"parameter": in_force, "limits": limits, "override": True}


def _clean_participants(participants, unit: OrgUnit, per_check: int) -> list[dict]:
    if not participants:
        return [{"department": DEFAULT_DEPARTMENT, "unit": unit.code}]
    clean, seen = [], set()
    for p in participants:
        department = str(p.get("department") or "").strip()
        code = str(p.get("unit") or "").strip()
        if not department or not code:
            raise PlanError("每个参加部门都须填写部门名称和机构。")
        if (department, code) not in seen:
            seen.add((department, code))
            clean.append({"department": department, "unit": code})
    try:
        directory.participants_units(clean)
    except DirectoryError as exc:
        raise PlanError(str(exc)) from None
    departments = {p["department"] for p in clean}
    if len(departments) > per_check:
        raise PlanError(
            f"联合抽查有 {len(departments)} 个参加部门，每户检查人数不能少于部门数"
            f"（当前为 {per_check}）。"
        )
    return clean


def create_plan(
    *,
    user,
    name: str,
    item,
    unit: OrgUnit,
    pool_filter: dict | None = None,
    ratios: dict | None = None,
    inspectors_per_check: int = 2,
    participants: list[dict] | None = None,
    due_days: int = 20,
    working_days: bool = True,
    note: str = "",
) -> Plan:
    """A new plan in the draft state; every refusal names what is wrong (Chinese)."""
    day = _today()
    if not (name or "").strip():
        raise PlanError("请填写计划名称。")
    if item is None:
        raise PlanError("请选择监管事项。")
    if not item.is_active:
        raise PlanError(f"监管事项“{item}”已停用，不能用于抽查计划。")
    if user is not None and not _in_scope(user, unit):
        raise PlanError(f"机构“{unit}”不在您的数据范围内。")
    minimum = rules.MIN_INSPECTORS.on(day)
    if inspectors_per_check is None or int(inspectors_per_check) < minimum:
        raise PlanError(f"每户检查人数不得少于 {minimum} 人（{rules.MIN_INSPECTORS.source}）。")
    if due_days is None or int(due_days) < 1:
        raise PlanError("办理时限应为正整数（天）。")
    try:
        pool_filter = directory.clean_filter(pool_filter)
    except DirectoryError as exc:
        raise PlanError(str(exc)) from None
    ratios, basis = check_ratios(ratios, day)
    participants = _clean_participants(participants, unit, int(inspectors_per_check))
    with transaction.atomic():
        return Plan.objects.create(
            number=_next_number(day),
            name=name.strip(),
            item=item,
            unit=unit,
            pool_filter=pool_filter,
            ratios=ratios,
            ratios_basis=basis,
            inspectors_per_check=int(inspectors_per_check),
            participants=participants,
            due_days=int(due_days),
            working_days=bool(working_days),
            note=(note or "").strip(),
            created_by=user,
        )


def plan_snapshot(plan: Plan) -> dict:
    """The canonical plan inputs a draw publishes (and hashes)."""
    return {
        "algorithm": ALGORITHM,
        "number": plan.number,
        "name": plan.name,
        "item": {"code": plan.item.code, "name": plan.item.name},
        "unit": plan.unit.code,
        "pool_filter": plan.pool_filter,
        "ratios": {cls: float(plan.ratios[cls]) for cls in CLASSES},
        "inspectors_per_check": plan.inspectors_per_check,
        "participants": plan.participants,
        "due_days": plan.due_days,
        "working_days": plan.working_days,
    }


# --- the draw ---------------------------------------------------------------------------------


def _check_public_random(value: str, source: str) -> tuple[str, str]:
    value, source = (value or "").strip(), (source or "").strip()
    if not value:
        raise PlanError("请填写公开随机数（如当期彩票开奖号码或公开的区块哈希）。")
    if len(value) > 200:
        raise PlanError("公开随机数不能超过 200 个字符。")
    if not source:
        raise PlanError("请填写公开随机数的来源（如“中国体育彩票排列5第2026001期”）。")
    return value, source[:200]


def _build(plan: Plan, public_random: str, day: dt.date):
    """Run the draw on the directories as they are now: (fields of the Draw, targets' rows)."""
    snapshot = plan_snapshot(plan)
    groups = directory.pool_groups(plan.unit, plan.pool_filter, plan.item, day)
    pool_size = sum(len(m) for m in groups.values())
    if not pool_size:
        raise PlanError("检查对象名录库为空：没有符合条件的市场主体，请调整检查对象范围。")
    pool_bytes = draw.pool_text(groups)
    pool_h = draw.sha256_hex(pool_bytes)
    try:
        inspectors = directory.inspector_records(plan.participants)
    except DirectoryError as exc:
        raise PlanError(str(exc)) from None
    seed, outcome = draw.run(snapshot, groups, pool_h, inspectors, public_random)
    if not outcome.targets:
        raise PlanError("按抽查比例计算的抽取户数为 0，请调整抽查比例或检查对象范围。")
    rows = directory.entities_by_uscc([u for u, _c in outcome.targets])
    targets = {rows[uscc][0]: uscc for uscc, _cls in outcome.targets}
    ties = directory.recusal_ties(targets, inspectors)
    departments = [p["department"] for p in plan.participants]
    try:
        assignment = draw.assign_inspectors(
            seed, [u for u, _c in outcome.targets], inspectors, plan.inspectors_per_check,
            departments, ties,
        )  # fmt: skip
    except DrawError as exc:
        raise PlanError(str(exc)) from None
    result = draw.result_rows(outcome.targets, assignment)
    fields = {
        "algorithm": ALGORITHM,
        "plan_snapshot": snapshot,
        "plan_hash": outcome.plan_hash,
        "pool_hash": pool_h,
        "pool_size": pool_size,
        "pool_counts": outcome.counts,
        "pool_snapshot": pool_bytes,  # packed by draw_plan (in a thread, see there)
        "inspectors": inspectors,
        "inspectors_hash": outcome.inspectors_hash,
        "recusals": ties,
        "seed": outcome.seed,
        "result": result,
        "result_hash": draw.result_hash(result),
        "target_count": len(result),
    }
    return fields, targets, rows


def _create_tasks(plan: Plan, record: Draw, rows_by_uscc: dict[str, tuple]) -> int:
    from zhijian.supervision.services import TaskError, bulk_create_tasks

    users = {r["badge"]: r for r in record.inspectors}
    unit_codes = dict(OrgUnit.objects.values_list("pk", "code"))
    rows = []
    for row in record.result:
        entity_id, unit_id, name = rows_by_uscc[row["uscc"]]
        team = [users[b] for b in row["inspectors"]]
        lead = next((t["id"] for t in team if t["unit"] == unit_codes.get(unit_id)), None)
        rows.append(
            {
                "title": f"双随机抽查：{plan.item.name}（{name}）"[:200],
                "description": f"抽查计划 {plan.number}《{plan.name}》第 {record.sequence} 次抽取；"
                f"检查人员执法证号：{'、'.join(row['inspectors'])}",
                "unit_id": unit_id,
                "item_id": plan.item_id,
                "entity_id": entity_id,
                "due_days": plan.due_days,
                "working_days": plan.working_days,
                "due_basis": f"抽查计划 {plan.number} 规定的办理时限",
                "assignee_id": lead,
            }
        )
    try:
        return len(bulk_create_tasks(rows, source="random", source_ref=task_source_ref(record)))
    except TaskError as exc:
        raise PlanError(str(exc)) from None


def task_source_ref(record: Draw) -> str:
    return source_ref_for(record.plan, record.sequence)


def source_ref_for(plan: Plan, sequence: int) -> str:
    """What the tasks of a draw carry as ``source_ref``: plan number and draw sequence."""
    return f"random:{plan.number}/{sequence}"


def _audit_detail(record: Draw) -> dict:
    return {
        "plan": record.plan.number,
        "sequence": record.sequence,
        "algorithm": record.algorithm,
        "public_random": record.public_random,
        "plan_hash": record.plan_hash,
        "pool_hash": record.pool_hash,
        "pool_size": record.pool_size,
        "inspectors_hash": record.inspectors_hash,
        "recusals_hash": draw.sha256_hex(draw.canonical(record.recusals)),
        "seed": record.seed,
        "result_hash": record.result_hash,
        "targets": record.target_count,
        "reason": record.reason,
    }


def draw_plan(
    plan: Plan, *, user, public_random: str, public_random_source: str, reason: str = ""
) -> Draw:
    """Draw a plan (first draw) or redraw it (``reason`` required, the old draw is kept)."""
    public_random, public_random_source = _check_public_random(public_random, public_random_source)
    day = _today()
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("item", "unit").get(pk=plan.pk)
        if user is not None and not _in_scope(user, plan.unit):
            raise PlanError("该计划不在您的数据范围内。")
        previous = plan.draws.filter(is_current=True).first()
        if previous is not None:
            if not (reason or "").strip():
                raise PlanError("该计划已抽取；重新抽取必须填写原因，原抽取记录将保留。")
            _retire(previous, user=user, reason=reason.strip())
        fields, _targets, rows = _build(plan, public_random, day)
        sequence = (plan.draws.aggregate(m=Max("sequence"))["m"] or 0) + 1
        # zlib releases the GIL: the snapshot is compressed while the tasks are written.
        with ThreadPoolExecutor(max_workers=1) as pool:
            packed = pool.submit(Draw.pack_pool, fields.pop("pool_snapshot"))
            record = Draw(
                plan=plan,
                sequence=sequence,
                is_current=True,
                reason=(reason or "").strip() if previous else "",
                public_random=public_random,
                public_random_source=public_random_source,
                drawn_by=user,
                drawn_at=timezone.now(),
                **fields,
            )
            _create_tasks(plan, record, rows)
            record.pool_snapshot = packed.result()
        record.save(force_insert=True)
        plan.state = Plan.State.DRAWN
        plan.save(update_fields=["state", "updated_at"])
        log(
            AUDIT_ACTION,
            obj=record,
            object_repr=f"抽查计划 {plan.number} 第 {sequence} 次抽取",
            detail=_audit_detail(record),
        )
    return record


def _retire(previous: Draw, *, user, reason: str) -> None:
    """The old draw stays; it stops being current and its open tasks are cancelled."""
    from zhijian.supervision.models import Task
    from zhijian.supervision.services import TaskError, transition

    tasks = Task.objects.filter(source="random", source_ref=task_source_ref(previous))
    started = tasks.exclude(state__in=[Task.State.NEW, Task.State.ASSIGNED, Task.State.CANCELLED])
    if started.exists():
        raise PlanError(
            f"原抽取结果已有 {started.count()} 项检查任务开始办理或已办结，不能重新抽取。"
        )
    note = f"抽查计划 {previous.plan.number} 重新抽取：{reason}"
    for task in tasks.exclude(state=Task.State.CANCELLED):
        try:
            transition(task, "cancel", user=user, note=note)
        except TaskError as exc:
            raise PlanError(f"不能撤销原抽取结果的任务 {task.number}：{exc}") from None
    Draw.objects.filter(pk=previous.pk).update(is_current=False)
    log(
        "random_redraw",
        obj=previous,
        object_repr=f"抽查计划 {previous.plan.number} 第 {previous.sequence} 次抽取被重新抽取取代",
        detail={"reason": reason, "result_hash": previous.result_hash},
    )


# --- verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def first_difference(self) -> str | None:
        return next((message for _name, ok, message in self.checks if not ok), None)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "first_difference": self.first_difference,
            "checks": [{"check": n, "ok": ok, "message": m} for n, ok, m in self.checks],
        }


def verify_draw(record: Draw) -> Verification:
    """Repeat ``record`` from its published inputs; confirm or name the first difference."""
    checks: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, message: str) -> bool:
        checks.append((name, ok, "一致" if ok else message))
        return ok

    result = Verification(False, checks)
    if not check("algorithm", record.algorithm == ALGORITHM, f"未知的算法版本“{record.algorithm}”"):
        return result
    try:
        pool_bytes = record.pool_bytes()
        groups = draw.parse_pool(pool_bytes)
    except Exception as exc:  # noqa: BLE001 - a damaged snapshot is a refutation
        check("pool", False, f"对象名录快照无法读取：{exc}")
        return result
    pool_h = draw.sha256_hex(pool_bytes)
    if not check(
        "pool_hash", pool_h == record.pool_hash,
        f"对象名录快照的哈希为 {pool_h}，与公布的 {record.pool_hash} 不符（快照被改动）",
    ):  # fmt: skip
        return result
    if not check(
        "pool_order",
        draw.is_sorted_unique(groups),
        "对象名录快照未按统一社会信用代码排序或有重复",
    ):
        return result
    plan_h = draw.plan_hash(record.plan_snapshot)
    if not check(
        "plan_hash", plan_h == record.plan_hash,
        f"计划快照的哈希为 {plan_h}，与公布的 {record.plan_hash} 不符",
    ):  # fmt: skip
        return result
    inspectors_h = draw.inspectors_hash(record.inspectors)
    if not check(
        "inspectors_hash", inspectors_h == record.inspectors_hash,
        f"执法人员名录快照的哈希为 {inspectors_h}，与公布的 {record.inspectors_hash} 不符",
    ):  # fmt: skip
        return result
    seed, outcome = draw.run(
        record.plan_snapshot, groups, pool_h, record.inspectors, record.public_random
    )
    if not check(
        "seed", outcome.seed == record.seed,
        f"重算的随机种子为 {outcome.seed}，与公布的 {record.seed} 不符",
    ):  # fmt: skip
        return result
    plan = record.plan_snapshot
    departments = [p["department"] for p in plan["participants"]]
    try:
        assignment = draw.assign_inspectors(
            seed, [u for u, _c in outcome.targets], record.inspectors,
            plan["inspectors_per_check"], departments, record.recusals,
        )  # fmt: skip
    except DrawError as exc:
        check("inspectors", False, f"按公布的输入无法分配检查人员：{exc}")
        return result
    expected = draw.result_rows(outcome.targets, assignment)
    stored = list(record.result or [])
    if not check("result", expected == stored, _first_row_difference(stored, expected)):
        return result
    result_h = draw.result_hash(stored)
    if not check(
        "result_hash", result_h == record.result_hash,
        f"抽取结果的哈希为 {result_h}，与公布的 {record.result_hash} 不符",
    ):  # fmt: skip
        return result
    if not check("audit", *_audit_matches(record)):
        return result
    result.ok = True
    return result


def _first_row_difference(stored: list, expected: list) -> str:
    for index, (a, b) in enumerate(zip(stored, expected, strict=False), start=1):
        if a != b:
            return f"第 {index} 条抽取结果不一致：存储为 {_row(a)}，按公布的输入重算为 {_row(b)}"
    if len(stored) != len(expected):
        return f"抽取结果条数不一致：存储 {len(stored)} 条，按公布的输入重算为 {len(expected)} 条"
    return "抽取结果不一致"


def _row(row) -> str:
    if not isinstance(row, dict):
        return repr(row)
    return f"{row.get('uscc')}（{row.get('class')}类，人员 {'、'.join(row.get('inspectors', []))}）"


def _audit_matches(record: Draw) -> tuple[bool, str]:
    """The hash-chained audit record of the draw still says what the draw record says."""
    from zhijian.audit.models import AuditRecord

    entry = (
        AuditRecord.objects.filter(
            action=AUDIT_ACTION, object_type="random_inspections.draw", object_id=str(record.pk)
        )
        .order_by("seq")
        .first()
    )
    if entry is None:
        return False, "审计日志中没有该次抽取的记录"
    import json

    logged = json.loads(entry.detail) if entry.detail else {}
    now = _audit_detail(record)
    for key in ("plan_hash", "pool_hash", "inspectors_hash", "recusals_hash", "seed",
                "result_hash", "public_random"):  # fmt: skip
        if logged.get(key) != now.get(key):
            return False, (
                f"审计日志（第 {entry.seq} 条）记录的 {key} 为 {logged.get(key)}，"
                f"与抽取记录中的 {now.get(key)} 不符"
            )
    return True, ""


def stored_digest(record: Draw) -> str:
    """A digest of everything stored for a draw (changes whenever any of it changes)."""
    fields = {
        name: getattr(record, name)
        for name in (
            "algorithm",
            "public_random",
            "plan_snapshot",
            "plan_hash",
            "pool_hash",
            "inspectors",
            "inspectors_hash",
            "recusals",
            "seed",
            "result",
            "result_hash",
        )  # fmt: skip
    }
    digest = draw.sha256_hex(draw.canonical(fields) + bytes(record.pool_snapshot or b""))
    return digest


# --- what is published ------------------------------------------------------------------------


def publish_draw(record: Draw, *, user) -> Draw:
    """Put a draw on the public page (一公开); audited. Only the current draw is published."""
    if user is not None and not _in_scope(user, record.plan.unit):
        raise PlanError("该抽取记录不在您的数据范围内。")
    if not record.is_current:
        raise PlanError("该抽取结果已被重新抽取取代，不能公示。")
    if record.published_at is not None:
        raise PlanError(
            f"该抽取结果已于 {timezone.localtime(record.published_at):%Y-%m-%d %H:%M} 公示。"
        )
    with transaction.atomic():
        record.published_at = timezone.now()
        Draw.objects.filter(pk=record.pk).update(published_at=record.published_at)
        log(
            "random_publish",
            obj=record,
            object_repr=f"公示抽查计划 {record.plan.number} 第 {record.sequence} 次抽取",
            detail={"result_hash": record.result_hash, "seed": record.seed},
        )
    return record


def published_draws():
    """Published draws, every district's (published by law: 一公开), the current ones."""
    return Draw.objects.filter(is_current=True, published_at__isnull=False).select_related(
        "plan", "plan__item", "plan__unit"
    )


def earlier_draws(record: Draw):
    """The draws a published draw replaced (shown with it: a redraw is never hidden)."""
    return record.plan.draws.filter(sequence__lt=record.sequence).order_by("sequence")


def public_result(record: Draw) -> list[dict]:
    """Result rows with entity names and masked inspectors (public page and API)."""
    usccs = [row["uscc"] for row in record.result]
    names = {}
    for start in range(0, len(usccs), 5000):
        names.update(
            Entity.objects.filter(uscc__in=usccs[start : start + 5000]).values_list("uscc", "name")
        )
    people = {r["badge"]: r for r in record.inspectors}
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["id"] for r in record.inspectors])}
    rows = []
    for row in record.result:
        team = []
        for badge in row["inspectors"]:
            info = people.get(badge, {})
            user = users.get(info.get("id"))
            team.append(
                {
                    "name": masking.mask_name(user.full_name or user.username) if user else "",
                    "badge": masking.mask_generic(badge, 2, 2),
                    "department": info.get("department", ""),
                }
            )
        rows.append({"uscc": row["uscc"], "name": names.get(row["uscc"], ""), "inspectors": team})
    return rows
