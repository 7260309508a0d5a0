"""Entity search: fragments of 2, 3 and 6 characters, USCC prefixes, people, addresses,
query syntax that must stay inert, data scope (page and API), filters, sorting and export."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from zhijian.core.identifiers import uscc_check_char
from zhijian.core.models import Role
from zhijian.registry.models import Entity
from zhijian.registry.search import (
    CappedPaginator,
    bigram_tokens,
    fts_phrase,
    is_uscc_term,
    rebuild_search_index,
    search_entities,
)

_seq = iter(range(1, 10**6))


def make_entity(unit, name, *, rep="张三", address="上海市浦东新区张江路100号", **extra):
    body = f"91{unit.code[:6]}{next(_seq):09d}"
    fields = {
        "uscc": body + uscc_check_char(body),
        "name": name,
        "kind": Entity.Kind.PRIVATE,
        "status": Entity.Status.ACTIVE,
        "established_on": "2020-01-01",
        "legal_rep_name": rep,
        "address": address,
        "district_code": unit.code[:6],
        "unit": unit,
    }
    fields.update(extra)
    return Entity.objects.create(**fields)


@pytest.fixture
def viewer(org, make_user):
    role = Role.objects.create(code="registry_viewer", name="主体查询")
    role.permissions.set(
        Permission.objects.filter(content_type__app_label="registry", codename__startswith="view_")
    )
    user = make_user("viewer", org["pudong"])
    user.groups.add(role)
    return user


@pytest.fixture
def data(org):
    zj, hm, yx = org["zhangjiang"], org["huamu"], org["yexie"]
    return {
        "pudong_tech": make_entity(
            zj, "上海浦东新星科技有限公司", rep="欧阳明", address="上海市浦东新区碧波路690号"
        ),
        "huamu_shop": make_entity(
            hm, "浦东新区花木便利店", rep="李四", address="上海市浦东新区丁香路88号",
            kind=Entity.Kind.INDIVIDUAL, established_on="2023-05-01", registered_capital=None,
        ),
        "pudong_trade": make_entity(
            zj, "新星贸易", rep="王五", address="上海市浦东新区张江路1号", registered_capital=500,
            established_on="2010-03-03",
        ),
        "songjiang": make_entity(
            yx, "上海松江新星科技有限公司", rep="欧阳明", address="上海市松江区叶榭镇新星路9号"
        ),
        "percent": make_entity(zj, "百分之100%_公司", rep="赵六", address="上海市浦东新区某路2号"),
    }  # fmt: skip


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def search(q, user=None):
    qs = Entity.objects.all() if user is None else Entity.objects.visible_to(user)
    return search_entities(qs, q, user=user)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("新星", ["上海松江新星科技有限公司", "上海浦东新星科技有限公司", "新星贸易"]),  # 2 chars
        ("花木", ["浦东新区花木便利店"]),
        ("新星科", ["上海松江新星科技有限公司", "上海浦东新星科技有限公司"]),  # 3 chars
        ("浦东新星科技", ["上海浦东新星科技有限公司"]),  # 6 chars
        ("星贸", ["新星贸易"]),
        ("易", ["新星贸易"]),  # one character: not indexed, still correct
        ("限公", ["上海松江新星科技有限公司", "上海浦东新星科技有限公司"]),
        ("欧阳明", ["上海松江新星科技有限公司", "上海浦东新星科技有限公司"]),  # legal rep
        ("李四", ["浦东新区花木便利店"]),
        ("丁香路", ["浦东新区花木便利店"]),  # address fragment
        ("张江路1号", ["新星贸易"]),
        ("碧波路690", ["上海浦东新星科技有限公司"]),  # digits in an address
        ("新星 张江", ["新星贸易"]),  # every term must match
        ("欧阳明 碧波", ["上海浦东新星科技有限公司"]),  # terms in different fields
        ("不存在的名字", []),
        ("科技 贸易", []),
    ],
)
def test_fragments(data, q, expected):
    assert names(search(q)) == expected


def test_every_two_character_fragment_of_every_name_is_found(data):
    for entity in Entity.objects.all():
        for text in (entity.name, entity.legal_rep_name, entity.address):
            for i in range(len(text) - 1):
                assert entity in search(text[i : i + 2]), (entity.name, text[i : i + 2])


def test_uscc_prefix(data):
    entity = data["pudong_tech"]
    assert is_uscc_term(entity.uscc[:8])
    assert list(search(entity.uscc[:6])) and entity in search(entity.uscc[:6])
    assert set(search("91310115")) == {
        data["pudong_tech"],
        data["huamu_shop"],
        data["pudong_trade"],
        data["percent"],
    }
    assert list(search(entity.uscc)) == [entity]
    assert list(search(entity.uscc.lower())) == [entity]  # typed in lower case
    assert list(search("91310199")) == []
    found = search(entity.uscc)
    assert found.get().search_rank == 0


@pytest.mark.parametrize(
    "q",
    ['"', '""', "*", "新星*", "OR", "新星 OR 贸易", "NEAR(新星 贸易)", "name:新星", "'", "\\",
     "^新星", "新星)", "(", "-新星", "+", "AND", "NOT 新星", "%", "_", "%%", "新%", "_星"],
)  # fmt: skip
def test_query_syntax_is_inert(data, q):
    result = search(q)
    expected = [e for e in Entity.objects.all() if all(
        any(t.lower() in f.lower() for f in (e.name, e.legal_rep_name, e.address))
        or (is_uscc_term(t) and e.uscc.startswith(t.upper()))
        for t in q.split())]  # fmt: skip
    assert names(result) == sorted(e.name for e in expected)


def test_percent_and_underscore_are_literal(data):
    assert names(search("0%")) == ["百分之100%_公司"]
    assert names(search("%_")) == ["百分之100%_公司"]
    assert names(search("_公")) == ["百分之100%_公司"]


def test_empty_query_returns_everything(data):
    assert search("").count() == Entity.objects.count()
    assert search("   ").count() == Entity.objects.count()


def test_tokens_are_hex_only():
    assert bigram_tokens("浦东A") == ["浦东".encode().hex(), "东a".encode().hex()]
    assert fts_phrase('a"b OR c').replace(" ", "").strip('"').isalnum()


def test_index_follows_updates_and_deletes(data):
    entity = data["huamu_shop"]
    entity.name = "花木鲜花店"
    entity.save()
    assert entity in search("鲜花")
    assert entity not in search("便利")
    entity.delete()
    assert list(search("鲜花")) == []
    Entity.objects.bulk_create([])
    rebuild_search_index()
    assert names(search("新星贸")) == ["新星贸易"]


def test_ranking_exact_then_prefix_then_fragment(org):
    zj = org["zhangjiang"]
    fragment = make_entity(zj, "上海新星贸易", established_on="2024-01-01")
    exact = make_entity(zj, "新星贸易", established_on="2001-01-01")
    prefix = make_entity(zj, "新星贸易商行", established_on="2002-01-01")
    from zhijian.registry.search import SEARCH_ORDERING

    assert list(search("新星贸易").order_by(*SEARCH_ORDERING)) == [exact, prefix, fragment]


def test_search_applies_data_scope(data, org, make_user):
    station = make_user("station", org["zhangjiang"])
    district = make_user("district", org["pudong"])
    assert "上海松江新星科技有限公司" not in names(search("新星", district))
    assert names(search("新星", station)) == ["上海浦东新星科技有限公司", "新星贸易"]
    assert names(search("欧阳明", district)) == ["上海浦东新星科技有限公司"]
    # Without the user the index does not narrow to the scope; the queryset's scope holds.
    qs = search_entities(Entity.objects.visible_to(station), "新星")
    assert names(qs) == ["上海浦东新星科技有限公司", "新星贸易"]


def test_scope_in_the_index_follows_unit_moves(data, org, make_user):
    zhangjiang = make_user("zj", org["zhangjiang"])
    huamu = make_user("hm", org["huamu"])
    Entity.objects.filter(pk=data["pudong_trade"].pk).update(unit=org["huamu"])
    assert names(search("新星", zhangjiang)) == ["上海浦东新星科技有限公司"]
    assert names(search("新星", huamu)) == ["新星贸易"]
    assert names(search("新星", make_user("pd", org["pudong"]))) == [
        "上海浦东新星科技有限公司",
        "新星贸易",
    ]


@pytest.fixture
def broad(monkeypatch):
    """Every text query with more than one index match counts as broad."""
    from zhijian.registry import search as search_module

    monkeypatch.setattr(search_module, "BROAD_MATCHES", 1)


def test_broad_queries_are_newest_registered_first(data, org, make_user, broad):
    from django.db import connection

    expected = ["上海松江新星科技有限公司", "上海浦东新星科技有限公司", "新星贸易"]
    assert names(search("新星")) == expected
    district = make_user("district", org["pudong"])
    found = search("新星", district)
    assert names(found) == ["上海浦东新星科技有限公司", "新星贸易"]
    if connection.vendor == "sqlite":
        assert list(found) == sorted(found, key=lambda e: -e.pk)
    paginator = CappedPaginator(found, 1)
    assert paginator.count == 2 and not paginator.capped
    assert list(paginator.page(2).object_list) == list(found)[1:]
    paginator = CappedPaginator(found, 1)
    paginator.COUNT_CAP = 1
    assert paginator.count == 1 and paginator.capped
    # Filters, other terms and an explicit sort still apply.
    assert names(found.filter(registered_capital=500)) == ["新星贸易"]
    assert names(search("新星 张江", district)) == ["新星贸易"]
    assert [e.name for e in found.order_by("established_on")] == [
        "新星贸易",
        "上海浦东新星科技有限公司",
    ]


def test_broad_query_page_and_api(data, viewer, broad):
    client = client_for(viewer)
    response = client.get("/entities/", {"q": "新星"})
    assert response.context["paginator"].count == 2
    result = json.loads(client.get("/api/v1/entities/", {"q": "新星", "page_size": 1}).content)
    assert result["count"] == 2 and len(result["results"]) == 1


def test_uscc_query_order(org):
    zj = org["zhangjiang"]
    a = make_entity(zj, "甲商行", established_on="2024-01-01")
    b = make_entity(zj, "乙商行", established_on="2001-01-01")
    c = make_entity(org["yexie"], "丙商行", address=f"上海市松江区某路{a.uscc[:8]}号")
    # USCC matches in USCC order, then the entity whose address contains the term.
    assert list(search(a.uscc[:8])) == [a, b, c]
    assert [e.search_rank for e in search(a.uscc[:8])] == [1, 1, 2]
    assert list(search(b.uscc)) == [b]
    # No USCC starts with it: a plain fragment ("690" in an address).
    assert list(search("100号")) == [a, b]
    assert set(search("100")) == {a, b}


def test_capped_paginator(data):
    paginator = CappedPaginator(Entity.objects.order_by("pk"), 2)
    paginator.COUNT_CAP = 3
    assert paginator.count == 3 and paginator.capped
    assert CappedPaginator(Entity.objects.filter(name="新星贸易"), 2).count == 1


# --- page and API --------------------------------------------------------------------------------


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_search_page(data, viewer):
    client = client_for(viewer)
    response = client.get("/entities/", {"q": "新星"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "上海浦东新星科技有限公司" in body and "新星贸易" in body
    assert "上海松江新星科技有限公司" not in body
    assert response.context["paginator"].count == 2
    response = client.get("/entities/", {"q": "新星", "kind": "个体工商户"})
    assert response.context["paginator"].count == 0
    response = client.get("/entities/", {"district": "310117"})  # outside the scope: invalid
    assert "上海松江" not in response.content.decode()


def test_search_page_sort_and_export(data, viewer):
    client = client_for(viewer)
    response = client.get("/entities/", {"q": "新星", "sort": "established_on"})
    rows = [r["obj"].name for r in response.context["rows"]]
    assert rows == ["新星贸易", "上海浦东新星科技有限公司"]
    response = client.get("/entities/", {"q": "新星", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "新星贸易" in text and "上海浦东新星科技有限公司" in text and "松江" not in text
    response = client.get("/entities/", {"q": "新星", "export": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert "新星贸易" in xml and "松江" not in xml


def test_api_list_filters(data, viewer):
    client = client_for(viewer)

    def get(**params):
        response = client.get("/api/v1/entities/", params)
        assert response.status_code == 200, response.content
        return json.loads(response.content)

    result = get(q="新星")
    assert result["count"] == 2 and result["count_capped"] is False
    assert {r["name"] for r in result["results"]} == {"上海浦东新星科技有限公司", "新星贸易"}
    assert get(q="新星", capital_min=100)["results"][0]["name"] == "新星贸易"
    assert get(q="新星", capital_min=100)["count"] == 1
    assert get(established_from="2022-01-01")["results"][0]["name"] == "浦东新区花木便利店"
    assert get(established_to="2011-01-01", established_from="2009-01-01")["count"] == 1
    assert get(kind="个体工商户")["count"] == 1
    assert get(status="注销")["count"] == 0
    assert get(district="310115")["count"] == 4
    assert get(q="新星", sort="established_on")["results"][0]["name"] == "新星贸易"
    assert get(q="新星", sort="-established_on")["results"][0]["name"] == "上海浦东新星科技有限公司"
    assert get(q="欧阳明")["count"] == 1  # the 松江 namesake is outside the scope
    assert get(page_size=1, page=2)["results"]


def test_api_requires_permission(data, org, make_user):
    client = client_for(make_user("nobody", org["pudong"]))
    assert client.get("/api/v1/entities/").status_code == 403
    assert client.get(f"/api/v1/entities/{data['pudong_tech'].uscc}/").status_code == 403
    assert client.get("/entities/").status_code == 403


# --- bulk loading --------------------------------------------------------------------------------


def test_bulk_loading_rows_are_searchable_after_exit(data, org):
    from django.db import connection

    from zhijian.registry.search import bulk_loading

    zj = org["zhangjiang"]
    with bulk_loading():
        with bulk_loading():  # nested: only the outermost block rebuilds
            loaded = make_entity(
                zj, "批量导入样本商行", rep="钱七", address="上海市浦东新区晨晖路5号"
            )
        Entity.objects.filter(pk=data["huamu_shop"].pk).update(name="花木鲜花店")
        data["pudong_trade"].delete()
    assert list(search("批量导入")) == [loaded]
    assert list(search("钱七")) == [loaded]
    assert list(search("晨晖路")) == [loaded]
    assert names(search("鲜花")) == ["花木鲜花店"] and list(search("便利")) == []
    assert names(search("新星贸")) == []
    # The sync is back: a single write after the block is indexed at once.
    loaded.name = "批量导入更名商行"
    loaded.save()
    assert list(search("更名")) == [loaded]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'registry_entity_search_%'"
            )
            assert cursor.fetchone()[0] == 3


def test_bulk_loading_restores_the_index_on_error(data, org):
    from zhijian.registry.search import bulk_loading

    with pytest.raises(RuntimeError), bulk_loading():
        make_entity(org["zhangjiang"], "出错前写入商行")
        raise RuntimeError
    assert names(search("出错前")) == ["出错前写入商行"]
    data["pudong_tech"].name = "上海浦东晨星科技有限公司"
    data["pudong_tech"].save()
    assert names(search("晨星")) == ["上海浦东晨星科技有限公司"]


def test_search_page_says_when_the_count_is_capped(data, viewer, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 1)
    body = client_for(viewer).get("/entities/", {"q": "新星"}).content.decode()
    assert "超过 1 条" in body


@pytest.mark.parametrize(
    ("prefix", "following"),
    [("9131", "9132"), ("91310115MA", "91310115MB"), ("9Y", "A"), ("YY", None), ("9", "A")],
)
def test_next_uscc_prefix(prefix, following):
    from zhijian.registry.search import _next_uscc_prefix

    assert _next_uscc_prefix(prefix) == following


def test_uscc_prefix_matching_more_than_the_cap_is_newest_first(org, monkeypatch):
    zj = org["zhangjiang"]
    made = [make_entity(zj, f"商行{i}") for i in range(6)]
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 4)
    found = search("91310115")
    assert [e.pk for e in found] == sorted((e.pk for e in made), reverse=True)
    paginator = CappedPaginator(found, 2)
    assert paginator.count == 4 and paginator.capped
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 10)
    assert list(search("91310115")) == sorted(made, key=lambda e: e.uscc)
