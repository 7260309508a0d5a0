"""Rules on the job queue (django-q2): each rule's YAML ``schedule`` (cron) becomes a
django-q ``Schedule`` row, and the job runs the rule as a scheduled run.

``sync_schedules()`` (``zhijian rules schedule``) makes the schedule rows match the rule pack:
one per rule, named ``rules:<id>``, added, changed or removed; it is idempotent and runs after
each deployment (``zhijian migrate`` does not touch schedules). ``zhijian qcluster`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "rules:"
FUNC = "zhijian.rules.jobs.run_scheduled"


@dataclass(frozen=True)
class SyncResult:
    added: int
    changed: int
    removed: int
    unchanged: int


def run_scheduled(rule_id: str) -> str:
    """The job: run one rule as of today, recorded as a scheduled run; one line of result."""
    from zhijian.core import context

    from . import definitions, engine
    from .models import RuleRun

    with context.acting_as(context.system_context("rules")):
        rule = definitions.get(rule_id)
        run = engine.run_rule(rule, trigger=RuleRun.Trigger.SCHEDULE)
    return f"{rule_id}: raised {run.raised}, duplicates {run.duplicates}"


def sync_schedules() -> SyncResult:
    from django.utils import timezone
    from django_q.models import Schedule

    from . import definitions

    wanted = {f"{PREFIX}{r.id}": r for r in definitions.all_rules().values()}
    existing = {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX)}
    added = changed = unchanged = 0
    for name, rule in wanted.items():
        schedule = existing.get(name)
        if schedule is None:
            Schedule.objects.create(
                name=name, func=FUNC, args=repr(rule.id), schedule_type=Schedule.CRON,
                cron=rule.schedule, repeats=-1, next_run=timezone.now(),
            )  # fmt: skip
            added += 1
        elif schedule.cron != rule.schedule or schedule.func != FUNC:
            schedule.cron, schedule.func = rule.schedule, FUNC
            schedule.schedule_type = Schedule.CRON
            schedule.save()
            changed += 1
        else:
            unchanged += 1
    stale = [name for name in existing if name not in wanted]
    Schedule.objects.filter(name__in=stale).delete()
    return SyncResult(added, changed, len(stale), unchanged)
