"""The synthetic city: valid codes, real places, distributions, planted patterns, determinism."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from zhijian.audit.models import AuditRecord
from zhijian.core.identifiers import validate_id_number, validate_mobile, validate_uscc
from zhijian.demo.city import PATTERNS, delete_city, generate_city
from zhijian.dictionaries.address import parse_address
from zhijian.dictionaries.models import Industry
from zhijian.dictionaries.services import resolve_division
from zhijian.registry import models as rm
from zhijian.registry.location import locate, unit_index

from .helpers import city_digest

TODAY = date(2026, 3, 15)  # before 30 June: last year's reports are not yet due
N = 1500


@pytest.fixture
def city(shanghai, tmp_path):
    return generate_city(N, seed=7, today=TODAY, ground_truth=tmp_path / "gt.json")


def planted_usccs(truth) -> set[str]:
    found = set()
    for pattern in truth["patterns"].values():
        for item in pattern["items"]:
            found.update(item.get("usccs", [item.get("uscc")]))
    return found - {None}


def test_codes_are_valid_and_match_the_registering_district(city):
    abolished = set(city.ground_truth["info"]["abolished_district_code"]["usccs"])
    assert abolished, "a few entities carry an abolished district code"
    usccs = list(rm.Entity.objects.values_list("uscc", "district_code", "kind"))
    assert len({u for u, _, _ in usccs}) == N
    for uscc, district, kind in usccs:
        verdict = validate_uscc(uscc)
        assert verdict.valid and not verdict.warnings, (uscc, verdict)
        assert uscc[:2] == {"个体工商户": "92", "农民专业合作社": "93"}.get(kind, "91")
        if uscc in abolished:
            assert uscc[2:8] != district
            assert resolve_division(uscc[2:8]).code == district
        else:
            assert uscc[2:8] == district, uscc
    assert len(abolished) < N * 0.06
    for id_number in rm.Person.objects.values_list("id_number", flat=True):
        assert validate_id_number(id_number).valid, id_number
    for claimant_id, phone in rm.ComplaintRecord.objects.values_list(
        "claimant_id", "claimant_phone"
    ):
        assert validate_id_number(claimant_id).valid and validate_mobile(phone).valid


def test_addresses_are_on_real_streets_and_units_are_home_stations(city):
    index = unit_index()
    cluster = planted_usccs({"patterns": {"a": city.ground_truth["patterns"]["address_cluster"]}})
    checked = 0
    for entity in rm.Entity.objects.all():
        if entity.uscc in cluster:
            where = locate(entity.address, entity.uscc)
            assert (entity.district_code, entity.street_code, entity.unit_id) == (
                where.district_code,
                where.street_code,
                where.unit_id,
            )
            continue
        assert entity.location_source == "address"
        parsed = parse_address(entity.address)
        assert (parsed.district_code, parsed.street_code) == (
            entity.district_code,
            entity.street_code,
        ), entity.address
        assert entity.unit_id == index.by_street[entity.street_code]
        checked += 1
    assert checked > N * 0.9
    # every record of an entity carries the entity's unit
    for model in (rm.EntityPerson, rm.Licence, rm.AnnualReport, rm.Sampling, rm.CreditListing):
        assert not model.objects.exclude(unit_id=models_entity_unit(model)).exists()


def models_entity_unit(model):
    from django.db.models import F

    return F("entity__unit_id")


def test_distributions_dates_and_industries(city):
    kinds = Counter(rm.Entity.objects.values_list("kind", flat=True))
    assert 0.74 < (kinds["私营企业"]) / N < 0.88
    assert 0.10 < kinds["个体工商户"] / N < 0.21
    statuses = Counter(rm.Entity.objects.values_list("status", flat=True))
    assert 0.70 < statuses["存续"] / N < 0.82
    assert 0.15 < statuses["注销"] / N < 0.25
    assert 0.01 < statuses["吊销"] / N < 0.07
    for entity in rm.Entity.objects.all():
        assert entity.established_on <= TODAY
        assert entity.established_on > TODAY - timedelta(days=31 * 365)
        if entity.status in ("注销", "吊销"):
            assert entity.established_on < entity.deregistered_on <= TODAY
        else:
            assert entity.deregistered_on is None
    codes = set(Industry.objects.values_list("code", flat=True))
    assert set(rm.Entity.objects.values_list("industry", flat=True)) <= codes
    districts = Counter(rm.Entity.objects.values_list("district_code", flat=True))
    assert districts.most_common(1)[0][0] == "310115"  # 浦东 is the largest
    coops = rm.Entity.objects.filter(kind="农民专业合作社").values_list("district_code", flat=True)
    assert set(coops) <= {"310115", "310112", "310114", "310116", "310117", "310118", "310120",
                          "310151"}  # fmt: skip
    # every entity has its legal representative as a person
    assert rm.EntityPerson.objects.filter(role="法定代表人").count() == N
    assert not rm.Entity.objects.filter(legal_rep__isnull=True).exists()
    # complaint texts carry the category; categories are recorded
    assert not rm.ComplaintRecord.objects.filter(goods_category="", service_category="").exists()


def _road_key(address: str) -> str:
    """Road and house number, whatever the spelling (full-width or Chinese digits, 號,
    spaces); the address itself when it has none."""
    text = unicodedata.normalize("NFKC", address).replace("號", "号").replace(" ", "")
    text = text.translate(str.maketrans("〇一二三四五六七八九", "0123456789"))
    match = re.search(r"([^区镇道乡]{2,3}(?:路|街|大道|公路))(\d+)号", text)
    return f"{match.group(1)}{match.group(2)}" if match else text


def test_planted_patterns_are_in_the_data_and_not_in_the_background(city, tmp_path):
    truth = json.loads((tmp_path / "gt.json").read_text("utf-8"))
    assert set(truth["patterns"]) == set(PATTERNS)
    for name in PATTERNS:
        assert len(truth["patterns"][name]["items"]) >= 3, name
    p = truth["patterns"]
    by_uscc = {e.uscc: e for e in rm.Entity.objects.all()}

    # one person, many entities; nobody else represents more than two
    reps = Counter(rm.Entity.objects.values_list("legal_rep__id_number", flat=True))
    planted_people = {item["id_number"] for item in p["person_many_entities"]["items"]}
    for item in p["person_many_entities"]["items"]:
        assert reps[item["id_number"]] == len(item["usccs"]) >= 6
        assert {by_uscc[u].legal_rep.id_number for u in item["usccs"]} == {item["id_number"]}
    assert max(c for person, c in reps.items() if person not in planted_people) <= 2

    # one address written several ways; no other address is shared
    groups = defaultdict(set)
    for entity in by_uscc.values():
        groups[(entity.district_code, _road_key(entity.address))].add(entity.uscc)
    shared = [usccs for usccs in groups.values() if len(usccs) > 1]
    planted = [set(item["usccs"]) for item in p["address_cluster"]["items"]]
    assert sorted(map(sorted, shared)) == sorted(map(sorted, planted))
    for usccs in planted:
        assert len({by_uscc[u].address for u in usccs}) >= 4  # written in different ways

    def usccs(name):
        return {item["uscc"] for item in p[name]["items"]}

    # zero activity with paid-in capital: two last reports
    zero = set()
    for entity_id, year_rows in _reports().items():
        last = sorted(year_rows, key=lambda r: r.year)[-2:]
        if len(last) == 2 and all(
            r.revenue == 0 and r.employees == 0 and (r.paid_in_capital or 0) > 0 for r in last
        ):
            zero.add(entity_id)
    assert {rm.Entity.objects.get(pk=i).uscc for i in zero} == usccs("zero_activity_paid_in")

    # repeated sampling failures
    fails = Counter(
        rm.Sampling.objects.filter(result="不合格").values_list("entity__uscc", flat=True)
    )
    assert {u for u, c in fails.items() if c >= 2} == usccs("repeated_sampling_failure")
    assert all(fails[u] >= 3 for u in usccs("repeated_sampling_failure"))

    # licences about to expire / expired while operating
    valid = rm.Licence.objects.filter(status="有效")
    soon = valid.filter(valid_until__lte=TODAY + timedelta(days=60))
    assert set(soon.values_list("entity__uscc", flat=True)) == usccs("licence_expiring")
    assert all(v <= TODAY + timedelta(days=30) for v in soon.values_list("valid_until", flat=True))
    expired = rm.Licence.objects.filter(valid_until__lt=TODAY, entity__status="存续")
    expired_usccs = set(expired.values_list("entity__uscc", flat=True))
    assert expired_usccs == usccs("licence_expired_still_operating")
    for uscc in expired_usccs:
        entity = by_uscc[uscc]
        assert not entity.licences.filter(status="有效").exists()
        assert entity.inspections.filter(inspected_on__gte=TODAY - timedelta(days=30)).exists()

    # annual report not filed (last due year is 2024 on 2026-03-15), listed as abnormal
    not_filed = rm.AnnualReport.objects.filter(year=2024, filed_on__isnull=True)
    assert set(not_filed.values_list("entity__uscc", flat=True)) == usccs("annual_report_not_filed")
    for uscc in usccs("annual_report_not_filed"):
        assert by_uscc[uscc].credit_listings.filter(reason__contains="年度报告").exists()
    active_due = rm.Entity.objects.filter(status="存续", established_on__lt=date(2024, 1, 1))
    filed = set(
        rm.AnnualReport.objects.filter(year=2024, filed_on__isnull=False).values_list(
            "entity_id", flat=True
        )
    )
    missing = {e.uscc for e in active_due if e.pk not in filed}
    assert missing == usccs("annual_report_not_filed")

    # complaints and penalties
    complaints = Counter(rm.ComplaintRecord.objects.values_list("respondent_uscc", flat=True))
    assert {u for u, c in complaints.items() if c > 2} == usccs("many_complaints_same_respondent")
    assert all(complaints[u] >= 15 for u in usccs("many_complaints_same_respondent"))
    penalties = Counter(rm.PenaltyRecord.objects.values_list("entity__uscc", flat=True))
    assert {u for u, c in penalties.items() if c > 1} == usccs("penalty_repeat_offender")


def _reports():
    rows = defaultdict(list)
    for report in rm.AnnualReport.objects.exclude(filed_on__isnull=True).order_by("year"):
        rows[report.entity_id].append(report)
    return {k: {r.year: r for r in v}.values() for k, v in rows.items()}


def test_same_seed_same_city(shanghai):
    generate_city(400, seed=11, today=TODAY)
    first = city_digest()
    delete_city()
    assert not rm.Entity.objects.exists()
    generate_city(400, seed=11, today=TODAY)
    assert city_digest() == first
    delete_city()
    generate_city(400, seed=12, today=TODAY)
    assert city_digest() != first


def test_demo_command_generates_once(settings, shanghai, tmp_path, capsys):
    settings.DEMO_MODE = True
    gt = tmp_path / "truth.json"
    call_command("demo", "--no-serve", "--entities", "300", "--seed", "3", "--ground-truth", gt)
    out = capsys.readouterr()
    assert "300 户市场主体" in out.out and "entities/s" not in out.out
    assert "/s" in out.err  # progress on stderr
    assert rm.Entity.objects.count() == 300
    assert json.loads(gt.read_text("utf-8"))["seed"] == 3
    record = AuditRecord.objects.filter(action="import", object_type="registry.entity").get()
    detail = json.loads(record.detail)
    assert detail["generator"] == "demo" and detail["entities"] == 300 and detail["seed"] == 3
    # a second run keeps the city; --reset makes a new one
    call_command("demo", "--no-serve", "--entities", "300", "--ground-truth", gt)
    assert "未重新生成" in capsys.readouterr().out
    assert rm.Entity.objects.count() == 300
    call_command("demo", "--no-serve", "--entities", "200", "--reset", "--ground-truth", gt)
    assert rm.Entity.objects.count() == 200
    assert AuditRecord.objects.filter(action="import", object_type="registry.entity").count() == 2
