"""zhijian demo: migrate, load demo organisations and accounts and a synthetic city, and serve."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context, extensions
from zhijian.core.demo import (
    DEFAULT_ENTITIES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    load_demo,
    load_demo_city,
)


class Command(BaseCommand):
    help = (
        "Start the platform with demo data on the embedded database (ZHIJIAN_DEMO=1): "
        "organisations, demo accounts and a synthetic city of market entities."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="load the demo data and stop")
        parser.add_argument(
            "--entities",
            type=int,
            default=DEFAULT_ENTITIES,
            help=f"market entities of the synthetic city (default {DEFAULT_ENTITIES}; 0 = none)",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete all registry data first (otherwise an existing city is kept)",
        )
        parser.add_argument(
            "--ground-truth",
            default=None,
            help="where to write the planted patterns (default VAR_DIR/demo/ground_truth.json)",
        )

    def handle(self, *args, host, port, no_serve, entities, seed, reset, ground_truth, **options):
        if not settings.DEMO_MODE:
            raise CommandError("演示模式未开启：请设置 ZHIJIAN_DEMO=1（或使用 ./run demo）。")
        if entities < 0:
            raise CommandError("--entities 不能为负数。")
        call_command("migrate", interactive=False, verbosity=0)
        from zhijian.demo.city import print_progress
        from zhijian.registry.models import Entity

        with context.acting_as(context.cli_context()):
            accounts = load_demo()
            city = load_demo_city(
                entities, seed, reset=reset, ground_truth=ground_truth, progress=print_progress
            )
            extras = [line for step in extensions.demo_steps() if (line := step(self.stdout))]
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        url = f"http://{shown_host}:{port}/"
        lines = [
            "",
            "智监 Zhijian 演示环境 / demo is ready",
            f"  地址 URL: {url}",
            f"  演示账号 demo logins (密码 password: {DEMO_PASSWORD}):",
        ]
        lines += [f"    {u:<12} {name}  {unit}" for u, name, unit in accounts]
        if city is not None:
            rows = sum(city.rows.values())
            lines.append(
                f"  演示城市 synthetic city: {city.entities:,} 户市场主体 entities, "
                f"{rows:,} 行 rows, seed {city.seed}, {city.seconds:.1f} s"
            )
            lines.append(f"  预警真值 ground truth: {city.ground_truth_path}")
        elif entities:
            lines.append(
                f"  已有 {Entity.objects.count():,} 户市场主体，未重新生成演示城市"
                "（需要时使用 --reset）/ existing entities kept (use --reset to regenerate)"
            )
        lines += [f"  {line.strip()}" for line in extras]
        lines.append("")
        self.stdout.write("\n".join(lines))
        if not no_serve:
            call_command("serve", host=host, port=port)
