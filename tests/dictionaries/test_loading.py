import gzip
import io
import time
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from zhijian.dictionaries.datafiles import DIVISIONS_FILE, read_divisions
from zhijian.dictionaries.models import CalendarDay, CalendarYear, Division, Industry
from zhijian.dictionaries.services import (
    district_name,
    divisions_in,
    load_dictionaries,
    resolve_division,
)

pytestmark = pytest.mark.django_db

# domain-rules §2 (VERIFIED): the 16 current districts of Shanghai.
SHANGHAI_DISTRICTS = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
    "310112": "闵行区",
    "310113": "宝山区",
    "310114": "嘉定区",
    "310115": "浦东新区",
    "310116": "金山区",
    "310117": "松江区",
    "310118": "青浦区",
    "310120": "奉贤区",
    "310151": "崇明区",
}


def _streets_per_district_in_shipped_file() -> Counter:
    with gzip.open(DIVISIONS_FILE, "rt", encoding="utf-8") as handle:
        return Counter(
            line.split(",")[3].strip()
            for line in handle
            if line.startswith("31") and ",street," in line
        )


def test_shanghai_has_16_current_districts_with_the_gbt2260_codes():
    districts = divisions_in(level=Division.Level.DISTRICT)
    assert dict(districts.values_list("code", "name")) == SHANGHAI_DISTRICTS


def test_ancestors_and_only_the_jurisdiction_are_loaded():
    assert Division.objects.get(code="310000").name == "上海市"
    assert Division.objects.get(code="310100").parent_id == "310000"
    assert not Division.objects.exclude(code__startswith="31").exists()


def test_streets_per_district_equal_the_data():
    expected = _streets_per_district_in_shipped_file()
    loaded = Counter(
        Division.objects.filter(level=Division.Level.STREET).values_list("parent_id", flat=True)
    )
    assert loaded == expected
    assert sum(loaded.values()) == 234
    assert loaded["310115"] == 42  # 浦东新区
    assert loaded["310117"] == 20  # 松江区


def test_every_current_street_hangs_under_a_current_district():
    streets = Division.objects.filter(level=Division.Level.STREET).select_related("parent")
    assert all(s.parent.level == "district" and s.parent.is_current for s in streets)


def test_special_areas_are_marked_by_their_statistics_code():
    special = set(Division.objects.filter(is_special_area=True).values_list("code", flat=True))
    assert {"310117501", "310115503", "310115401", "310114401"} <= special  # 松江工业区, 张江…
    assert all(400 <= int(code[6:]) <= 599 for code in special)
    assert not Division.objects.get(code="310117120").is_special_area  # 叶榭镇


@pytest.mark.parametrize(
    ("historic", "name", "successor", "valid_to"),
    [
        ("310103", "卢湾区", "310101", 2011),
        ("310108", "闸北区", "310106", 2015),
        ("310102", "南市区", "310101", 2000),
        ("310119", "南汇区", "310115", 2009),
        ("310230", "崇明县", "310151", 2016),
    ],
)
def test_historic_districts_keep_validity_and_successor(historic, name, successor, valid_to):
    division = Division.objects.get(code=historic)
    assert (division.name, division.is_current, division.valid_to) == (name, False, valid_to)
    assert resolve_division(historic).code == successor
    assert district_name(historic) == name


def test_historic_chains_resolve_to_a_current_district():
    assert resolve_division("310225").code == "310115"  # 南汇县 -> 南汇区 -> 浦东新区
    assert resolve_division("310101").code == "310101"
    assert resolve_division("999999") is None


def test_divisions_in_excludes_historic_unless_asked():
    current = set(divisions_in(level="district").values_list("code", flat=True))
    everything = set(
        divisions_in(level="district", include_historic=True).values_list("code", flat=True)
    )
    assert "310108" not in current
    assert {"310108", "310103", "310230"} <= everything
    assert set(divisions_in("310100", level="district").values_list("code", flat=True)) == set(
        SHANGHAI_DISTRICTS
    )


def test_loading_is_idempotent():
    before = (Division.objects.count(), Industry.objects.count(), CalendarDay.objects.count())
    assert load_dictionaries() == {
        "divisions": 0,
        "industries": 0,
        "calendar_days": 0,
        "calendar_years": 0,
    }
    assert load_dictionaries(force=True)["divisions"] == 0
    after = (Division.objects.count(), Industry.objects.count(), CalendarDay.objects.count())
    assert before == after


def test_force_restores_shipped_names_but_never_touches_calendar_edits():
    Division.objects.filter(code="310117").update(name="错误的名字")
    day = CalendarDay.objects.get(date=date(2025, 10, 1))
    day.name = "国庆节（管理员修改）"
    day.save()
    CalendarDay.objects.filter(date=date(2025, 10, 2)).delete()

    load_dictionaries()  # normal run: nothing changes, the deleted day stays deleted
    assert Division.objects.get(code="310117").name == "错误的名字"
    assert not CalendarDay.objects.filter(date=date(2025, 10, 2)).exists()

    counts = load_dictionaries(force=True)  # --force: re-seeds missing days only
    assert counts["divisions"] == 1
    assert Division.objects.get(code="310117").name == "松江区"
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节（管理员修改）"
    assert CalendarDay.objects.filter(date=date(2025, 10, 2)).exists()


def test_years_known_to_chinese_calendar_are_complete():
    years = dict(CalendarYear.objects.values_list("year", "complete"))
    assert all(years[year] for year in range(2004, 2027))
    assert CalendarYear.objects.get(year=2025).source == "chinese-calendar 1.11.0"
    assert CalendarDay.objects.get(date=date(2025, 1, 29)).name == "春节"


def test_fresh_load_is_fast():
    for model in (CalendarDay, CalendarYear, Division, Industry):
        model.objects.all()._raw_delete(connection.alias)
    started = time.perf_counter()
    counts = load_dictionaries()
    elapsed = time.perf_counter() - started
    assert counts["divisions"] == len(read_divisions("310000")) == 268
    assert counts["industries"] == 1971
    assert counts["calendar_years"] == 23
    assert elapsed < 2.0


def test_management_command():
    out = io.StringIO()
    call_command("load_dictionaries", "--force", stdout=out)
    assert "divisions: 0" in out.getvalue()


def test_another_jurisdiction_can_be_loaded():
    counts = load_dictionaries(jurisdiction="320100")  # 南京市
    assert counts["divisions"] > 100
    assert Division.objects.get(code="320000").name == "江苏省"
    assert Division.objects.get(code="320106").parent_id == "320100"
    assert not Division.objects.filter(code="320200").exists()  # 无锡市 is not loaded
