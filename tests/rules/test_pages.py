"""Warning-centre pages: list in scope with filters and district counts, ID-number lookup
(audited), detail with evidence and parameters, disposition and 阅知 forms with inline Chinese
errors, rules, runs and statistics, the entity file section, the home to-dos, the task link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.scope_world import _entity
from zhijian.audit.models import AuditRecord
from zhijian.registry.models import Person, Sampling
from zhijian.rules import engine
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import RuleRun, Warning

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def _capital(unit, tag):
    entity = _entity(unit, tag)
    entity.registered_capital = 150000
    entity.save()
    return entity


@pytest.fixture
def warnings_(org):
    pudong = _capital(org["zhangjiang"], "浦东高额")
    songjiang = _capital(org["yexie"], "松江高额")
    engine.run_rule(all_rules()["very_high_registered_capital"], AS_OF)
    sampled = _entity(org["zhangjiang"], "抽检不合格")
    Sampling.objects.create(number="CJ1", entity=sampled, unit=sampled.unit, category="食品",
                            product="饼干", sampled_on=dt.date(2026, 3, 1), result="不合格")  # fmt: skip
    engine.run_rule(all_rules()["product_quality_sampling_failures"], AS_OF)
    return {
        "pudong": Warning.objects.get(entity=pudong),
        "songjiang": Warning.objects.get(entity=songjiang),
        "reminder": Warning.objects.get(entity=sampled),
    }


def test_list_is_scoped_filtered_and_counted_by_district(client, people, warnings_):
    client.force_login(people["pudong"])
    page = client.get(reverse("rules:warning_list")).content.decode()
    assert "浦东高额有限公司" in page and "抽检不合格有限公司" in page
    assert "松江高额有限公司" not in page
    assert 'data-testid="by-district"' in page
    only = client.get(reverse("rules:warning_list") + "?rule_id=product_quality_sampling_failures")
    assert "浦东高额有限公司" not in only.content.decode()
    assert "抽检不合格有限公司" in only.content.decode()
    export = client.get(reverse("rules:warning_list") + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    client.force_login(people["city"])
    assert "松江高额有限公司" in client.get(reverse("rules:warning_list")).content.decode()


def test_lookup_by_id_number_is_audited_and_never_shows_the_number(client, people, org):
    person = Person.objects.create(id_number="310101199001011234", name="王某")
    for i in range(5):
        entity = _entity(org["zhangjiang"], f"一人多户{i}")
        entity.legal_rep = person
        entity.save()
    engine.run_rule(all_rules()["one_person_many_entities"], AS_OF)
    client.force_login(people["pudong"])
    url = reverse("rules:warning_list") + "?id_number=310101199001011234"
    page = client.get(url).content.decode()
    rows = page[page.rindex("<tbody") : page.rindex("</tbody>")]
    assert "一人多户0有限公司" in rows and "310101199001011234" not in rows  # echoed input only
    record = AuditRecord.objects.filter(action="lookup", object_type="registry.person").last()
    assert record is not None and "310101199001011234" not in record.detail
    none = client.get(reverse("rules:warning_list") + "?id_number=110101199001011230")
    assert "一人多户0有限公司" not in none.content.decode()


def test_detail_shows_rule_parameters_and_evidence(client, people, warnings_):
    client.force_login(people["zhang"])
    warning = warnings_["pudong"]
    page = client.get(warning.get_absolute_url()).content.decode()
    assert "超高额注册资本" in page and warning.rule_version in page
    assert "min_capital" in page and "100000" in page and "本地设定" in page
    assert 'data-testid="evidence"' in page and "150000" in page
    assert 'data-testid="dispose-form"' in page
    other = warnings_["songjiang"]
    assert client.get(other.get_absolute_url()).status_code == 404


def test_dispose_form_inline_errors_then_success(client, people, warnings_):
    client.force_login(people["zhang"])
    warning = warnings_["pudong"]
    url = reverse("rules:warning_dispose", args=[warning.pk])
    response = client.post(url, {})
    assert response.status_code == 400 and "请选择处置结果" in response.content.decode()
    response = client.post(url, {"disposition": "not_ours", "note": ""})
    assert response.status_code == 400 and "请说明理由" in response.content.decode()
    response = client.post(url, {"disposition": "no_problem", "note": "已核查"})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.state == "closed" and warning.disposition == "no_problem"
    page = client.get(warning.get_absolute_url()).content.decode()
    assert "已核查，无问题" in page and 'data-testid="dispose-form"' not in page


def test_acknowledge_page_and_home_to_dos(client, people, warnings_):
    client.force_login(people["zhang"])
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="todo-risk.reminders"' in home
    reminder = warnings_["reminder"]
    response = client.post(reverse("rules:warning_acknowledge", args=[reminder.pk]), {"note": ""})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.disposition == "acknowledged" and reminder.disposed_by == people["zhang"]
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="todo-risk.reminders"' not in home


def test_the_task_page_links_to_the_warning_and_refuses_a_plain_completion(
    client, people, warnings_
):
    warning = warnings_["pudong"]
    client.force_login(people["zhang"])
    page = client.get(warning.task.get_absolute_url()).content.decode()
    assert warning.get_absolute_url() in page and "处置预警" in page
    url = reverse("supervision:task_action", args=[warning.task.pk])
    client.post(url, {"do": "claim", "action": "claim"})
    page = client.get(warning.task.get_absolute_url()).content.decode()
    assert 'data-action="complete"' not in page  # the plain completion is not offered
    response = client.post(url, {"do": "complete", "action": "complete", "note": "办完"})
    assert "选择处置结果" in response.content.decode()  # and refused when forced


def test_entity_file_lists_the_warnings(client, people, warnings_):
    client.force_login(people["zhang"])
    entity = warnings_["pudong"].entity
    page = client.get(entity.get_absolute_url()).content.decode()
    assert "风险预警" in page and "超高额注册资本" in page


def test_rules_runs_and_statistics_pages(client, people, warnings_, monkeypatch):
    from django_q.conf import Conf

    client.force_login(people["city"])
    rules = client.get(reverse("rules:rule_list")).content.decode()
    assert "一人多户" in rules and "立即运行" in rules
    runs = client.get(reverse("rules:run_list")).content.decode()
    assert "very_high_registered_capital" in runs
    stats = client.get(reverse("rules:statistics") + "?year=2026").content.decode()
    assert 'data-testid="by-rule"' in stats and "超高额注册资本" in stats
    monkeypatch.setattr(Conf, "SYNC", True)
    before = RuleRun.objects.count()
    response = client.post(reverse("rules:rule_run", args=["very_high_registered_capital"]))
    assert response.status_code == 302 and RuleRun.objects.count() == before + 1
    client.force_login(people["zhang"])  # inspectors see the rules but may not run them
    assert "立即运行" not in client.get(reverse("rules:rule_list")).content.decode()
    response = client.post(reverse("rules:rule_run", args=["very_high_registered_capital"]))
    assert response.status_code == 403


def test_lookup_by_an_address_written_another_way(client, people, org):
    for i in range(10):
        entity = _entity(org["zhangjiang"], f"一地多照{i}")
        entity.address = f"上海市浦东新区张江路100号{i + 1}楼" if i % 2 else "张江路100號"
        entity.district_code = "310115"
        entity.save()
    engine.run_rule(all_rules()["one_address_many_entities"], AS_OF)
    assert Warning.objects.filter(rule_id="one_address_many_entities").count() == 10
    client.force_login(people["pudong"])
    for query in ("浦东新区张江路100号301室", "张江路１００号"):
        page = client.get(reverse("rules:warning_list"), {"q": query}).content.decode()
        rows = page[page.rindex("<tbody") : page.rindex("</tbody>")]
        assert "一地多照0有限公司" in rows and "一地多照9有限公司" in rows, query
    page = client.get(reverse("rules:warning_list"), {"q": "张江路101号"}).content.decode()
    assert "一地多照0有限公司" not in page[page.rindex("<tbody") : page.rindex("</tbody>")]
