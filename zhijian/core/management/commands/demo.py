"""zhijian demo: migrate, load demo organisations and accounts, and serve."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context
from zhijian.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Start the platform with demo data on the embedded database (ZHIJIAN_DEMO=1)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="load the demo data and stop")

    def handle(self, *args, host, port, no_serve, **options):
        if not settings.DEMO_MODE:
            raise CommandError("演示模式未开启：请设置 ZHIJIAN_DEMO=1（或使用 ./run demo）。")
        call_command("migrate", interactive=False, verbosity=0)
        with context.acting_as(context.cli_context()):
            accounts = load_demo()
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        url = f"http://{shown_host}:{port}/"
        lines = [
            "",
            "智监 Zhijian 演示环境 / demo is ready",
            f"  地址 URL: {url}",
            f"  演示账号 demo logins (密码 password: {DEMO_PASSWORD}):",
        ]
        lines += [f"    {u:<12} {name}  {unit}" for u, name, unit in accounts]
        lines.append("")
        self.stdout.write("\n".join(lines))
        if not no_serve:
            call_command("serve", host=host, port=port)
