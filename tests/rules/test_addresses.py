"""The address normaliser of 一地多照 (zhijian/rules/addresses.py): every variant of the policy,
and the cases that must stay apart."""

from __future__ import annotations

import pytest

from zhijian.rules import addresses
from zhijian.rules.addresses import chinese_number, key, normalise, split

SAME_AS_ZHANGJIANG_100 = [
    "上海市浦东新区张江路100号",
    "浦东新区张江路100号",
    "上海浦东新区张江路100号",
    "上海市浦东新区张江路１００号",  # full-width digits
    "上海市浦东新区张江路100號",  # 號
    "上海市浦东新区张江路100#",  # "#" for 号
    "上海市 浦东新区 张江路 100 号",  # whitespace
    "上海市　浦东新区　张江路１００号",  # ideographic spaces
    "上海市浦东新区张江路100号（近科苑路）",  # a bracketed note
    "上海市浦东新区张江路100号3楼",  # floor
    "上海市浦东新区张江路100号5层",
    "上海市浦东新区张江路100号12F",
    "上海市浦东新区张江路100号12f",
    "上海市浦东新区张江路100号B1层",
    "上海市浦东新区张江路100号-2层201房",
    "上海市浦东新区张江路100号301室",  # room
    "上海市浦东新区张江路100号3楼301室",
    "上海市浦东新区张江路100号2单元301室",
    "上海市浦东新区张江路100号302部位368室",
    "上海市浦东新区张江路100号XX大厦1808室",  # a building name after the number
    "上海市浦东新区张江镇张江路100号",  # town prefix
    "中国（上海）自由贸易试验区张江路100号801室",  # zone designator, no district
    "中国(上海)自由贸易试验区临港新片区张江路100号",
    "上海市浦东新区中国（上海）自由贸易试验区张江路100号",
    "上海浦东张江路100号",  # short district name
    "上海市浦东新区张江路一〇〇号",  # Chinese numerals
    "上海市浦东新区张江路一百号",
    "上海市浦东新区浦东新区张江路100号",  # repeated prefix
    "张江路100号",  # no prefix at all
    "上海市南汇区张江路100号",  # historic district → 浦东新区
    "上海市川沙县张江路100号",
    "张江路100",  # 号 missing at the end
]


@pytest.mark.parametrize("address", SAME_AS_ZHANGJIANG_100)
def test_variants_of_one_building_have_one_key(address):
    assert normalise(address) == "张江路100号"
    assert key(address, "310115") == "浦东新区张江路100号"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("上海市浦东新区张江路100号1幢", "张江路100号1幢"),
        ("上海市浦东新区张江路100号1栋", "张江路100号1幢"),
        ("上海市浦东新区张江路100号1座", "张江路100号1幢"),
        ("上海市浦东新区张江路100号1号楼", "张江路100号1幢"),
        ("上海市浦东新区张江路100号1号楼3层301室", "张江路100号1幢"),
        ("上海市浦东新区张江路100号第1幢2层", "张江路100号1幢"),
        ("上海市浦东新区张江路100号1#楼", "张江路100号1幢"),
        ("上海市浦东新区张江路100号一号楼", "张江路100号1幢"),
        ("上海市浦东新区张江路100号A座1208室", "张江路100号A幢"),
        ("上海市浦东新区张江路100号a栋", "张江路100号A幢"),
        ("上海市浦东新区张江路100号A楼", "张江路100号A幢"),
        ("上海市浦东新区张江路100号3号厂房", "张江路100号3幢"),
        ("上海市浦东新区张江路100号1-2幢", "张江路100号1-2幢"),
        ("上海市浦东新区张江路100号楼", "张江路100幢"),
        ("上海市浦东新区张江路5幢301室", "张江路5幢"),
        ("上海市静安区南京西路1266号恒隆广场1座5楼", "南京西路1266号"),  # not next to 号
    ],
)
def test_a_building_right_after_the_house_number_is_kept_in_one_spelling(address, expected):
    assert normalise(address) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("上海市黄浦区某某路100弄5号", "某某路100弄5号"),
        ("上海市黄浦区某某路100弄5号501室", "某某路100弄5号"),
        ("上海市黄浦区某某路100弄5号楼1201室", "某某路100弄5号"),  # 5号楼 in a lane is 5号
        ("上海市黄浦区某某路100衖5号", "某某路100弄5号"),
        ("上海市黄浦区某某路100弄五号", "某某路100弄5号"),
        ("上海市黄浦区某某路一百弄五号", "某某路100弄5号"),
        ("上海市黄浦区某某路100弄5幢501室", "某某路100弄5幢"),
        ("上海市黄浦区某某路100弄", "某某路100弄"),
        ("上海市黄浦区某某路100弄3楼", "某某路100弄"),
    ],
)
def test_lanes(address, expected):
    assert normalise(address) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路1000号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路10号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路101号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江东路100号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路100-1号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路100甲号"),
        ("上海市浦东新区张江路100号", "上海市浦东新区张江路100弄"),
        ("上海市浦东新区张江路100弄5号", "上海市浦东新区张江路100弄6号"),
        ("上海市浦东新区张江路100弄5号", "上海市浦东新区张江路100弄15号"),
        ("上海市浦东新区张江路100弄5号", "上海市浦东新区张江路100号"),
        ("上海市浦东新区张江路100弄5号", "上海市浦东新区张江路100弄5幢"),
        ("上海市浦东新区张江路100号1幢", "上海市浦东新区张江路100号2幢"),
        ("上海市浦东新区张江路100号1幢", "上海市浦东新区张江路100号"),  # kept apart on purpose
        ("上海市浦东新区张江路100号A座", "上海市浦东新区张江路100号B座"),
        ("上海市浦东新区张江路100、102号", "上海市浦东新区张江路100102号"),
        ("上海市浦东新区张江路100号", "上海市松江区张江路100号"),  # two districts
        ("上海市黄浦区人民路1号", "上海市崇明区城桥镇人民路1号"),
        ("上海市浦东新区张江镇某某村3组5号", "上海市浦东新区唐镇某某村3组5号"),  # villages
        ("上海市浦东新区张江镇某某村3组5号", "上海市浦东新区某某村3组5号"),
    ],
)
def test_different_addresses_stay_apart(a, b):
    assert key(a, "310115") != key(b, "310115")


def test_the_district_comes_from_the_address_else_from_the_entity():
    assert key("上海市松江区叶榭镇叶旺路1号", "310115") == "松江区叶旺路1号"
    assert key("叶旺路1号", "310117") == "松江区叶旺路1号"
    assert key("叶旺路1号", "310115") == "浦东新区叶旺路1号"
    assert key("叶旺路1号", "310119") == "浦东新区叶旺路1号"  # historic 南汇区
    assert key("叶旺路1号", "") == "叶旺路1号"  # unknown district: kept apart from both
    assert key("叶旺路1号", "999999") == "[999999]叶旺路1号"


@pytest.mark.parametrize(
    ("address", "district", "rest"),
    [
        ("上海市闸北区共和新路100号", "310106", "共和新路100号"),
        ("上海市卢湾区淮海中路1号", "310101", "淮海中路1号"),
        ("上海市崇明县城桥镇人民路1号", "310151", "人民路1号"),
        ("上海市南汇区惠南镇人民东路100号", "310115", "人民东路100号"),
        ("上海市金山卫镇卫清路100号", "310116", "卫清路100号"),  # town names the district
        ("上海市嘉定镇街道城中路1号", "310114", "城中路1号"),
        ("上海市徐汇区徐家汇街道某某路1号", "310104", "某某路1号"),
        ("上海松江叶榭镇叶旺路1号", "310117", "叶旺路1号"),
    ],
)
def test_historic_districts_and_towns(address, district, rest):
    assert split(address) == (district, rest)


@pytest.mark.parametrize(
    ("address", "district", "rest"),
    [
        ("上海市浦东南路100号", None, "浦东南路100号"),  # a road, not 浦东 + 南路
        ("上海市浦东大道100号", None, "浦东大道100号"),
        ("上海市黄浦路100号", None, "黄浦路100号"),  # in 虹口区
        ("上海市宝山路100号", None, "宝山路100号"),
        ("上海市宝山区宝山路100号", "310113", "宝山路100号"),
        ("上海市浦东新区唐镇路100号", "310115", "唐镇路100号"),  # a road, not 唐镇
        ("上海市浦东新区唐镇创新路100号", "310115", "创新路100号"),
        ("上海市浦东新区张江镇某某村3组5号", "310115", "张江镇某某村3组5号"),  # a village
        ("上海市浦东新区叶榭镇叶旺路1号", "310115", "叶榭镇叶旺路1号"),  # another district's
        ("上海市浦东新区三号桥路100号", "310115", "三号桥路100号"),  # not house number 3
        ("上海市浦东新区张江路1号线", "310115", "张江路1号线"),
        ("上海市浦东新区某某路2号路口", "310115", "某某路2号路口"),
        ("上海市浦东新区四川北路100号", "310115", "四川北路100号"),
    ],
)
def test_names_that_only_look_like_prefixes_or_numbers_are_kept(address, district, rest):
    assert split(address) == (district, rest)


@pytest.mark.parametrize(
    ("address", "rest"),
    [
        ("上海市浦东新区某某村三组五号", "某某村3组5号"),
        ("上海市浦东新区某某路一〇八号", "某某路108号"),
        ("上海市浦东新区某某路一零八号", "某某路108号"),
        ("上海市浦东新区某某路一百零八号", "某某路108号"),
        ("上海市浦东新区某某路十二号", "某某路12号"),
        ("上海市浦东新区某某路二十号", "某某路20号"),
        ("上海市浦东新区某某路一百八号", "某某路一百八号"),  # 108 or 180: left alone
    ],
)
def test_chinese_numerals_in_house_numbers(address, rest):
    assert normalise(address) == rest


@pytest.mark.parametrize(
    ("text", "value"),
    [("一〇八", 108), ("一零八", 108), ("一百零八", 108), ("十", 10), ("十二", 12),
     ("二十", 20), ("一百一十", 110), ("一千零五十", 1050), ("三千二百", 3200), ("〇", 0),
     ("一百八", None), ("百", None), ("零一", None), ("一十百", None), ("二二十", None),
     ("一百零", None)],
)  # fmt: skip
def test_chinese_number(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("address", ["", "无", "不详", "暂无", "上海市", "上海市浦东新区", None])
def test_no_address_gives_no_key(address):
    assert key(address, "310115") == ""


def test_normalising_is_deterministic_and_idempotent():
    for address in SAME_AS_ZHANGJIANG_100:
        once = normalise(address)
        assert normalise(once) == once
        assert normalise(address) == once
    assert addresses.VERSION >= 1
