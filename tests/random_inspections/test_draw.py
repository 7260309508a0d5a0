"""The draw: reproducible, per-class ratios, recusal, teams of two or more, tasks, verify."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.random_inspections.conftest import make_entity
from zhijian.random_inspections import draw, services
from zhijian.random_inspections.models import Draw, Plan, Recusal
from zhijian.registry.models import EntityPerson, Person

pytestmark = pytest.mark.django_db

RATIOS = {"A": 0.05, "B": 0.2, "C": 0.5, "D": 1.0}


def make_plan(officer, item, org, **kwargs):
    kwargs.setdefault("ratios", RATIOS)
    return services.create_plan(
        user=officer, name="2026年第一批企业公示信息抽查", item=item, unit=org["pudong"], **kwargs
    )


def do_draw(plan, officer, value="12345", **kwargs):
    return services.draw_plan(
        plan, user=officer, public_random=value, public_random_source="体彩排列5第26001期",
        **kwargs,
    )  # fmt: skip


# --- the pure algorithm ------------------------------------------------------------------------


def test_stream_and_floyd_are_fixed_functions_of_the_seed():
    seed = bytes(32)
    assert [draw.Stream(seed, "x").below(10) for _ in range(3)] == [
        draw.Stream(seed, "x").below(10)
    ] * 3
    positions = draw.floyd_sample(draw.Stream(seed, "targets:A"), 100, 10)
    assert len(set(positions)) == 10 and all(0 <= p < 100 for p in positions)
    assert positions == draw.floyd_sample(draw.Stream(seed, "targets:A"), 100, 10)
    assert positions != draw.floyd_sample(draw.Stream(b"\x01" * 32, "targets:A"), 100, 10)
    # Known answer: pins the algorithm (a change of these numbers is a new algorithm version).
    assert draw.Stream(seed, "targets:A").below(1000) == _reference_below(seed, "targets:A", 1000)


def _reference_below(seed, label, m):
    import hashlib

    block = hashlib.sha256(seed + label.encode() + (0).to_bytes(8, "big")).digest()
    return int.from_bytes(block[:8], "big") % m  # the first value is accepted for m = 1000


def test_sample_size_rounds_half_up_exactly():
    assert draw.sample_size(0.05, 10) == 1  # 0.5 → 1
    assert draw.sample_size(0.05, 9) == 0  # 0.45 → 0
    assert draw.sample_size(0.2, 7) == 1  # 1.4 → 1
    assert draw.sample_size(0.5, 5) == 3  # 2.5 → 3 (not banker's rounding)
    assert draw.sample_size(1.0, 4) == 4


def test_teams_respect_recusal_departments_and_load():
    seed = b"s" * 32
    inspectors = [
        {
            "badge": f"B{i}",
            "department": "市场监督管理局" if i < 4 else "消防",
            "unit": "u",
            "id": i,
        }
        for i in range(6)
    ]
    targets = [f"T{i:02d}" for i in range(30)]
    recusals = {"T00": {"B0": "recorded", "B1": "recorded", "B2": "recorded"}}
    teams = draw.assign_inspectors(
        seed, targets, inspectors, 3, ["市场监督管理局", "消防"], recusals
    )
    for team in teams.values():
        assert len(team) == len(set(team)) == 3
        assert {b for b in team if int(b[1:]) < 4} and {b for b in team if int(b[1:]) >= 4}
    assert not {"B0", "B1", "B2"} & set(teams["T00"])
    loads = [sum(b in t for t in teams.values()) for b in (f"B{i}" for i in range(6))]
    assert max(loads) - min(loads) <= 30  # two departments of different sizes
    fire = loads[4:]
    assert abs(fire[0] - fire[1]) <= 1  # balanced within a department
    with pytest.raises(draw.DrawError, match="不得少于 2 名"):
        draw.assign_inspectors(seed, targets, inspectors, 1, [], {})
    with pytest.raises(draw.DrawError, match="没有足够的可选"):
        draw.assign_inspectors(
            seed, ["X"], inspectors[:2], 2, ["市场监督管理局"], {"X": {"B0": "recorded"}}
        )


# --- draws on the database -----------------------------------------------------------------------


def test_draw_ratios_teams_tasks_and_scope(org, item, officer, inspectors, pool):
    from zhijian.supervision.models import Task

    plan = make_plan(officer, item, org)
    record = do_draw(plan, officer)
    counts = record.pool_counts
    assert counts == {"A": [22, 1], "B": [8, 2], "C": [6, 3], "D": [4, 4]}
    for cls, (n, k) in counts.items():
        assert k == draw.sample_size(RATIOS[cls], n)
        assert abs(k - RATIOS[cls] * n) <= 0.5
    assert record.pool_size == 40  # 松江 entities are outside the 浦东 plan
    foreign = {e.uscc for e in pool["foreign"]}
    assert not foreign & {row["uscc"] for row in record.result}
    assert all(len(set(row["inspectors"])) >= 2 for row in record.result)
    tasks = Task.objects.filter(source="random", source_ref=services.task_source_ref(record))
    assert tasks.count() == record.target_count == 10
    for task in tasks.select_related("entity"):
        assert task.unit_id == task.entity.unit_id  # the entity's home station
        assert task.item_id == item.pk and task.due_on is not None
    plan.refresh_from_db()
    assert plan.state == Plan.State.DRAWN
    assert services.verify_draw(record).ok


def test_same_inputs_give_the_same_draw(org, item, officer, inspectors, pool):
    a = do_draw(make_plan(officer, item, org), officer, value="8848")
    plan_b = make_plan(officer, item, org)
    b = do_draw(plan_b, officer, value="8848")
    # Different plans (numbers differ) → different seeds; repeat plan B's inputs exactly:
    seed, outcome = draw.run(
        b.plan_snapshot, draw.parse_pool(b.pool_bytes()), b.pool_hash, b.inspectors, "8848"
    )
    assert outcome.seed == b.seed and [u for u, _ in outcome.targets] == [
        r["uscc"] for r in b.result
    ]
    assert a.pool_hash == b.pool_hash and a.seed != b.seed


# Known answer of the fixed world below: the same on SQLite and PostgreSQL (run the file with
# ZHIJIAN_DATABASE_URL set to a PostgreSQL database to check).
KNOWN_SEED = "34e9379971db430548cb5478f0636ce9b879fd703bbc42ded9da11e1ea065b6b"
KNOWN_RESULT_HASH = "19fe2cabe51b3ac4d399727b2af5fab3cbed37bf04408a99659b075095a13527"


def test_known_answer_on_every_database(org, item, officer, make_user, monkeypatch):
    import datetime as dt

    from zhijian.core import roles
    from zhijian.core.identifiers import uscc_check_char
    from zhijian.registry.models import CreditListing, Entity

    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 3, 2))
    # inserted in descending USCC order, so that row order differs from USCC order
    for i in reversed(range(60)):
        body = f"91310115MA{i:07d}"
        entity = Entity.objects.create(
            uscc=body + uscc_check_char(body), name=f"固定{i}号公司", kind="私营企业",
            status="存续", established_on="2020-01-01", legal_rep_name="某", address=f"固定路{i}号",
            district_code="310115", unit=org["zhangjiang"] if i % 3 else org["huamu"],
        )  # fmt: skip
        if i % 10 == 0:
            CreditListing.objects.create(
                entity=entity, unit=entity.unit, list_type="经营异常名录", reason="未年报",
                listed_on="2025-07-01", authority="区局",
            )  # fmt: skip
    for i in range(5):
        user = make_user(f"fixed{i}", org["zhangjiang"], [roles.STATION_INSPECTOR],
                         badge_number=f"3101150{i:02d}")  # fmt: skip
        services.save_inspector(user, by=None)
    plan = make_plan(officer, item, org, ratios={"A": 0.05, "B": 0.2, "C": 0.5, "D": 1.0})
    assert plan.number == "SJ20260001"
    record = do_draw(plan, officer, value="03 11 19 24 32 + 05 09")
    assert record.pool_counts == {"A": [54, 3], "B": [0, 0], "C": [6, 3], "D": [0, 0]}
    assert (record.seed, record.result_hash) == (KNOWN_SEED, KNOWN_RESULT_HASH)


def test_draw_is_independent_of_database_order(org, item, officer, inspectors, pool):
    """The pool is read in row order and sorted in Python: inserting in another order, on any
    database, gives the same snapshot (and so the same seed and draw)."""
    plan = make_plan(officer, item, org)
    groups = services.directory.pool_groups(plan.unit, plan.pool_filter, plan.item)
    assert all(members == sorted(members) for members in groups.values())
    assert sorted(u for m in groups.values() for u in m) == sorted(e.uscc for e in pool["entities"])
    assert [len(groups[c]) for c in "ABCD"] == [22, 8, 6, 4]


def test_recusal_of_all_three_kinds(org, item, officer, inspectors, pool):
    entities = pool["entities"][:4]  # class D: all drawn with ratio 1.0
    insp0, insp1, insp2, insp3, insp4, _insp5 = inspectors
    # 1. a recorded relation with the entity, and with a person of another entity
    Recusal.objects.create(inspector=insp0, entity=entities[0], reason="亲属任职")
    person = Person.objects.create(id_number="310115199001011234", name="张股东")
    EntityPerson.objects.create(
        entity=entities[1], person=person, role="股东", unit=entities[1].unit
    )
    Recusal.objects.create(inspector=insp1, person=person, reason="同学关系")
    # 2. the inspector's own business: ID number = legal representative of the entity
    own = Person.objects.create(id_number=insp2.id_number, name=insp2.full_name)
    entities[2].legal_rep = own
    entities[2].save()
    # 3. the same address
    insp3.inspector_profile.address = entities[3].address
    insp3.inspector_profile.save()
    plan = make_plan(officer, item, org, ratios={"A": 0, "B": 0.05, "C": 0.21, "D": 1.0},
                     inspectors_per_check=4)  # fmt: skip
    record = do_draw(plan, officer)
    teams = {row["uscc"]: row["inspectors"] for row in record.result}
    assert insp0.badge_number not in teams[entities[0].uscc]
    assert insp1.badge_number not in teams[entities[1].uscc]
    assert insp2.badge_number not in teams[entities[2].uscc]
    assert insp3.badge_number not in teams[entities[3].uscc]
    assert record.recusals[entities[0].uscc][insp0.badge_number] == "recorded"
    assert record.recusals[entities[1].uscc][insp1.badge_number] == "recorded"
    assert record.recusals[entities[2].uscc][insp2.badge_number] == "own_business"
    assert record.recusals[entities[3].uscc][insp3.badge_number] == "same_address"
    assert insp4.badge_number in teams[entities[0].uscc]  # 4 of 5 eligible
    assert services.verify_draw(record).ok


def test_verify_refutes_a_tampered_result_and_pool(org, item, officer, inspectors, pool):
    record = do_draw(make_plan(officer, item, org), officer)
    assert services.verify_draw(record).ok
    table = Draw._meta.db_table
    other = next(e.uscc for e in pool["entities"] if e.uscc not in str(record.result))
    tampered = [dict(row) for row in record.result]
    tampered[0]["uscc"] = other
    import json

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET result = %s WHERE id = %s",  # noqa: S608 - table name from the model
            [json.dumps(tampered, ensure_ascii=False), record.pk],
        )
    record.refresh_from_db()
    outcome = services.verify_draw(record)
    assert not outcome.ok
    assert outcome.first_difference.startswith("第 1 条抽取结果不一致")
    assert other in outcome.first_difference
    # restore the result, tamper the pool snapshot (drop one entity)
    record = do_draw(make_plan(officer, item, org), officer)
    groups = draw.parse_pool(record.pool_bytes())
    groups["A"] = groups["A"][1:]
    smaller = draw.pool_text(groups)  # one entity fewer
    Draw.objects.filter(pk=record.pk).update(pool_snapshot=Draw.pack_pool(smaller))
    record.refresh_from_db()
    outcome = services.verify_draw(record)
    assert not outcome.ok and "对象名录快照的哈希" in outcome.first_difference
    # a consistent rewrite of pool, hash, seed and result is caught by the audit chain
    record = do_draw(make_plan(officer, item, org), officer)
    forged_pool = draw.parse_pool(record.pool_bytes())
    forged_pool["A"] = forged_pool["A"][1:]
    pool_bytes = draw.pool_text(forged_pool)
    pool_h = draw.sha256_hex(pool_bytes)
    seed, out = draw.run(record.plan_snapshot, forged_pool, pool_h, record.inspectors, "12345")
    snap = record.plan_snapshot
    teams = draw.assign_inspectors(
        seed, [u for u, _ in out.targets], record.inspectors, snap["inspectors_per_check"],
        [p["department"] for p in snap["participants"]], record.recusals,
    )  # fmt: skip
    result = draw.result_rows(out.targets, teams)
    Draw.objects.filter(pk=record.pk).update(
        pool_snapshot=Draw.pack_pool(pool_bytes), pool_hash=pool_h, seed=out.seed,
        result=result, result_hash=draw.result_hash(result),
    )  # fmt: skip
    record.refresh_from_db()
    outcome = services.verify_draw(record)
    assert not outcome.ok and "审计日志" in outcome.first_difference


def test_redraw_keeps_the_old_draw(org, item, officer, inspectors, pool):
    from zhijian.supervision.models import Task

    plan = make_plan(officer, item, org)
    first = do_draw(plan, officer)
    with pytest.raises(services.PlanError, match="必须填写原因"):
        do_draw(plan, officer, value="99999")
    second = do_draw(plan, officer, value="99999", reason="原公开随机数期次填写错误")
    first.refresh_from_db()
    assert not first.is_current and second.is_current and second.sequence == 2
    assert services.verify_draw(first).ok and services.verify_draw(second).ok
    old_tasks = Task.objects.filter(source_ref=services.task_source_ref(first))
    assert old_tasks.count() == first.target_count
    assert set(old_tasks.values_list("state", flat=True)) == {Task.State.CANCELLED}
    assert (
        Task.objects.filter(source_ref=services.task_source_ref(second)).count()
        == second.target_count
    )
    from zhijian.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="random_redraw", object_id=str(first.pk)).exists()
    assert AuditRecord.objects.filter(action="random_draw").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inspectors_per_check": 1}, "每户检查人数不得少于 2 人"),
        ({"ratios": {"A": 0.5, "B": 0.1, "C": 0.3, "D": 1}}, "A类抽查比例 0.5 超出允许区间"),
        ({"ratios": {"A": 0.01, "B": 0.1}}, "取值应包含且仅包含"),
        ({"name": " "}, "请填写计划名称"),
        ({"due_days": 0}, "办理时限应为正整数"),
        ({"pool_filter": {"kinds": ["公司"]}}, "未知的主体类型：公司"),
        ({"pool_filter": {"classes": ["E"]}}, "信用风险分类只能是 A、B、C、D"),
        ({"pool_filter": {"districts": ["3101"]}}, "区划代码应为6位数字"),
        (
            {"participants": [{"department": "市场监督管理局", "unit": "310115"},
                              {"department": "消防", "unit": "310115"},
                              {"department": "税务", "unit": "310115"}]},
            "联合抽查有 3 个参加部门",
        ),
        ({"participants": [{"department": "消防", "unit": "999999"}]}, "参加机构不存在"),
    ],
)  # fmt: skip
def test_bad_plans_get_chinese_errors(org, item, officer, kwargs, message):
    kwargs.setdefault("name", "计划")
    name = kwargs.pop("name")
    with pytest.raises(services.PlanError, match=message):
        services.create_plan(user=officer, name=name, item=item, unit=org["pudong"], **kwargs)


def test_bad_draws_get_chinese_errors(org, item, officer, inspectors, pool, make_user):
    plan = make_plan(officer, item, org)
    with pytest.raises(services.PlanError, match="请填写公开随机数"):
        services.draw_plan(plan, user=officer, public_random=" ", public_random_source="x")
    with pytest.raises(services.PlanError, match="请填写公开随机数的来源"):
        services.draw_plan(plan, user=officer, public_random="1", public_random_source="")
    songjiang = make_user("sj", org["songjiang"], [])
    with pytest.raises(services.PlanError, match="不在您的数据范围内"):
        do_draw(plan, songjiang)
    empty = make_plan(officer, item, org, pool_filter={"industries": ["99"]})
    with pytest.raises(services.PlanError, match="检查对象名录库为空"):
        do_draw(empty, officer)
    joint = make_plan(
        officer, item, org,
        participants=[{"department": "市场监督管理局", "unit": "310115"},
                      {"department": "消防救援", "unit": "310115"}],
    )  # fmt: skip
    with pytest.raises(services.PlanError, match="没有“消防救援”的人员"):
        do_draw(joint, officer)


def test_joint_plan_takes_inspectors_from_each_department(org, item, officer, inspectors, pool,
                                                          make_user):  # fmt: skip
    from zhijian.core import roles

    for i in range(2):
        user = make_user(f"fire{i}", org["pudong"], [roles.STATION_INSPECTOR],
                         full_name=f"消防员{i}", badge_number=f"XF00{i}")  # fmt: skip
        services.save_inspector(user, by=officer, department="消防救援")
    plan = make_plan(
        officer, item, org,
        participants=[{"department": "市场监督管理局", "unit": "310115"},
                      {"department": "消防救援", "unit": "310115"}],
    )  # fmt: skip
    assert plan.is_joint
    record = do_draw(plan, officer)
    for row in record.result:
        assert any(b.startswith("XF") for b in row["inspectors"])
        assert any(not b.startswith("XF") for b in row["inspectors"])
    assert services.verify_draw(record).ok


def test_non_intrusive_entities_and_class_filter(org, item, officer, inspectors, pool):
    entities = pool["entities"]
    services.list_non_intrusive(entities[0], reason="低风险主体")  # a class D entity
    plan = make_plan(officer, item, org, pool_filter={"classes": ["D", "C"]})
    record = do_draw(plan, officer)
    assert record.pool_size == 9  # 3 D (one exempted) + 6 C
    assert entities[0].uscc not in {r["uscc"] for r in record.result}
    plan = make_plan(
        officer, item, org, pool_filter={"classes": ["D"], "exclude_non_intrusive": False}
    )
    assert do_draw(plan, officer).pool_size == 4


def test_inspector_directory_needs_a_badge(org, officer, make_user):
    user = make_user("nobadge", org["zhangjiang"], [])
    with pytest.raises(services.PlanError, match="没有执法证号"):
        services.save_inspector(user, by=officer)
    other = make_user("sjx", org["yexie"], [], badge_number="X1")
    with pytest.raises(services.PlanError, match="不在您的数据范围内"):
        services.save_inspector(other, by=officer)


def test_item_applicability_limits_the_pool(org, item, officer, inspectors, pool):
    for _ in range(10):
        make_entity(org["zhangjiang"], industry="6110")
    item.industries = ["61"]
    item.save()
    plan = make_plan(officer, item, org, ratios={"A": 0.05, "B": 0.05, "C": 0.21, "D": 1})
    assert do_draw(plan, officer).pool_size == 10
