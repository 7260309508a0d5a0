"""Shared helpers of the benchmarks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def fresh_database(database_url: str, workdir: Path, keep: bool = False) -> tuple[str, Callable]:
    """The URL of a fresh database and a function that removes it.

    Without ``database_url``: an SQLite file in ``workdir``. With a PostgreSQL URL: a new
    database ``zhijian_bench_<pid>`` (UTF-8) on that server, dropped afterwards.
    """
    if not database_url:
        path = workdir / "bench.sqlite3"

        def remove() -> None:
            if keep:
                print(f"kept database {path}")

        return f"sqlite:///{path}", remove
    import psycopg

    parsed = urlparse(database_url)
    name = f"zhijian_bench_{os.getpid()}"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")

    def drop() -> None:
        if keep:
            print(f"kept database {name}")
            return
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunparse(parsed._replace(path=f"/{name}")), drop


def django_on_fresh_database(
    database_url: str, reuse: str, keep: bool, prefix: str
) -> tuple[str, Callable, bool]:
    """Point Django at a fresh (or a reused, already filled) database and set it up.

    Returns the URL, the clean-up function (which also removes the working directory unless
    ``keep``), and whether the database is new (then it has been
    migrated and given the default organisation tree).
    """
    import shutil
    import tempfile

    if reuse:
        url, cleanup = reuse, lambda: None
    else:
        workdir = Path(tempfile.mkdtemp(prefix=prefix))
        url, remove = fresh_database(database_url, workdir, keep)

        def cleanup() -> None:
            remove()
            if not keep:  # an SQLite database lives in workdir
                shutil.rmtree(workdir, ignore_errors=True)

    os.environ["ZHIJIAN_DATABASE_URL"] = url
    os.environ.setdefault("ZHIJIAN_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    import django

    django.setup()
    if not reuse:
        from django.core.management import call_command

        from zhijian.core import context, services

        with context.acting_as(context.cli_context()):
            call_command("migrate", verbosity=0)
            services.load_default_org_tree()
    return url, cleanup, not reuse
