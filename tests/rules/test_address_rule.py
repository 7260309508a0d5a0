"""The 一地多照 implementation (zhijian/rules/address_rules.py): evidence, tasks, the
evidence cap, paging, hash collisions, the dated threshold."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from zhijian.dictionaries import parameters
from zhijian.rules import address_rules, engine
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import RuleVersion, Warning
from zhijian.supervision.models import Task

pytestmark = pytest.mark.django_db

RULE_ID = "one_address_many_entities"
AS_OF = dt.date(2026, 6, 30)
_serial = itertools.count(1)


def _entities(unit, n, address, *, status="存续", district="310115"):
    from zhijian.registry.models import Entity

    out = []
    for _ in range(n):
        i = next(_serial)
        out.append(
            Entity.objects.create(
                uscc=f"91310115MA1ADDR{i:03d}",
                name=f"一地多照测试{i}号有限公司",
                kind="私营企业",
                status=status,
                established_on=dt.date(2020, 1, 1),
                legal_rep_name="某某",
                address=address.format(i=i),
                district_code=district,
                registration_authority="浦东新区市场监督管理局",
                phone="13800000000",
                unit=unit,
            )  # fmt: skip
        )
    return out


def test_a_run_warns_every_entity_of_the_address_with_evidence_and_tasks(org):
    zhangjiang = _entities(org["zhangjiang"], 6, "上海市浦东新区测试照路8号{i}室")
    huamu = _entities(org["huamu"], 4, "浦东新区测试照路８号{i}楼")
    _entities(org["huamu"], 3, "上海市浦东新区测试照路8号", status="注销")
    _entities(org["huamu"], 9, "上海市浦东新区测试照路9号")
    rule = all_rules()[RULE_ID]
    run = engine.run_rule(rule, AS_OF)
    assert run.raised == 10 and run.candidates == 10
    warnings = Warning.objects.filter(run=run)
    assert {w.entity_id for w in warnings} == {e.pk for e in zhangjiang + huamu}
    assert {w.key for w in warnings} == {"address:浦东新区测试照路8号"}
    warning = warnings.get(entity=huamu[0])
    assert warning.evidence_total == 10 and len(warning.evidence) == 10
    assert [e["uscc"] for e in warning.evidence] == sorted(e.uscc for e in zhangjiang + huamu)
    first = warning.evidence[0]
    assert set(first) == {"uscc", "name", "address", "registration_authority", "status",
                          "live_entities"}  # fmt: skip
    assert first["address"] == zhangjiang[0].address  # as registered
    assert first["status"] == "存续" and first["live_entities"] == 10
    assert "13800000000" not in str(warning.evidence)  # no phone numbers
    assert warning.parameters["min_entities"]["value"] == 10
    task = warning.task
    assert task.source == Task.Source.WARNING and task.unit == org["huamu"]
    assert "一地多照" in task.title and "浦东新区测试照路8号" in task.description
    assert Warning.objects.get(entity=zhangjiang[0]).unit == org["zhangjiang"]
    version = RuleVersion.objects.get(rule_id=RULE_ID, version=rule.version)
    assert version.python == "zhijian.rules.address_rules:one_address_many_entities"


def test_a_large_group_yields_at_most_evidence_members_rows_per_entity(org, monkeypatch):
    monkeypatch.setattr(address_rules, "EVIDENCE_MEMBERS", 3)
    entities = _entities(org["zhangjiang"], 5, "上海市浦东新区测试照路10号")
    rows = list(address_rules.one_address_many_entities(None, AS_OF, {"min_entities": 5}))
    assert len(rows) == 5 * 3
    assert {r["entity_id"] for r in rows} == {e.pk for e in entities}
    assert all(r["live_entities"] == 5 for r in rows)


def test_paging_and_buckets_do_not_change_the_groups(org, monkeypatch):
    _entities(org["zhangjiang"], 4, "上海市浦东新区测试照路11号")
    _entities(org["zhangjiang"], 3, "上海市浦东新区测试照路12号", status="吊销")
    _entities(org["zhangjiang"], 4, "上海市浦东新区测试照路11号{i}室")
    expected = address_rules.address_groups(8)
    monkeypatch.setattr(address_rules, "PAGE", 3)
    monkeypatch.setattr(address_rules, "BUCKETS", 2)
    monkeypatch.setattr(address_rules, "IN_BATCH", 2)
    assert address_rules.address_groups(8) == expected
    ((key, members),) = expected
    assert key == "浦东新区测试照路11号" and len(members) == 8


def test_a_hash_collision_never_merges_two_addresses(org, monkeypatch):
    _entities(org["zhangjiang"], 5, "上海市浦东新区测试照路13号")
    _entities(org["zhangjiang"], 5, "上海市浦东新区测试照路14号")
    monkeypatch.setattr(address_rules, "hash", lambda _key: 42, raising=False)
    assert len(address_rules._candidate_ids(10)) == 10  # both addresses share one hash
    assert address_rules.address_groups(10) == []
    assert [len(m) for _k, m in address_rules.address_groups(5)] == [5, 5]


def test_the_dated_threshold_applies_from_its_day(org):
    _entities(org["zhangjiang"], 4, "上海市浦东新区测试照路15号")
    rule = all_rules()[RULE_ID]
    parameters.set_value(f"rules.{RULE_ID}.min_entities", 4, dt.date(2026, 7, 1), source="本局决定")
    assert engine.run_rule(rule, AS_OF).raised == 0
    run = engine.run_rule(rule, dt.date(2026, 7, 1))
    assert run.raised == 4 and run.parameters["min_entities"]["source"] == "本局决定"


def test_entities_without_a_usable_address_are_ignored(org):
    _entities(org["zhangjiang"], 10, "无")
    _entities(org["zhangjiang"], 10, "上海市浦东新区")
    assert engine.run_rule(all_rules()[RULE_ID], AS_OF).raised == 0


@pytest.mark.django_db
def test_approved_central_registration_addresses_are_left_out(org):
    from tests.scope_world import _entity

    for i in range(10):
        entity = _entity(org["zhangjiang"], f"集中登记{i}")
        entity.address = f"上海市浦东新区园区路1号{i + 1}室"
        entity.district_code = "310115"
        entity.save()
    rule = all_rules()["one_address_many_entities"]
    assert engine.run_rule(rule, dt.date(2026, 6, 30)).raised == 10
    parameters.set_value(
        "rules.one_address_many_entities.excluded_addresses", ["浦东新区园区路1号"],
        dt.date(2026, 7, 1), source="区局批准的集中登记地",
    )  # fmt: skip
    Warning.objects.all().delete()
    run = engine.run_rule(rule, dt.date(2026, 7, 1))
    assert run.raised == 0
    assert run.parameters["excluded_addresses"]["value"] == ["浦东新区园区路1号"]
    with pytest.raises(parameters.InvalidParameter, match="文本列表"):
        parameters.set_value("rules.one_address_many_entities.excluded_addresses", "园区路1号",
                             dt.date(2026, 8, 1), source="x")  # fmt: skip
