"""The entity file (一户一档): page and API, sections, masking, timeline, related entities."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from tests.registry.test_search import make_entity, viewer  # noqa: F401  (fixture)
from zhijian.registry import models as m


@pytest.fixture
def file(org):
    zj, yx = org["zhangjiang"], org["yexie"]
    person = m.Person.objects.create(id_number="310115198001011234", name="欧阳明")
    entity = make_entity(
        zj, "上海浦东新星科技有限公司", rep="欧阳明", legal_rep=person,
        address="上海市浦东新区碧波路690号", phone="13812345678", established_on="2015-06-01",
    )  # fmt: skip
    sibling = make_entity(zj, "新星餐饮", rep="欧阳明", legal_rep=person, address="别处1号")
    neighbour = make_entity(zj, "碧波咖啡", rep="钱七", address="上海市浦东新区碧波路690号")
    foreign = make_entity(yx, "松江新星", rep="欧阳明", legal_rep=person, address=entity.address)
    common = {"entity": entity, "unit": zj}
    m.EntityPerson.objects.create(person=person, role="法定代表人", **common)
    m.Licence.objects.create(
        number="JY131", licence_type="食品经营许可证", issuer="浦东新区市场监督管理局",
        issued_on="2016-01-10", valid_until="2026-01-09", status="有效", **common,
    )  # fmt: skip
    m.AnnualReport.objects.create(year=2023, filed_on="2024-05-20", **common)
    m.InspectionRecord.objects.create(
        number="JC-1", inspected_on="2024-08-01", method="双随机", authority="张江所",
        outcome="未发现问题", **common,
    )  # fmt: skip
    m.PenaltyRecord.objects.create(
        number="沪市监浦处〔2022〕1号", party=entity.name, violation="虚假宣传", measures="罚款",
        amount=5000, decided_on="2022-03-15", authority="浦东新区市场监督管理局", **common,
    )  # fmt: skip
    m.ComplaintRecord.objects.create(
        number="12315-1", kind="投诉", received_at="2024-09-09T10:00:00+08:00",
        respondent_name=entity.name, claimant_name="孙小美", claimant_phone="13900001111",
        text="投诉内容", **common,
    )  # fmt: skip
    m.Sampling.objects.create(
        number="CJ-1", category="食品", product="面包", sampled_on="2023-03-01", result="合格",
        **common,
    )  # fmt: skip
    m.CreditListing.objects.create(
        list_type="经营异常名录", reason="未按时年报", listed_on="2021-07-01",
        removed_on="2021-09-01", authority="浦东新区市场监督管理局", **common,
    )  # fmt: skip
    for i in range(25):
        m.InspectionRecord.objects.create(
            number=f"JC-X{i}", inspected_on=date(2019, 1, 1 + i), method="日常检查",
            authority="张江所", outcome="未发现问题", **common,
        )  # fmt: skip
    return {"entity": entity, "sibling": sibling, "neighbour": neighbour, "foreign": foreign}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_entity_file_page(file, viewer):  # noqa: F811
    entity = file["entity"]
    response = client_for(viewer).get(f"/entities/{entity.uscc}/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("JY131", "JC-1", "沪市监浦处〔2022〕1号", "12315-1", "CJ-1", "经营异常名录",
                 "2023", "新星餐饮", "碧波咖啡"):  # fmt: skip
        assert text in body, text
    assert "310115198001011234" not in body and "310***********1234" in body
    assert "13812345678" not in body and "138****5678" in body
    assert "孙小美" not in body and "孙**" in body
    assert "松江新星" not in body  # related entity outside the scope
    inspections = next(s for s in response.context["sections"] if s["key"] == "inspections")
    assert inspections["count"] == 26 and len(inspections["rows"]) == 20
    assert inspections["truncated"]


def test_timeline_is_newest_first(file, viewer):  # noqa: F811
    response = client_for(viewer).get(f"/entities/{file['entity'].uscc}/")
    timeline = response.context["timeline"]
    dates = [e["date"] for e in timeline]
    assert dates == sorted(dates, reverse=True)
    kinds = {e["kind"] for e in timeline}
    assert {"entity", "licences", "annual_reports", "inspections", "penalties", "complaints",
            "samplings", "credit_listings"} <= kinds  # fmt: skip
    assert timeline[-1]["date"] == date(2015, 6, 1)  # established


def test_entity_file_outside_scope_is_404(file, viewer):  # noqa: F811
    client = client_for(viewer)
    assert client.get(f"/entities/{file['foreign'].uscc}/").status_code == 404
    assert client.get(f"/api/v1/entities/{file['foreign'].uscc}/").status_code == 404
    assert client.get("/entities/NOSUCHCODE/").status_code == 404


def test_entity_file_api(file, viewer):  # noqa: F811
    entity = file["entity"]
    response = client_for(viewer).get(f"/api/v1/entities/{entity.uscc}/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["uscc"] == entity.uscc and data["phone"] == "138****5678"
    sections = {s["key"]: s for s in data["sections"]}
    assert sections["persons"]["rows"][0]["person__id_number"] == "310***********1234"
    assert sections["complaints"]["rows"][0]["claimant_name"] == "孙**"
    assert sections["inspections"]["count"] == 26
    assert data["timeline"][0]["date"] >= data["timeline"][-1]["date"]
    assert [r["name"] for r in data["related"]["same_legal_rep"]] == ["新星餐饮"]
    assert [r["name"] for r in data["related"]["same_address"]] == ["碧波咖啡"]
    assert "310115198001011234" not in response.content.decode()
    assert "松江新星" not in response.content.decode()


def test_section_registry_rejects_duplicates():
    from zhijian.registry.views import SECTIONS, register_section

    with pytest.raises(ValueError):
        register_section(SECTIONS[0])
