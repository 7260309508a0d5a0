"""``zhijian dual-notify [--since DATE] [--until DATE]``: notify the licensing departments of the
entities established, or whose business scope changed, since DATE (default: yesterday).
Idempotent: running it again adds nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhijian.core import context
from zhijian.core.commands import date_option


class Command(BaseCommand):
    help = "双告知：对新设或经营范围变更的市场主体匹配审批部门并推送"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="起始日期 YYYY-MM-DD（默认昨天）")
        parser.add_argument("--until", help="截止日期 YYYY-MM-DD（默认不限）")

    def handle(self, *args, since=None, until=None, **options):
        from zhijian.dual_notification import services

        since_day = date_option(since, "--since") or timezone.localdate() - dt.timedelta(days=1)
        until_day = date_option(until, "--until")
        if until_day and until_day < since_day:
            raise CommandError("--until 不能早于 --since")
        with context.acting_as(context.cli_context()):
            summary = services.run(since_day, until=until_day)
        self.stdout.write(summary.line())
