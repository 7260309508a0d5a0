import time

import pytest

from zhijian.dictionaries.address import normalize
from zhijian.dictionaries.services import load_dictionaries, parse_address

pytestmark = pytest.mark.django_db


def _codes(text: str, jurisdiction: str | None = None) -> tuple[str | None, str | None]:
    parsed = parse_address(text, jurisdiction)
    return parsed.district_code, parsed.street_code


def test_issue_example():
    parsed = parse_address("上海市松江区叶榭镇叶旺路1号")
    assert parsed.district_code == "310117"
    assert parsed.district_name == "松江区"
    assert parsed.street_code == "310117120"
    assert parsed.street_name == "叶榭镇"
    assert parsed.matched_text == "上海市松江区叶榭镇"
    assert parsed.confidence == 1.0
    assert parsed.notes == ()
    assert parsed.found


@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("上海市浦东新区张江镇祖冲之路887弄", "310115", "310115125"),
        ("上海浦东张江镇", "310115", "310115125"),
        ("上海市浦东新区张江高科技园区碧波路690号", "310115", "310115503"),
        ("上海市黄浦区南京东路街道", "310101", "310101002"),
        ("上海市闵行区莘庄镇莘建路1号", "310112", "310112101"),
        ("上海市闵行区莘庄工业区春东路", "310112", "310112501"),
        ("上海市嘉定区嘉定镇街道博乐路", "310114", "310114004"),
        ("上海市普陀区真如镇街道", "310107", "310107022"),
        ("上海市崇明区堡镇", "310151", "310151102"),
        ("上海市奉贤区南桥镇", "310120", "310120101"),
        ("上海市长宁区虹桥街道", "310105", "310105009"),
        ("上海市闵行区虹桥镇", "310112", "310112107"),
        ("上海市浦东新区中国（上海）自由贸易试验区（保税片区）", "310115", "310115501"),
        ("上海市松江区松江工业区荣乐东路", "310117", "310117501"),
        ("中国上海市市辖区松江区叶榭镇", "310117", "310117120"),
        ("上海市松江区 叶榭镇", "310117", "310117120"),
    ],
)
def test_full_names(text, district, street):
    assert _codes(text) == (district, street)


@pytest.mark.parametrize(
    ("text", "district", "street", "note"),
    [
        ("上海松江叶榭镇", "310117", "310117120", "short_district_name"),
        ("上海市闵行区七宝老街", "310112", "310112102", "short_street_name"),
        ("上海市松江区叶榭工业园", "310117", "310117120", "short_street_name"),
        ("松江区泗泾镇", "310117", "310117102", None),
    ],
)
def test_names_without_suffix(text, district, street, note):
    parsed = parse_address(text)
    assert (parsed.district_code, parsed.street_code) == (district, street)
    if note:
        assert note in parsed.notes
        assert parsed.confidence < 1.0


@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("上海市浦东新区张江路100号", "310115", None),  # a road, not 张江镇
        ("上海市黄浦区南京东路100号", "310101", None),  # a road, not 南京东路街道
        ("上海市长宁区虹桥路1号", "310105", None),
        ("上海市虹口区黄浦路99号", "310109", None),  # 黄浦路 is in 虹口区
        ("上海市徐汇区", "310104", None),
    ],
)
def test_roads_named_after_divisions_are_not_divisions(text, district, street):
    parsed = parse_address(text)
    assert (parsed.district_code, parsed.street_code) == (district, street)
    if street is None:
        assert "street_not_found" in parsed.notes


def test_road_named_after_a_district_gives_no_district():
    assert _codes("上海市黄浦路99号") == (None, None)
    assert _codes("上海市闵行路88号") == (None, None)


@pytest.mark.parametrize(
    ("text", "district", "street", "historic"),
    [
        ("上海市闸北区芷江西路街道共和新路", "310106", "310106022", "310108"),
        ("上海闸北彭浦镇", "310106", "310106101", "310108"),
        ("上海市卢湾区打浦桥街道", "310101", "310101021", "310103"),
        ("上海市南市区豫园街道", "310101", "310101018", "310102"),
        ("上海市南汇区惠南镇", "310115", "310115131", "310119"),
        ("上海市南汇县周浦镇", "310115", "310115132", "310225"),
        ("上海市崇明县城桥镇", "310151", "310151101", "310230"),
        ("上海市川沙县", "310115", None, "310224"),
    ],
)
def test_historic_district_names_map_to_successors(text, district, street, historic):
    parsed = parse_address(text)
    assert (parsed.district_code, parsed.street_code) == (district, street)
    assert f"historic_district:{historic}->{district}" in parsed.notes


def test_historic_name_shown_as_the_current_district():
    parsed = parse_address("上海市闸北区天目西路街道")
    assert parsed.district_name == "静安区"


@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("上海市叶榭镇叶旺路1号", "310117", "310117120"),
        ("叶榭镇", "310117", "310117120"),
        ("上海市金山卫镇卫零路", "310116", "310116109"),  # not 金山区 + "卫镇"
        ("上海市川沙新镇", "310115", "310115103"),  # not historic 川沙县
        ("上海市松江工业区荣乐东路", "310117", "310117501"),  # not 松江 + "工业区"
        ("上海市嘉定镇街道", "310114", "310114004"),
        ("上海市虹桥镇", "310112", "310112107"),
    ],
)
def test_street_without_district(text, district, street):
    parsed = parse_address(text)
    assert (parsed.district_code, parsed.street_code) == (district, street)
    assert parsed.confidence < 1.0


def test_street_name_shared_by_two_districts_is_not_guessed():
    parsed = parse_address("上海市虹桥")  # 虹桥街道 (长宁) or 虹桥镇 (闵行)
    assert (parsed.district_code, parsed.street_code) == (None, None)
    assert "ambiguous_street" in parsed.notes


def test_streets_of_another_district_are_never_used():
    # 张江镇 is in 浦东新区: with 松江区 given, the street stays unknown.
    assert _codes("上海市松江区张江镇") == ("310117", None)
    assert _codes("上海市松江区叶旺路1号（张江镇）") == ("310117", None)


def test_street_further_in_the_text():
    parsed = parse_address("上海市松江区叶旺路1号（叶榭镇）")
    assert (parsed.district_code, parsed.street_code) == ("310117", "310117120")
    assert "street_not_adjacent" in parsed.notes
    assert parsed.matched_text == "上海市松江区叶旺路1号(叶榭镇"


@pytest.mark.parametrize(
    "text",
    [
        "上海市松江区叶榭镇叶旺路１号",
        "上海市　松江区　叶榭镇叶旺路1号",
        "  上海市松江区叶榭镇叶旺路1号\n",
        "地址：上海市松江区叶榭镇叶旺路1号",
    ],
)
def test_full_width_and_spaces(text):
    assert _codes(text) == ("310117", "310117120")


def test_normalize():
    assert normalize("上海市　松江区 叶榭镇（１号）") == "上海市松江区叶榭镇(1号)"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "北京市朝阳区建国路88号",
        "江苏省南京市鼓楼区宁海路街道",
        "随便写的文字",
        "123",
        None,
    ],
)
def test_unknown_addresses(text):
    parsed = parse_address(text)
    assert (parsed.district_code, parsed.street_code) == (None, None)
    assert parsed.confidence == 0.0
    assert not parsed.found


def test_other_jurisdiction():
    load_dictionaries(jurisdiction="320000")  # 江苏省: 鼓楼区 exists in 南京 and 徐州
    assert _codes("江苏省南京市鼓楼区宁海路街道", "320000") == ("320106", "320106001")
    assert _codes("南京鼓楼区宁海路街道", "320000") == ("320106", "320106001")
    assert _codes("江苏省徐州市鼓楼区", "320000") == ("320302", None)
    parsed = parse_address("江苏省鼓楼区中山北路", "320000")
    assert parsed.district_code is None
    assert "ambiguous_district" in parsed.notes
    load_dictionaries(jurisdiction="320100")
    assert _codes("江苏省南京市鼓楼区宁海路街道", "320100") == ("320106", "320106001")


def test_batch_speed():
    addresses = [
        "上海市松江区叶榭镇叶旺路1号",
        "上海市浦东新区张江路100号",
        "上海闸北彭浦镇共和新路3000号",
        "上海市叶榭镇叶旺路1号",
        "北京市朝阳区建国路88号",
    ] * 4000
    parse_address(addresses[0])  # build the index
    started = time.perf_counter()
    for text in addresses:
        parse_address(text)
    elapsed = time.perf_counter() - started
    assert len(addresses) / elapsed > 20_000, f"{len(addresses) / elapsed:.0f} addresses/s"
