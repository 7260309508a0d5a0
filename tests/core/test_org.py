import json

import pytest
from django.core.management import call_command

from tests.conftest import make_unit
from zhijian.core import services
from zhijian.core.models import OrgUnit

pytestmark = pytest.mark.django_db

SHANGHAI_DISTRICTS = {
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
    "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151",
}  # fmt: skip


def test_shipped_shanghai_tree_loads():
    count = services.load_default_org_tree()
    assert count == OrgUnit.objects.count() == 1 + 16 + 234
    city = OrgUnit.objects.get(code="310000")
    assert city.kind == OrgUnit.Kind.CITY and city.parent is None
    districts = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT)
    assert set(districts.values_list("division__code", flat=True)) == SHANGHAI_DISTRICTS
    for station in OrgUnit.objects.filter(kind=OrgUnit.Kind.STATION):
        assert station.parent.kind == OrgUnit.Kind.DISTRICT
        assert station.path.startswith(station.parent.path)
        streets = list(station.streets.values_list("code", flat=True))
        assert streets and all(code.startswith(station.parent.code) for code in streets)
    # Loading again updates in place, never duplicates.
    assert services.load_default_org_tree() == 251
    assert OrgUnit.objects.count() == 251


def test_home_station_of_a_street_from_the_address_parser():
    from zhijian.dictionaries.address import parse_address

    services.load_default_org_tree()
    parsed = parse_address("上海市松江区叶榭镇叶旺路1号")
    assert (parsed.district_code, parsed.street_name) == ("310117", "叶榭镇")
    station = services.station_for_street(parsed.street_code)
    assert station.name == "松江区市场监督管理局叶榭市场监督管理所"
    assert station.parent.code == "310117"


def test_generated_tree_is_the_shipped_file():
    tree = services.generate_org_tree("310000")
    shipped = json.loads(services.default_org_tree_file("310000").read_text(encoding="utf-8"))
    assert tree == shipped


def test_another_city_can_be_generated_and_loaded(tmp_path):
    """The tree is data: Nanjing's tree comes from the same division data."""
    from zhijian.dictionaries.services import load_dictionaries

    load_dictionaries(jurisdiction="320100")
    out = tmp_path / "org.json"
    call_command("orgs", "generate", "320100", "--out", str(out))
    tree = json.loads(out.read_text(encoding="utf-8"))
    assert tree["name"] == "南京市市场监督管理局"
    assert {d["short_name"] for d in tree["children"]} >= {"玄武区", "鼓楼区", "江宁区"}
    call_command("orgs", "load", str(out))
    assert OrgUnit.objects.filter(
        kind=OrgUnit.Kind.DISTRICT, code__startswith="3201"
    ).count() == len(tree["children"])


def test_paths_follow_moves(org):
    new_district = make_unit("310118", "青浦区市场监督管理局", OrgUnit.Kind.DISTRICT, org["city"])
    huamu = org["huamu"]
    huamu.parent = new_district
    services.save_unit(huamu)
    huamu.refresh_from_db()
    assert huamu.path == "310000/310118/310115016/"
    # Moving a district moves its stations' paths too.
    pudong = org["pudong"]
    pudong.code = "310115X"
    services.save_unit(pudong)
    org["zhangjiang"].refresh_from_db()
    assert org["zhangjiang"].path == "310000/310115X/310115125/"


@pytest.mark.parametrize(
    ("kind", "parent_key", "message"),
    [
        (OrgUnit.Kind.STATION, "city", "上级机构必须是区局"),
        (OrgUnit.Kind.DISTRICT, "pudong", "上级机构必须是市局"),
        (OrgUnit.Kind.STATION, None, "必须有上级机构"),
    ],
)
def test_tree_shape_is_enforced_with_chinese_messages(org, kind, parent_key, message):
    unit = OrgUnit(
        code="X1", name="测试", kind=kind, parent=org[parent_key] if parent_key else None
    )
    with pytest.raises(services.ServiceError, match=message):
        services.save_unit(unit)


def test_a_unit_cannot_move_below_itself(org):
    pudong = org["pudong"]
    pudong.parent = org["zhangjiang"]
    with pytest.raises(services.ServiceError):
        services.save_unit(pudong)


def test_load_rejects_a_bad_file_with_a_clear_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"code": "1", "name": "x"}', encoding="utf-8")
    with pytest.raises(Exception, match="机构数据加载失败"):
        call_command("orgs", "load", str(bad))
