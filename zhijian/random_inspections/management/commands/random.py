"""``zhijian random verify PLAN_ID`` and ``zhijian random list``.

verify  repeat the current draw of plan PLAN_ID (``--draw N``: its N-th draw; ``--all``: every
        draw) from its published inputs. Exit status 0 and ``CONFIRMED …`` when the stored
        result follows from the inputs, else exit status 1 and ``REFUTED …: <first difference>``.
list    print the ids of the drawn plans, one per line.

Neither command writes to the database.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from zhijian.random_inspections import services
from zhijian.random_inspections.models import Draw, Plan


class Command(BaseCommand):
    help = "双随机抽查：复核抽取结果（verify）与列出已抽取的计划（list）。 Random inspections."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="按公布的输入重新抽取并与存储的结果比对 / re-run and compare a draw"
        )
        verify.add_argument("plan_id", type=int, help="抽查计划 id / plan id")
        verify.add_argument("--draw", type=int, default=None, help="第几次抽取 / draw sequence")
        verify.add_argument("--all", action="store_true", help="复核该计划的每次抽取 / every draw")
        sub.add_parser("list", help="列出已抽取计划的 id（每行一个）/ ids of drawn plans")

    def handle(self, *args, **options):
        if options["subcommand"] == "list":
            ids = Plan.objects.filter(draws__isnull=False).distinct().order_by("pk")
            for pk in ids.values_list("pk", flat=True):
                self.stdout.write(str(pk))
            return
        plan = Plan.objects.filter(pk=options["plan_id"]).first()
        if plan is None:
            raise CommandError(f"没有 id 为 {options['plan_id']} 的抽查计划 / no such plan")
        draws = plan.draws.order_by("sequence")
        if options["draw"] is not None:
            draws = draws.filter(sequence=options["draw"])
        elif not options["all"]:
            draws = draws.filter(is_current=True)
        records: list[Draw] = list(draws)
        if not records:
            raise CommandError(f"计划 {plan.number} 没有该抽取记录 / the plan has no such draw")
        refuted = False
        for record in records:
            outcome = services.verify_draw(record)
            label = f"plan {plan.pk} ({plan.number}) draw #{record.sequence}"
            if outcome.ok:
                self.stdout.write(
                    f"CONFIRMED {label}: {record.target_count} targets, "
                    f"result hash {record.result_hash}"
                )
            else:
                refuted = True
                self.stdout.write(f"REFUTED {label}: {outcome.first_difference}")
        if refuted:
            sys.exit(1)
