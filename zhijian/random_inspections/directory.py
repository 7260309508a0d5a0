"""The two directories a draw comes from, and the recusal ties between them.

Target directory (检查对象名录库): the active entities of the register below a unit that match a
pool filter and the supervision item's applicability, minus the entities on the
non-intrusive supervision list, each with its credit risk class (``risk.py``). The pool filter
is a JSON object (stored on the plan, snapshotted into the draw's plan snapshot)::

    {"districts": ["310115"], "kinds": ["私营企业"], "industries": ["51", "52"],
     "licence_types": ["食品经营许可证"], "classes": ["C", "D"], "exclude_non_intrusive": true}

Empty lists mean "all". Inspector directory (执法检查人员名录库): active ``InspectorProfile``
rows of active users with a badge number.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhijian.core.models import OrgUnit
from zhijian.registry.models import Entity, EntityPerson, Licence, Person

from . import risk
from .draw import CLASSES
from .models import InspectorProfile, NonIntrusiveEntry, Recusal

FILTER_KEYS = ("districts", "kinds", "industries", "licence_types", "classes")


class DirectoryError(ValueError):
    """A pool filter or directory entry that cannot be used (the message is Chinese)."""


def clean_filter(raw: dict | None) -> dict:
    """The canonical form of a pool filter (sorted lists, known keys only), or a Chinese error."""
    raw = dict(raw or {})
    unknown = set(raw) - {*FILTER_KEYS, "exclude_non_intrusive"}
    if unknown:
        raise DirectoryError(f"检查对象范围含有未知条件：{'、'.join(sorted(unknown))}")
    clean: dict = {}
    for key in FILTER_KEYS:
        values = raw.get(key) or []
        if isinstance(values, str):
            values = [v for v in re.split(r"[\s,，、;；]+", values) if v]
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise DirectoryError(f"检查对象范围“{key}”应为文字列表")
        clean[key] = sorted({v.strip() for v in values if v.strip()})
    bad_kinds = set(clean["kinds"]) - set(Entity.Kind.values)
    if bad_kinds:
        raise DirectoryError(f"未知的主体类型：{'、'.join(sorted(bad_kinds))}")
    bad_classes = set(clean["classes"]) - set(CLASSES)
    if bad_classes:
        raise DirectoryError(
            f"信用风险分类只能是 A、B、C、D，收到：{'、'.join(sorted(bad_classes))}"
        )
    for code in clean["districts"]:
        if not re.fullmatch(r"\d{6}", code):
            raise DirectoryError(f"区划代码应为6位数字，收到“{code}”")
    for prefix in clean["industries"]:
        if not re.fullmatch(r"[A-T]?\d{0,4}", prefix):
            raise DirectoryError(f"行业代码前缀格式错误：“{prefix}”")
    clean["exclude_non_intrusive"] = bool(raw.get("exclude_non_intrusive", True))
    return clean


def _units_below(unit: OrgUnit) -> list[int]:
    return list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def pool_queryset(unit: OrgUnit, pool_filter: dict, item=None, day: dt.date | None = None):
    """The target directory as a queryset (without the credit-class condition)."""
    f = clean_filter(pool_filter)
    day = day or timezone.localdate()
    qs = Entity.objects.filter(status=Entity.Status.ACTIVE)
    if unit.parent_id is not None:  # the root unit's subtree is the whole register
        qs = qs.filter(unit_id__in=_units_below(unit))
    if f["districts"]:
        qs = qs.filter(district_code__in=f["districts"])
    kinds = set(f["kinds"])
    if item is not None and item.entity_kinds:
        kinds = (kinds & set(item.entity_kinds)) if kinds else set(item.entity_kinds)
        if not kinds:
            return qs.none()
    if kinds:
        qs = qs.filter(kind__in=sorted(kinds))
    for prefixes in (f["industries"], list(getattr(item, "industries", None) or [])):
        if prefixes:
            condition = Q()
            for prefix in prefixes:
                condition |= Q(industry__startswith=str(prefix))
            qs = qs.filter(condition)
    for types in (f["licence_types"], list(getattr(item, "licence_types", None) or [])):
        if types:
            qs = qs.filter(
                Exists(
                    Licence.objects.filter(
                        entity=OuterRef("pk"), status=Licence.Status.VALID, licence_type__in=types
                    )
                )
            )
    return qs


def non_intrusive_usccs(unit: OrgUnit, day: dt.date) -> set[str]:
    return set(
        NonIntrusiveEntry.objects.filter(unit__path__startswith=unit.path, listed_on__lte=day)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
        .values_list("entity__uscc", flat=True)
    )


def _all_usccs(qs) -> list[str]:
    """The USCCs of a queryset in ascending order, read as one aggregated string.

    Millions of rows: one string built by the database and split in Python costs a fraction of
    fetching a row per entity. The order is made in Python (cheap when the rows come sorted)."""
    sql, params = qs.order_by().values_list("uscc").query.sql_with_params()
    if connection.vendor == "postgresql":
        outer = f"SELECT string_agg(pool.uscc, E'\\n') FROM ({sql}) AS pool"  # noqa: S608
    else:
        outer = f"SELECT group_concat(pool.uscc, char(10)) FROM ({sql}) AS pool"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        text = cursor.fetchone()[0]
    usccs = text.split("\n") if text else []
    usccs.sort()
    return usccs


def pool_groups(unit: OrgUnit, pool_filter: dict, item=None, day: dt.date | None = None):
    """The target directory at ``day``: each class's USCCs in ascending order."""
    f = clean_filter(pool_filter)
    day = day or timezone.localdate()
    usccs = _all_usccs(pool_queryset(unit, f, item, day))
    if f["exclude_non_intrusive"]:
        excluded = non_intrusive_usccs(unit, day)
        if excluded:
            usccs = [u for u in usccs if u not in excluded]
    classes = risk.classes_in(unit.path if unit.parent_id else "", day)
    groups: dict[str, list[str]] = {cls: [] for cls in CLASSES}
    positions = []  # where the pool's non-A entities are (few), found by bisection
    for uscc in sorted(classes):
        at = bisect.bisect_left(usccs, uscc)
        if at < len(usccs) and usccs[at] == uscc:
            groups[classes[uscc]].append(uscc)
            positions.append(at)
    rest, start = [], 0
    for at in positions:  # class A: the slices between them
        rest.extend(usccs[start:at])
        start = at + 1
    rest.extend(usccs[start:])
    groups["A"] = rest
    wanted = set(f["classes"])
    if wanted:
        groups = {cls: (members if cls in wanted else []) for cls, members in groups.items()}
    return groups


def entities_by_uscc(usccs: list[str]) -> dict[str, tuple]:
    """USCC → (pk, unit_id, name) of the given entities (the drawn targets)."""
    out: dict[str, tuple] = {}
    if connection.vendor == "postgresql":  # one array parameter instead of thousands
        table = Entity._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT uscc, id, unit_id, name FROM {table} WHERE uscc = ANY(%s)",  # noqa: S608
                [list(usccs)],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}
    for start in range(0, len(usccs), 5000):
        for row in Entity.objects.filter(uscc__in=usccs[start : start + 5000]).values_list(
            "uscc", "pk", "unit_id", "name"
        ):
            out[row[0]] = row[1:]
    return out


# --- inspector directory ----------------------------------------------------------------------


def participants_units(participants: list[dict]) -> dict[str, OrgUnit]:
    codes = {p["unit"] for p in participants}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    missing = codes - set(units)
    if missing:
        raise DirectoryError(f"参加机构不存在：{'、'.join(sorted(missing))}")
    return units


def inspector_queryset(participants: list[dict]):
    """Active directory entries eligible for a plan with these participants."""
    units = participants_units(participants)
    condition = Q()
    for p in participants:
        condition |= Q(department=p["department"], unit__path__startswith=units[p["unit"]].path)
    return (
        InspectorProfile.objects.filter(condition, is_active=True, user__is_active=True)
        .exclude(user__badge_number="")
        .select_related("user", "unit")
    )


def inspector_records(participants: list[dict]) -> list[dict]:
    """The inspector directory snapshot published with a draw (sorted by badge)."""
    records = [
        {
            "badge": p.user.badge_number,
            "department": p.department,
            "unit": p.unit.code,
            "id": p.user_id,
        }
        for p in inspector_queryset(participants)
    ]
    records.sort(key=lambda r: r["badge"])
    badges = [r["badge"] for r in records]
    if len(set(badges)) != len(badges):
        raise DirectoryError("执法检查人员名录库中有重复的执法证号，请先更正")
    return records


# --- recusal ----------------------------------------------------------------------------------

RECUSAL_KINDS = {
    "recorded": "登记的回避关系",
    "own_business": "本人为该主体的法定代表人或股东",
    "same_address": "本人居住地址与该主体住所相同",
}


def normalise_address(text: str) -> str:
    return re.sub(r"[\s\u3000,，。.()（）\-—]", "", text or "")


def _persons_entities(person_ids: set[int], entity_ids: list[int]) -> dict[int, set[int]]:
    """person id → the given entities where that person is legal representative or shareholder."""
    out: dict[int, set[int]] = {}
    if not person_ids:
        return out
    for chunk in _chunks(entity_ids, 5000):
        for entity_id, person_id in Entity.objects.filter(
            pk__in=chunk, legal_rep_id__in=person_ids
        ).values_list("pk", "legal_rep_id"):
            out.setdefault(person_id, set()).add(entity_id)
        for entity_id, person_id in EntityPerson.objects.filter(
            entity_id__in=chunk,
            person_id__in=person_ids,
            role__in=[EntityPerson.Role.LEGAL_REP, EntityPerson.Role.SHAREHOLDER],
        ).values_list("entity_id", "person_id"):
            out.setdefault(person_id, set()).add(entity_id)
    return out


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def recusal_ties(targets: dict[int, str], inspectors: list[dict]) -> dict[str, dict[str, str]]:
    """USCC → {badge: kind} for every drawn target and inspector tied to it (three kinds)."""
    by_user = {r["id"]: r["badge"] for r in inspectors}
    entity_ids = list(targets)
    ties: dict[str, dict[str, str]] = {}

    def tie(entity_id: int, user_id: int, kind: str) -> None:
        ties.setdefault(targets[entity_id], {}).setdefault(by_user[user_id], kind)

    # 1. recorded relations: with the entity itself, or with a person of the entity
    recorded = Recusal.objects.filter(inspector_id__in=list(by_user))
    person_links: dict[int, set[int]] = {}
    for user_id, entity_id, person_id in recorded.values_list(
        "inspector_id", "entity_id", "person_id"
    ):
        if entity_id is not None and entity_id in targets:
            tie(entity_id, user_id, "recorded")
        if person_id is not None:
            person_links.setdefault(person_id, set()).add(user_id)
    for person_id, entities in _persons_entities(set(person_links), entity_ids).items():
        for entity_id in entities:
            for user_id in person_links[person_id]:
                tie(entity_id, user_id, "recorded")
    # 2. the inspector's own registered business (ID number = a person of the entity)
    profiles = InspectorProfile.objects.filter(user_id__in=list(by_user)).select_related("user")
    id_numbers = {p.user.id_number: p.user_id for p in profiles if p.user.id_number}
    own = dict(Person.objects.filter(id_number__in=list(id_numbers)).values_list("pk", "id_number"))
    for person_id, entities in _persons_entities(set(own), entity_ids).items():
        for entity_id in entities:
            tie(entity_id, id_numbers[own[person_id]], "own_business")
    # 3. the same address
    addresses: dict[str, set[int]] = {}
    for p in profiles:
        key = normalise_address(p.address)
        if key:
            addresses.setdefault(key, set()).add(p.user_id)
    if addresses:
        for chunk in _chunks(entity_ids, 5000):
            for entity_id, address in Entity.objects.filter(pk__in=chunk).values_list(
                "pk", "address"
            ):
                for user_id in addresses.get(normalise_address(address), ()):
                    tie(entity_id, user_id, "same_address")
    return {uscc: dict(sorted(t.items())) for uscc, t in sorted(ties.items())}
