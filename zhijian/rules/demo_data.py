"""Demo data of risk warnings (``zhijian demo`` runs ``build`` after the synthetic city and the
other apps): every rule runs once as of today, so the warning centre shows what the city's
planted patterns raise, with their tasks and 阅知 reminders. Idempotent: a rule that has run
is not run again (and deduplication would add nothing anyway)."""

from __future__ import annotations


def build(stdout=None) -> str | None:
    from zhijian.core import context

    from . import definitions, engine, jobs
    from .models import RuleRun, Warning

    ran = set(RuleRun.objects.values_list("rule_id", flat=True))
    todo = [r for r in definitions.all_rules().values() if r.id not in ran]
    if not todo:
        return None
    with context.acting_as(context.system_context("demo")):
        outcomes = engine.run_rules(todo)
        jobs.sync_schedules()
    failed = [o.rule_id for o in outcomes if o.error]
    total = Warning.objects.count()
    line = f"风险预警：运行 {len(outcomes)} 条规则，共 {total} 条预警"
    if failed:
        line += f"；失败：{'、'.join(failed)}"
    return line
