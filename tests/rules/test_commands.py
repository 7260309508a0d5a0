"""The commands: rules list / run / test / backtest, warnings export (columns of the issue)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from tests.scope_world import _entity
from zhijian.rules.definitions import all_rules
from zhijian.rules.models import RuleRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(org):
    entity = _entity(org["zhangjiang"], "命令高额")
    entity.registered_capital = 100000
    entity.save()
    return entity


def test_list(capsys, org):
    call_command("rules", "list")
    out = capsys.readouterr().out
    for rule in all_rules().values():
        assert rule.id in out and rule.name in out


def test_run_one_rule_as_of_a_day(capsys, rich):
    call_command("rules", "run", "very_high_registered_capital", "--as-of", "2026-06-30")
    out = capsys.readouterr().out
    assert "very_high_registered_capital\t2026-06-30" in out and "新增预警 1" in out
    assert RuleRun.objects.get().as_of == dt.date(2026, 6, 30)


def test_run_refuses_unknown_rules_and_bad_dates(org):
    with pytest.raises(CommandError, match="没有这些预警规则：nope"):
        call_command("rules", "run", "nope")
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("rules", "run", "--as-of", "2026-13-01")


def test_test_command_runs_the_yaml_cases(capsys, org):
    call_command("rules", "test", "pyramid_selling_followup")
    out = capsys.readouterr().out
    assert "通过  pyramid_selling_followup" in out and "失败 0 个" in out


def test_backtest_prints_a_row_per_month(capsys, rich):
    call_command("rules", "backtest", "very_high_registered_capital", "--from", "2026-01-01",
                 "--to", "2026-03-31")  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "month\tas_of\twarnings\tcandidates"
    assert [line.split("\t")[0] for line in lines[1:]] == ["2026-01", "2026-02", "2026-03"]
    assert lines[1].split("\t")[2:] == ["1", "1"]  # raised in January, then deduplicated
    assert lines[2].split("\t")[2:] == ["0", "1"]
    with pytest.raises(CommandError, match="不能早于"):
        call_command("rules", "backtest", "very_high_registered_capital", "--from",
                     "2026-03-01", "--to", "2026-01-01")  # fmt: skip


def test_warnings_export_columns(tmp_path, rich, org):
    call_command("rules", "run", "--as-of", "2026-06-30")
    out = tmp_path / "w.csv"
    call_command("warnings", "export", "--out", str(out), "--rule", "very_high_registered_capital")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["rule", "uscc", "as_of", "level", "key", "parameters", "routed_to"]
    assert rows[1][:5] == ["very_high_registered_capital", rich.uscc, "2026-06-30", "normal",
                           "capital"]  # fmt: skip
    assert json.loads(rows[1][5]) == {"min_capital": "100000"}
    assert rows[1][6] == org["zhangjiang"].code
    with pytest.raises(CommandError, match="没有标识为“nope”的预警规则"):
        call_command("warnings", "export", "--out", str(out), "--rule", "nope")
