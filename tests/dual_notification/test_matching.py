"""The matching rule (zhijian/dual_notification/matching.py): sections, exclusions, keyword
cover and priority, industry prefixes, one notification per department, the seeded mapping."""

from __future__ import annotations

import pytest

from zhijian.dual_notification import matching, services
from zhijian.dual_notification.models import ScopeRule

STANDARD = (
    "许可项目：道路货物运输（不含危险货物）；食品销售。（依法须经批准的项目，经相关部门批准后方可"
    "开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）一般项目：医疗服务咨询；日用百货销售。"
    "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
)


def fake(pk, department_id, keywords="", prefixes="", priority=100, section="licensed"):
    return ScopeRule(
        pk=pk, department_id=department_id, keywords=keywords, industry_prefixes=prefixes,
        priority=priority, section=section, licence=f"L{pk}",
    )  # fmt: skip


def test_parse_scope_sections_and_notes():
    items = matching.parse_scope(STANDARD)
    assert [(i.section, i.text) for i in items] == [
        ("licensed", "道路货物运输"),
        ("licensed", "食品销售"),
        ("general", "医疗服务咨询"),
        ("general", "日用百货销售"),
    ]


def test_unstructured_scope_is_one_section_and_ascii_brackets_are_normalised():
    items = matching.parse_scope(
        "餐饮服务;食品销售 (不含冷藏冷冻食品), 互联网销售(除销售需要许可的商品)"
    )
    assert [(i.section, i.text) for i in items] == [
        ("unstructured", "餐饮服务"),
        ("unstructured", "食品销售"),
        ("unstructured", "互联网销售"),
    ]


def test_exclusion_in_brackets_does_not_match():
    rules = [fake(1, 10, "危险货物、危险化学品"), fake(2, 20, "道路货物运输")]
    found = matching.match_scope(STANDARD, "", rules)
    assert [m.rule.pk for m in found] == [2]


def test_licensed_rule_ignores_general_items_but_any_rule_sees_them():
    licensed = fake(1, 10, "医疗服务")
    anywhere = fake(2, 20, "医疗服务", section="any")
    found = matching.match_scope(STANDARD, "", [licensed, anywhere])
    assert [m.rule.pk for m in found] == [2]
    assert found[0].keywords == ["医疗服务"]


def test_longer_keyword_of_higher_priority_covers_a_shorter_one():
    devices = fake(1, 10, "医疗器械经营", priority=300)
    health = fake(2, 20, "医疗", priority=100)
    assert [
        m.rule.pk for m in matching.match_scope("第三类医疗器械经营", "", [devices, health])
    ] == [1]
    # Elsewhere in the text the shorter keyword still matches.
    found = matching.match_scope("第三类医疗器械经营；医疗服务", "", [devices, health])
    assert sorted(m.rule.pk for m in found) == [1, 2]
    # The order is the priority, not the list order: reversed priorities, the short one wins
    # first and the longer one still matches its own characters.
    devices.priority, health.priority = 100, 300
    found = matching.match_scope("第三类医疗器械经营", "", [devices, health])
    assert [m.rule.pk for m in found] == [2, 1]


def test_same_phrase_for_two_departments_notifies_both():
    found = matching.match_scope(
        "住宿服务；酒店管理", "", [fake(1, 10, "住宿服务"), fake(2, 20, "住宿服务")]
    )
    assert sorted(m.rule.department_id for m in found) == [10, 20]


def test_industry_prefix_matches_when_no_keyword_does():
    rule = fake(1, 10, "旅游业务", "7291")
    [match] = matching.match_scope("企业管理咨询", "7291", [rule])
    assert match.reason == "行业代码 7291"
    assert matching.match_scope("企业管理咨询", "7292", [rule]) == []
    assert matching.match_scope("企业管理咨询", "", [rule]) == []


def test_one_match_per_department_highest_priority_first():
    low = fake(1, 10, "食品销售", priority=100)
    high = fake(2, 10, "餐饮服务", priority=200)
    [match] = matching.match_scope("餐饮服务；食品销售", "", [low, high])
    assert match.rule.pk == 2


def test_nothing_matches_an_empty_or_general_scope():
    assert matching.match_scope("", "", [fake(1, 10, "食品")]) == []
    assert matching.match_scope("一般项目：软件开发", "", [fake(1, 10, "软件开发")]) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "industry", "expected"),
    [
        ("餐饮服务；食品销售", "6210", {"SCJG"}),
        ("药品零售；医疗器械经营", "5251", {"YJ"}),
        ("住宿服务；酒店管理", "6121", {"WJW", "GAJ"}),
        ("机动车修理和维护；汽车零配件零售", "8111", {"JTW"}),
        ("许可项目：道路货物运输（不含危险货物）。一般项目：国内货物运输代理", "5431", {"JTW"}),
        ("教育咨询服务（不含涉许可审批的教育培训活动）", "8399", set()),
        ("软件开发；信息技术咨询服务", "6513", set()),
        (
            "许可项目：危险化学品经营；出版物零售；旅游业务；烟草制品零售",
            "",
            {"YJGL", "XWCB", "WLJ", "YCZM"},
        ),
        ("许可项目：职业中介活动；劳务派遣服务", "", {"RSJ"}),
        ("许可项目：医疗服务。一般项目：第二类医疗器械销售", "", {"WJW"}),
    ],
)
def test_default_shanghai_mapping(scope, industry, expected):
    found = matching.match_scope(scope, industry, services.rules_in_force())
    assert {m.rule.department.code for m in found} == expected
