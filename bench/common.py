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
