"""Warnings API: list in scope with filters, detail with parameters and evidence, dispose and
acknowledge with Chinese refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scope_world import _entity
from zhijian.registry.models import Sampling
from zhijian.rules import engine
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import Warning

pytestmark = pytest.mark.django_db
URL = "/api/v1/warnings/"


@pytest.fixture
def warnings_(org):
    for unit, tag in ((org["zhangjiang"], "浦东接口"), (org["yexie"], "松江接口")):
        entity = _entity(unit, tag)
        entity.registered_capital = 120000
        entity.save()
    engine.run_rule(all_rules()["very_high_registered_capital"], dt.date(2026, 6, 30))
    sampled = _entity(org["zhangjiang"], "接口抽检")
    Sampling.objects.create(number="API1", entity=sampled, unit=sampled.unit, category="食品",
                            product="饼干", sampled_on=dt.date(2026, 3, 1), result="不合格")  # fmt: skip
    engine.run_rule(all_rules()["product_quality_sampling_failures"], dt.date(2026, 6, 30))
    return {w.entity.name: w for w in Warning.objects.select_related("entity")}


def test_list_and_detail_in_scope(client, people, warnings_):
    client.force_login(people["pudong"])
    data = client.get(URL).json()
    assert {r["entity_name"] for r in data["results"]} == {"浦东接口有限公司", "接口抽检有限公司"}
    only = client.get(URL, {"handling": "acknowledge"}).json()
    assert [r["entity_name"] for r in only["results"]] == ["接口抽检有限公司"]
    warning = warnings_["浦东接口有限公司"]
    detail = client.get(f"{URL}{warning.pk}/").json()
    assert detail["parameters"]["min_capital"]["value"] == "100000"
    assert detail["evidence"][0]["uscc"] == warning.entity.uscc
    assert detail["task_number"] == warning.task.number
    other = warnings_["松江接口有限公司"]
    assert client.get(f"{URL}{other.pk}/").status_code == 404


def test_dispose_and_acknowledge(client, people, warnings_, auditor):
    warning = warnings_["浦东接口有限公司"]
    client.force_login(people["zhang"])
    url = f"{URL}{warning.pk}/dispose/"
    bad = client.post(url, {"disposition": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and "未知的处置结果" in bad.json()["detail"]
    refused = client.post(url, {"disposition": "not_ours"}, content_type="application/json")
    assert refused.status_code == 400 and "说明理由" in refused.json()["detail"]
    done = client.post(url, {"disposition": "no_problem", "note": "已核查"},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200 and done.json()["state"] == "closed"
    again = client.post(url, {"disposition": "no_problem"}, content_type="application/json")
    assert again.status_code == 400 and "不能重复处置" in again.json()["detail"]
    reminder = warnings_["接口抽检有限公司"]
    ack = client.post(f"{URL}{reminder.pk}/acknowledge/", {}, content_type="application/json")
    assert ack.status_code == 200 and ack.json()["disposition"] == "acknowledged"
    client.force_login(auditor)
    assert client.get(URL).status_code == 403
