"""Benchmark: ``zhijian audit verify`` over a large audit log (target ≤ 60 s for 1 million).

    .venv/bin/python bench/audit_verify.py [--records 1000000] [--database-url URL] [--keep]

Creates a fresh database (an SQLite file in a temporary directory by default; with
``--database-url postgres://user@host:port/db`` a new database ``zhijian_bench_<pid>`` on that
server, dropped afterwards unless ``--keep``), migrates it, bulk-inserts N realistic chained
records (mixed actions, changes JSON of about 200 bytes) whose hashes are computed with the same
canonical functions as the application, then runs ``zhijian audit verify`` in a fresh process
and prints e.g. ``audit verify: 1000000 records in 23.4 s (target ≤ 60 s) OK``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0

ACTIONS = [
    ("update", 40),
    ("create", 14),
    ("login", 15),
    ("logout", 9),
    ("login_failed", 4),
    ("delete", 3),
    ("unmask", 8),
    ("export", 5),
    ("import", 2),
]
OBJECT_TYPES = ["registry.entity", "supervision.task", "cases.case", "complaints.complaint"]
DISTRICTS = [
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310151",
]
COMPANY_WORDS = ["华信", "申通", "浦江", "东方", "宏达", "锦程", "新源", "恒丰", "瑞祥", "金桥"]
COMPANY_KINDS = ["贸易有限公司", "餐饮管理有限公司", "科技有限公司", "食品店", "药房", "超市"]
STREETS = ["张江路", "世纪大道", "南京西路", "淮海中路", "松江大学城", "漕河泾", "虹桥路"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def prepare_database(args, workdir: Path) -> tuple[str, callable]:
    """The URL of a fresh database and a function that removes it."""
    return fresh_database(args.database_url, workdir, keep=args.keep)


def company(rng: random.Random) -> str:
    return f"上海{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}"


def changes_for(action: str, rng: random.Random, mask) -> dict | None:
    if action == "update":
        before, after = rng.sample(STREETS, 2)
        return {
            "address": [
                f"上海市{before}{rng.randint(1, 999)}号",
                f"上海市{after}{rng.randint(1, 999)}号",
            ],
            "contact_mobile": [
                mask(f"13{rng.randint(100000000, 999999999)}"),
                mask(f"13{rng.randint(100000000, 999999999)}"),
            ],
            "status": ["存续", rng.choice(["吊销", "注销", "迁出"])],
            "updated_by": [rng.randint(1, 500), rng.randint(1, 500)],
        }
    if action in ("create", "delete"):
        return {
            "name": company(rng),
            "uscc": f"91310{rng.randint(10**12, 10**13 - 1)}",
            "address": f"上海市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            "legal_rep_mobile": mask(f"13{rng.randint(100000000, 999999999)}"),
            "registered_capital": f"{rng.randint(10, 5000)}.00",
            "established": f"20{rng.randint(0, 25):02d}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        }
    return None


def detail_for(action: str, rng: random.Random):
    if action == "unmask":
        return {"field": rng.choice(["mobile", "id_number"])}
    if action == "export":
        return {"format": "xlsx", "rows": rng.randint(1, 5000), "query": "district=310115"}
    if action == "import":
        return {
            "file": "entities.csv",
            "created": rng.randint(0, 900),
            "rejected": rng.randint(0, 9),
        }
    if action == "login_failed":
        return {"reason": "password"}
    return None


def load(records: int, batch: int, seed: int) -> float:
    """Append ``records`` chained records after the current head; returns the seconds taken.

    Rows go in with ``executemany`` (no model instances: a million of those would dominate the
    loading time); date-times are adapted by Django's backend, hashes come from the
    application's own canonical functions.
    """
    from django.db import connection, transaction

    from zhijian.audit import services
    from zhijian.audit.canonical import CONTENT_COLUMNS, canonical_json, chain_hash, record_content
    from zhijian.audit.models import AuditChainHead, AuditRecord
    from zhijian.core.masking import mask_mobile

    rng = random.Random(seed)
    weights = [w for _a, w in ACTIONS]
    names = [a for a, _w in ACTIONS]
    users = [
        (f"user{n:03d}", f"{rng.choice(DISTRICTS)}{rng.randint(1, 30):03d}") for n in range(300)
    ]
    columns = [*CONTENT_COLUMNS, "prev_hash", "hash"]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(AuditRecord._meta.db_table)} "  # noqa: S608 - constant names
        f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    adapt_time = connection.ops.adapt_datetimefield_value
    started = time.monotonic()
    with transaction.atomic():
        seq, prev = services.lock_chain()
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    done = 0
    while done < records:
        rows = []
        for _ in range(min(batch, records - done)):
            seq += 1
            action = rng.choices(names, weights)[0]
            username, unit_code = rng.choice(users)
            when += dt.timedelta(seconds=rng.randint(0, 60), microseconds=rng.randint(0, 999999))
            login_like = action in ("login", "logout", "login_failed")
            object_type = "core.user" if login_like else rng.choice(OBJECT_TYPES)
            content = [
                seq,
                when,
                username,
                unit_code,
                f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                rng.choice(["web", "web", "web", "api"]),
                action,
                object_type,
                str(rng.randint(1, 2_000_000)),
                username if login_like else company(rng),
                canonical_json(changes_for(action, rng, mask_mobile)),
                canonical_json(detail_for(action, rng)),
            ]
            digest = chain_hash(prev, record_content(*content))
            content[1] = adapt_time(when)
            rows.append((*content, prev, digest))
            prev = digest
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            AuditChainHead.objects.filter(pk=1).update(
                last_seq=seq, last_hash=prev, updated_at=when
            )
        done += len(rows)
        if done % 100_000 < batch:
            print(f"  loaded {done} records, {time.monotonic() - started:.0f} s", file=sys.stderr)
    return time.monotonic() - started


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="zhijian-bench-"))
    url, drop_database = prepare_database(args, workdir)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    env.update(ZHIJIAN_DATABASE_URL=url, ZHIJIAN_VAR_DIR=str(workdir))
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        seconds = load(args.records, args.batch, args.seed)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE audit_auditrecord")
            elif connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        print(f"loaded {args.records} records in {seconds:.1f} s")

        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "zhijian.cli", "audit", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - started
        sys.stderr.write(proc.stderr)
        print(proc.stdout.strip())
        verdict = "OK" if proc.returncode == 0 and elapsed <= TARGET_SECONDS else "FAILED"
        total = proc.stdout.split()[1] if proc.stdout.startswith("OK:") else "?"
        print(
            f"audit verify: {total} records in {elapsed:.1f} s "
            f"(target ≤ {TARGET_SECONDS:.0f} s) {verdict}"
        )
        return 0 if verdict == "OK" else 1
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()
        if args.database_url or not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
