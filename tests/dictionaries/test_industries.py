from collections import Counter

import pytest

from zhijian.dictionaries.models import Industry
from zhijian.dictionaries.services import get_industry, industry_codes, industry_name, industry_path

pytestmark = pytest.mark.django_db


def test_counts_of_gbt_4754_2017():
    """20 sections and 97 divisions as stated by the standard; 473 groups and 1381 classes
    as in three independent public copies of the table (see scripts/derive_dictionaries.py:
    some secondary pages state 1382 classes, no table with 1382 could be found)."""
    counts = Counter(Industry.objects.values_list("level", flat=True))
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}


def test_every_node_has_the_parent_its_code_implies():
    for item in Industry.objects.exclude(level="section"):
        if item.level == "division":
            assert item.parent.level == "section"
        else:
            assert item.parent_id == item.code[:-1]


def test_every_non_class_node_has_children():
    parents = set(Industry.objects.values_list("parent_id", flat=True))
    childless = Industry.objects.exclude(level="class").exclude(code__in=parents)
    assert not childless.exists()


def test_industry_path():
    assert [item.code for item in industry_path("0111")] == ["A", "01", "011", "0111"]
    assert [item.name for item in industry_path("0111")] == [
        "农、林、牧、渔业",
        "农业",
        "谷物种植",
        "稻谷种植",
    ]
    assert [item.code for item in industry_path("5292")] == ["F", "52", "529", "5292"]
    assert [item.code for item in industry_path("c")] == ["C"]
    assert industry_path("9999") == []
    assert industry_path("") == []


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("3032", "建筑用石加工"),  # the source kept the 2011 numbering of group 303
        ("3033", "防水建筑材料制造"),
        ("3034", "隔热和隔音材料制造"),
        ("3071", "建筑陶瓷制品制造"),
        ("9299", "其他未列明国家机构"),  # the source had 9292
        ("970", "国际组织"),  # missing group in the source
        ("0179", "其他中药材种植"),  # duplicated with an empty name in the source
        ("2832", "生物基、淀粉基新材料制造"),  # Amendment No. 1 rows
        ("2780", "药用辅料及包装材料"),
    ],
)
def test_corrected_codes(code, name):
    assert industry_name(code) == name


def test_wrong_codes_are_gone():
    assert get_industry("9292") is None
    assert get_industry("3035") is None
    assert Industry.objects.get(code="9700").parent_id == "970"
    assert Industry.objects.get(code="3611").parent_id == "361"
    assert Industry.objects.get(code="3611").level == "class"


def test_bulk_lookup_and_descriptions():
    found = industry_codes(["0111", "5292", "nope"])
    assert set(found) == {"0111", "5292"}
    assert "稻谷" in get_industry("011").description
    assert "稻 谷" not in get_industry("011").description
