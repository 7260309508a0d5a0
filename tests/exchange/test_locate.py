"""``location.locate`` as the importer uses it: parsed once per address head (the text before
its first digit) when the head decides, without the database once warm, and always the
answer of parsing the whole address."""

from __future__ import annotations

import pytest

from tests.exchange.conftest import attach_streets
from zhijian.dictionaries.address import parse_address
from zhijian.registry import location

ADDRESSES = [
    "上海市浦东新区张江镇祖冲之路100号",
    "上海市浦东新区张江镇祖冲之路200号3楼",  # same head
    "上海市浦东新区张江路100号",  # a road named like the street: no street
    "上海市浦东新区100号张江镇",  # the street only after the digits
    "上海市浦东新区祖冲之路100号张江镇",  # street not next to the district
    "浦东新区张江镇1号",
    "张江镇祖冲之路1号",  # district from the street
    "上海市松江区叶榭镇叶旺路1号",
    "上海松江叶榭1号",  # short names
    "上海市闸北区芷江西路街道1号",  # an abolished district
    "上海市浦东新区花木街道锦绣路1号",
    "上海市浦东新区张江 1 号",
    "１号上海市浦东新区张江镇",  # starts with a (full-width) digit
    "上海市1号",
    "上海市浦东新区",
    "",
    "某地 Building 7",
]


@pytest.fixture
def units(org):
    return attach_streets(org)


def whole_text(address: str) -> tuple[str, str, int, str]:
    """What ``locate`` answers when every address is parsed whole."""
    parsed = parse_address(address)
    index = location.unit_index()
    unit = index.by_street.get(parsed.street_code or "") or index.by_district.get(
        parsed.district_code or ""
    )
    return (parsed.district_code or "", parsed.street_code or "", unit or index.root_id, "address")


@pytest.mark.parametrize("address", ADDRESSES)
def test_locate_equals_parsing_the_whole_address(units, address):
    where = location.locate(address)
    if parse_address(address).district_code:
        expected = whole_text(address)
        assert (where.district_code, where.street_code, where.unit_id, where.source) == expected
    else:
        assert where.source != "address"
    assert location.locate(address) == where  # and again, from the cache


def test_heads_decide_for_the_usual_address(units):
    location.locate("上海市松江区叶榭镇叶旺路1号")
    location.locate("上海市松江区叶榭镇叶旺路2号")
    assert list(location._heads) == ["上海市松江区叶榭镇叶旺路"]
    assert location._texts == {}
    assert location.locate("上海市松江区叶榭镇叶旺路3号").unit_id == units["yexie"].pk


def test_without_an_address_the_given_district_then_the_uscc(units):
    given = location.locate("无法解析", "91310115MA1G000000", "310117")
    assert (given.source, given.unit_id) == ("given", units["songjiang"].pk)
    by_uscc = location.locate("无法解析", "91310108MA1G000000")
    assert by_uscc.source == "none"  # 310108 (闸北) has no district unit in this tree
    pudong = location.locate("无法解析", "91310115MA1G000000")
    assert (pudong.source, pudong.unit_id) == ("uscc", units["pudong"].pk)


def test_once_warm_locate_needs_no_database(units, django_assert_num_queries):
    location.warm()
    with django_assert_num_queries(0):
        for address in ADDRESSES:
            location.locate(address, "91310108MA1G000000", "310106")
