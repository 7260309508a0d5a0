"""The rule engine: YAML cases of every rule, runs, versions, parameters, routing, dedup,
failures, backtests, definitions refused with Chinese reasons."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from zhijian.dictionaries import parameters
from zhijian.rules import backtest, definitions, engine, testing
from zhijian.rules.models import RuleRun, RuleVersion, Warning
from zhijian.supervision.models import Task

RULES = definitions.all_rules()
CASES = [
    pytest.param(rule, case, id=f"{rule.id}:{case.get('name')}")
    for rule in RULES.values()
    for case in testing.load_cases(rule)
]


def test_every_rule_has_yaml_cases():
    missing = [rule.id for rule in RULES.values() if not testing.load_cases(rule)]
    assert not missing, f"rules without YAML test cases: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "case"), CASES)
def test_yaml_case(rule, case, org):
    result = testing.run_case(rule, case)
    if result.skipped:
        pytest.skip(f"{rule.id}: {result.message}")
    assert result.ok, result.message


@pytest.mark.django_db
def test_a_wrong_expectation_fails_with_a_reason(org):
    rule = RULES["very_high_registered_capital"]
    case = {
        "name": "错误的期望",
        "given": {"entities": [{"ref": "E1", "registered_capital": 100}]},
        "as_of": dt.date(2026, 6, 30),
        "expect": [{"entity": "E1"}],
    }
    result = testing.run_case(rule, case)
    assert not result.ok
    assert "缺少预警" in result.message and "E1" in result.message
    assert not Warning.objects.exists()  # a case leaves nothing behind


def _persons_entities(unit, n, *, capital=None):
    from zhijian.registry.models import Entity, Person

    person = Person.objects.create(id_number=f"ENG{unit.code}{n}", name="王某")
    entities = [
        Entity.objects.create(
            uscc=f"91{unit.code[:6]}E{n:02d}{i:07d}",
            name=f"引擎测试{i}号",
            kind="私营企业",
            status="存续",
            established_on=dt.date(2020, 1, 1),
            legal_rep_name="王某",
            legal_rep=person,
            address=f"测试路{i}号",
            unit=unit,
            registered_capital=capital,
        )  # fmt: skip
        for i in range(n)
    ]
    return person, entities


@pytest.mark.django_db
def test_run_records_version_parameters_evidence_and_creates_tasks(org):
    person, entities = _persons_entities(org["zhangjiang"], 5)
    rule = RULES["one_person_many_entities"]
    run = engine.run_rule(rule, dt.date(2026, 6, 30))
    assert run.status == RuleRun.Status.DONE and run.raised == 5 and run.candidates == 5
    assert run.rows_examined >= 6  # the entity and person tables
    assert run.finished_at >= run.started_at
    version = RuleVersion.objects.get(rule_id=rule.id, version=rule.version)
    assert "min_entities" in version.definition and "HAVING" in version.sql
    warning = Warning.objects.get(entity=entities[0])
    assert warning.rule_version == rule.version and warning.key == f"person:{person.pk}"
    assert warning.parameters["min_entities"]["value"] == 5
    assert "本地设定" in warning.parameters["min_entities"]["source"]
    assert warning.evidence_total == 5
    assert {e["uscc"] for e in warning.evidence} == {e.uscc for e in entities}
    assert all(e["live_entities"] == 5 for e in warning.evidence)
    task = warning.task
    assert task.source == Task.Source.WARNING and task.unit == org["zhangjiang"]
    assert task.entity_id == entities[0].pk and "一人多户" in task.title
    assert task.due_on is not None and rule.id in task.due_basis


@pytest.mark.django_db
def test_an_administrators_dated_value_changes_the_threshold_from_its_day(org):
    _persons_entities(org["zhangjiang"], 4)
    rule = RULES["one_person_many_entities"]
    parameters.set_value(
        "rules.one_person_many_entities.min_entities", 4, dt.date(2026, 7, 1), source="本局决定"
    )
    assert engine.run_rule(rule, dt.date(2026, 6, 30)).raised == 0
    run = engine.run_rule(rule, dt.date(2026, 7, 1))
    assert run.raised == 4
    assert run.parameters["min_entities"] == {
        "value": 4, "effective_from": "2026-07-01", "source": "本局决定",
    }  # fmt: skip


def _pack(tmp_path: Path, rule_id: str, route: str, *, sql: str, handling="task", extra=""):
    (tmp_path / f"{rule_id}.sql").write_text(sql, encoding="utf-8")
    (tmp_path / f"{rule_id}.yaml").write_text(
        textwrap.dedent(f"""\
        id: {rule_id}
        name: 测试规则
        category: 风险预警类
        description: 测试
        legal_basis: 测试依据
        sources: [registry_entity]
        schedule: "0 3 * * *"
        routing:
          to: {route}
          department: 信用监管处
        handling: {handling}
        implementation:
          sql: {rule_id}.sql
        """)
        + extra,
        encoding="utf-8",
    )
    return definitions.load_file(tmp_path / f"{rule_id}.yaml")


ALL_LIVE = "SELECT id AS entity_id, 'k' AS \"key\" FROM registry_entity WHERE status = '存续'"


@pytest.mark.django_db
def test_routing_to_district_and_city_departments_and_acknowledge(org, tmp_path):
    _persons_entities(org["zhangjiang"], 1)
    _persons_entities(org["yexie"], 1)
    district = _pack(tmp_path, "route_district_test", "district_department", sql=ALL_LIVE)
    engine.run_rule(district, dt.date(2026, 6, 30))
    units = set(Warning.objects.filter(rule_id=district.id).values_list("unit__code", "department"))
    assert units == {("310115", "信用监管处"), ("310117", "信用监管处")}
    city = _pack(tmp_path, "route_city_test", "city_department", sql=ALL_LIVE,
                 handling="acknowledge")  # fmt: skip
    engine.run_rule(city, dt.date(2026, 6, 30))
    warnings = Warning.objects.filter(rule_id=city.id)
    assert {w.unit.code for w in warnings} == {"310000"}
    assert all(w.task_id is None and w.handling == "acknowledge" for w in warnings)


@pytest.mark.django_db
def test_a_failing_rule_is_recorded_and_the_others_run(org, tmp_path):
    _persons_entities(org["zhangjiang"], 1, capital=200000)
    broken = _pack(
        tmp_path, "broken_test", "home_station", sql="SELECT missing_column FROM nowhere_table"
    )
    good = RULES["very_high_registered_capital"]
    outcomes = engine.run_rules([broken, good], dt.date(2026, 6, 30))
    assert outcomes[0].error and outcomes[1].error == ""
    failed = RuleRun.objects.get(rule_id="broken_test")
    assert failed.status == RuleRun.Status.FAILED and "nowhere_table" in failed.error
    assert failed.finished_at is not None
    assert outcomes[1].run.raised == 1


@pytest.mark.django_db
def test_sql_without_the_required_columns_is_refused(org, tmp_path):
    _persons_entities(org["zhangjiang"], 1)
    rule = _pack(tmp_path, "columns_test", "home_station", sql="SELECT id FROM registry_entity")
    with pytest.raises(ValueError, match="缺少输出列：entity_id、key|缺少输出列：key"):
        engine.run_rule(rule, dt.date(2026, 6, 30))
    assert RuleRun.objects.get(rule_id="columns_test").status == RuleRun.Status.FAILED


@pytest.mark.django_db
def test_backtest_counts_per_month_with_deduplication(org, tmp_path):
    from zhijian.registry.models import PenaltyRecord

    (entity,) = _persons_entities(org["zhangjiang"], 1)[1]
    for day in (dt.date(2026, 1, 10), dt.date(2026, 3, 5)):
        PenaltyRecord.objects.create(
            number=f"罚{day}", entity=entity, party="p", violation="虚假宣传", measures="罚款",
            decided_on=day, authority="局", unit=entity.unit,
        )  # fmt: skip
    sql = (
        "SELECT entity_id, 'p' AS \"key\", number FROM registry_penaltyrecord "
        "WHERE decided_on > %(since)s AND decided_on <= %(as_of)s"
    )
    rule = _pack(tmp_path, "backtest_test", "home_station", sql=sql,
                 extra="windows:\n  since: {months: 1}\ndedup_days: 40\n")  # fmt: skip
    months = backtest.monthly(rule, dt.date(2026, 1, 1), dt.date(2026, 4, 15))
    assert [(m.month, m.candidates, m.warnings) for m in months] == [
        ("2026-01", 1, 1), ("2026-02", 0, 0), ("2026-03", 1, 1), ("2026-04", 0, 0),
    ]  # fmt: skip
    assert months[-1].as_of == dt.date(2026, 4, 15)
    assert not Warning.objects.exists()  # a backtest writes nothing


def test_windows_shift_months_and_years_at_month_ends():
    assert definitions.shift(dt.date(2024, 2, 29), "years", -1) == dt.date(2023, 2, 28)
    assert definitions.shift(dt.date(2026, 3, 31), "months", -1) == dt.date(2026, 2, 28)
    assert definitions.shift(dt.date(2026, 1, 15), "months", -13) == dt.date(2024, 12, 15)
    assert definitions.shift(dt.date(2026, 1, 1), "days", -1) == dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("category: 风险预警类", "category: 其他"), "category"),
        (("to: home_station", "to: somewhere"), "routing|to"),
        (("  sql: bad_test.sql", "  sql: missing.sql"), "找不到 SQL 文件"),
        (("legal_basis: 测试依据\n", ""), "缺少“legal_basis”"),
        (("handling: task", "handling: email"), "handling"),
    ],
)
def test_bad_definitions_are_refused_in_chinese(tmp_path, change, message):
    _pack(tmp_path, "bad_test", "home_station", sql=ALL_LIVE)
    path = tmp_path / "bad_test.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(definitions.DefinitionError, match=message) as info:
        definitions.load_file(path)
    assert "规则文件 bad_test.yaml" in str(info.value)


def test_a_parameter_value_needs_a_date_and_a_source(tmp_path):
    extra = (
        "parameters:\n  limit:\n    name: 阈值\n    type: int\n    values:\n"
        "      - {value: 3, source: 某文件}\n"
    )
    with pytest.raises(definitions.DefinitionError, match="生效日期"):
        _pack(tmp_path, "param_test", "home_station", sql=ALL_LIVE, extra=extra)


def test_a_python_rule_version_covers_its_code_and_the_modules_it_imports():
    rule = RULES["one_address_many_entities"]
    source = definitions._python_source(rule.python, rule.path)
    assert "def normalise" in source  # zhijian/rules/addresses.py, imported by the rule
    assert Path(__file__).name not in source
    assert len(rule.version) == 16


@pytest.mark.django_db
def test_a_rule_whose_module_is_not_installed_is_skipped_and_says_so(org, capsys):
    from django.core.management import call_command

    rule = RULES["instrument_verification_expiring"]
    assert definitions.missing_tables(rule) == ["metrology_instrument"]
    outcomes = engine.run_rules([rule, RULES["very_high_registered_capital"]], dt.date(2026, 6, 30))
    skipped = outcomes[0].run
    assert outcomes[0].error == "" and skipped.status == RuleRun.Status.SKIPPED
    assert "metrology_instrument" in skipped.error and skipped.raised == 0
    assert outcomes[1].run.status == RuleRun.Status.DONE
    call_command("rules", "run", "instrument_verification_expiring")
    assert "跳过：所需数据表 metrology_instrument 尚不存在" in capsys.readouterr().out
