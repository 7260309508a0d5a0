"""zhijian serve: the production web server (gunicorn) with static files from whitenoise."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ZHIJIAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("ZHIJIAN_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("ZHIJIAN_WORKERS", "0")),
            help="worker processes (default: 2 × CPU cores)",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("ZHIJIAN_THREADS", "4"))
        )

    def handle(self, *args, host, port, workers, threads, **options):
        from django.conf import settings
        from gunicorn.app.base import BaseApplication

        from zhijian.wsgi import application

        if not (settings.STATIC_ROOT / "zhijian" / "app.css").exists():
            # Once per install (deployments run collectstatic themselves after an upgrade).
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or max(2, 2 * (os.cpu_count() or 1))

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)

            def load(self):
                return application

        self.stdout.write(
            f"serving on http://{host}:{port}/ with {workers} workers × {threads} threads"
        )
        Server().run()
