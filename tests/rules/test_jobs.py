"""Rules on the job queue: schedules follow the rule pack; a queued job runs the rule."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from zhijian.rules import definitions, jobs
from zhijian.rules.models import RuleRun

pytestmark = pytest.mark.django_db


def test_schedules_follow_the_rule_pack(org):
    rules = definitions.all_rules()
    first = jobs.sync_schedules()
    assert first.added == len(rules) and first.removed == 0
    schedules = {s.name: s for s in Schedule.objects.filter(name__startswith="rules:")}
    rule = rules["one_person_many_entities"]
    one = schedules["rules:one_person_many_entities"]
    assert one.cron == rule.schedule and one.func == jobs.FUNC and one.schedule_type == "C"
    assert jobs.sync_schedules().unchanged == len(rules)  # idempotent
    one.cron = "5 5 * * *"
    one.save()
    Schedule.objects.create(name="rules:retired_rule", func=jobs.FUNC, args="'retired_rule'",
                            schedule_type=Schedule.CRON, cron="0 1 * * *")  # fmt: skip
    again = jobs.sync_schedules()
    assert (again.changed, again.removed) == (1, 1)
    assert Schedule.objects.get(name="rules:one_person_many_entities").cron == rule.schedule
    assert not Schedule.objects.filter(name="rules:retired_rule").exists()


def test_the_schedule_command(org, capsys):
    call_command("rules", "schedule")
    assert "新增" in capsys.readouterr().out
    assert Schedule.objects.filter(name__startswith="rules:").count() == len(
        definitions.all_rules()
    )


def test_a_queued_job_runs_the_rule_as_a_scheduled_run(org, monkeypatch):
    from django_q.conf import Conf
    from django_q.tasks import async_task, result

    monkeypatch.setattr(Conf, "SYNC", True)
    task_id = async_task(jobs.FUNC, "very_high_registered_capital")
    assert result(task_id).startswith("very_high_registered_capital: raised 0")
    run = RuleRun.objects.get(rule_id="very_high_registered_capital")
    assert run.trigger == RuleRun.Trigger.SCHEDULE and run.status == RuleRun.Status.DONE


def test_demo_data_runs_every_rule_once(org):
    from tests.scope_world import _entity
    from zhijian.rules import demo_data
    from zhijian.rules.models import Warning

    entity = _entity(org["zhangjiang"], "演示高额")
    entity.registered_capital = 300000
    entity.save()
    line = demo_data.build()
    assert line.startswith("风险预警：运行") and "失败" not in line
    assert RuleRun.objects.count() == len(definitions.all_rules())
    assert Warning.objects.filter(entity=entity, rule_id="very_high_registered_capital").exists()
    assert Schedule.objects.filter(name__startswith="rules:").exists()
    assert demo_data.build() is None  # idempotent
