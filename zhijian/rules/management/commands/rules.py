"""``zhijian rules list | run [RULE_ID...] [--as-of DATE] | test [RULE_ID...] | schedule |
backtest RULE_ID --from DATE --to DATE``: the risk-warning rules."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context
from zhijian.core.commands import date_option


class Command(BaseCommand):
    help = "预警规则：列出、运行、测试、回测"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="列出全部规则")
        run = sub.add_parser("run", help="运行规则（默认全部）")
        run.add_argument("rule_ids", nargs="*", metavar="RULE_ID")
        run.add_argument("--as-of", help="数据日期 YYYY-MM-DD（默认今天）")
        test = sub.add_parser("test", help="运行规则的 YAML 测试用例")
        test.add_argument("rule_ids", nargs="*", metavar="RULE_ID")
        sub.add_parser("schedule", help="按规则的 schedule 同步后台任务队列的定时计划")
        backtest = sub.add_parser("backtest", help="回测：规则若当时已生效，每月会产生多少预警")
        backtest.add_argument("rule_id", metavar="RULE_ID")
        backtest.add_argument("--from", dest="since", required=True, help="起始日期 YYYY-MM-DD")
        backtest.add_argument("--to", dest="until", required=True, help="截止日期 YYYY-MM-DD")

    def handle(self, *args, action, **options):
        from zhijian.rules import definitions

        try:
            with context.acting_as(context.cli_context()):
                getattr(self, f"_{action}")(**options)
        except definitions.DefinitionError as exc:
            raise CommandError(str(exc)) from None

    def _rules(self, ids):
        from zhijian.rules import definitions

        every = definitions.all_rules()
        if not ids:
            return list(every.values())
        unknown = [i for i in ids if i not in every]
        if unknown:
            raise CommandError(
                f"没有这些预警规则：{'、'.join(unknown)}（zhijian rules list 列出全部）"
            )
        return [every[i] for i in ids]

    def _list(self, **options):
        from zhijian.rules import definitions

        for rule in definitions.all_rules().values():
            self.stdout.write(
                f"{rule.id}\t{rule.name}\t{rule.category}\t{rule.schedule}\t"
                f"{rule.route.label()}\t{'待办任务' if rule.handling == 'task' else '阅知'}\t"
                f"v{rule.version}"
            )

    def _run(self, rule_ids, as_of=None, **options):
        from zhijian.rules import engine

        day = date_option(as_of, "--as-of")
        failed = 0
        for outcome in engine.run_rules(self._rules(rule_ids), day):
            run = outcome.run
            if run is not None and run.status == run.Status.SKIPPED:
                self.stdout.write(f"{run.rule_id}\t{run.as_of}\t{run.error}")
                continue
            if outcome.error:
                failed += 1
                self.stderr.write(f"{outcome.rule_id}\t失败\t{outcome.error}")
                continue
            self.stdout.write(
                f"{run.rule_id}\t{run.as_of}\t检查 {run.rows_examined} 行\t命中 {run.candidates}\t"
                f"新增预警 {run.raised}\t去重 {run.duplicates}\t{run.seconds:.2f} s"
            )
        if failed:
            raise CommandError(f"{failed} 条规则运行失败（其余规则已运行）")

    def _test(self, rule_ids, **options):
        from zhijian.rules import testing

        failures = 0
        total = 0
        for rule in self._rules(rule_ids):
            for result in testing.run_cases(rule):
                total += 1
                if result.skipped:
                    self.stdout.write(f"跳过  {rule.id}: {result.name}（{result.message}）")
                elif result.ok:
                    self.stdout.write(f"通过  {rule.id}: {result.name}")
                else:
                    failures += 1
                    self.stdout.write(f"失败  {rule.id}: {result.name}\n      {result.message}")
        self.stdout.write(f"共 {total} 个用例，失败 {failures} 个")
        if failures:
            raise CommandError(f"{failures} 个规则测试用例失败")
        if not total:
            raise CommandError("没有找到规则测试用例")

    def _schedule(self, **options):
        from zhijian.rules import jobs

        r = jobs.sync_schedules()
        self.stdout.write(
            f"定时计划：新增 {r.added}，修改 {r.changed}，删除 {r.removed}，不变 {r.unchanged}"
            "（由 zhijian qcluster 执行）"
        )

    def _backtest(self, rule_id, since, until, **options):
        from zhijian.rules import backtest

        start, end = date_option(since, "--from"), date_option(until, "--to")
        if end < start:
            raise CommandError("--to 不能早于 --from")
        (rule,) = self._rules([rule_id])
        self.stdout.write("month\tas_of\twarnings\tcandidates")
        for month in backtest.monthly(rule, start, end):
            self.stdout.write(f"{month.month}\t{month.as_of}\t{month.warnings}\t{month.candidates}")
