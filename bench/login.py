"""Login benchmark: p95 sign-in time with 100 concurrent users (target ≤ 1 s; requirement 3 s).

Starts the real server (``zhijian serve``: gunicorn, whitenoise, all middleware) on a fresh
database, creates the users, then runs two scenarios from a separate client process:

- burst: all users press "登录" at the same instant (the 08:30 peak), several rounds;
- sustained: every user signs in, opens the home page, signs out and thinks 2–8 s, in a loop.

A sign-in is GET /login/ + POST credentials + the redirect to the home page, timed as one.

    .venv/bin/python bench/login.py [--users 100] [--database-url URL] [--rounds 3] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZHIJIAN = str(Path(sys.executable).with_name("zhijian"))
PASSWORD = "Bench-Passw0rd!"
TARGET_S = 1.0
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict, users: int) -> None:
    subprocess.run([ZHIJIAN, "migrate", "-v", "0"], env=env, check=True)
    code = f"""
import django; django.setup()
from zhijian.core import services, context
from zhijian.core.models import OrgUnit, User
with context.acting_as(context.cli_context()):
    if not OrgUnit.objects.exists():
        services.load_default_org_tree()
    stations = list(OrgUnit.objects.filter(kind="station").order_by("code"))
    for i in range({users}):
        name = f"bench{{i:03d}}"
        if not User.objects.filter(username=name).exists():
            services.create_user(username=name, unit=stations[i % len(stations)],
                roles=["station_inspector"], password={PASSWORD!r}, must_change_password=False)
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def sign_in(base: str, username: str) -> tuple[float, requests.Session]:
    session = requests.Session()
    start = time.perf_counter()
    page = session.get(f"{base}/login/", timeout=60)
    token = CSRF.search(page.text).group(1)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    if response.status_code != 200 or "todo-count" not in response.text:
        raise RuntimeError(f"sign-in of {username} failed: {response.status_code}")
    return elapsed, session


def sign_out(base: str, session: requests.Session) -> None:
    home = session.get(f"{base}/", timeout=60)
    token = CSRF.search(home.text).group(1)
    session.post(f"{base}/logout/", data={"csrfmiddlewaretoken": token}, timeout=60)


def burst(base: str, users: int, rounds: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    for _ in range(rounds):
        barrier = threading.Barrier(users)

        def one(i: int, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            elapsed, session = sign_in(base, f"bench{i:03d}")
            with lock:
                times.append(elapsed)
            sign_out(base, session)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return times


def sustained(base: str, users: int, seconds: float) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(i: int) -> None:
        rng = random.Random(i)
        time.sleep(rng.uniform(0, 5))
        while time.monotonic() < deadline:
            elapsed, session = sign_in(base, f"bench{i:03d}")
            with lock:
                times.append(elapsed)
            time.sleep(rng.uniform(1, 4))
            sign_out(base, session)
            time.sleep(rng.uniform(1, 4))

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (the gunicorn workers)."""
    import psutil

    process = psutil.Process(pid)
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def report(name: str, times: list[float], server_cpu: float, client_cpu: float) -> None:
    verdict = "OK" if p95(times) <= TARGET_S else "ABOVE TARGET"
    print(
        f"login {name}: {len(times)} sign-ins, p50 {statistics.median(times):.3f} s, "
        f"p95 {p95(times):.3f} s, max {max(times):.3f} s (target p95 ≤ {TARGET_S:.0f} s; "
        f"requirement 3 s) {verdict}\n"
        f"  CPU per sign-in cycle (sign-in, home, sign-out): web server "
        f"{server_cpu / len(times) * 1000:.0f} ms, load client "
        f"{client_cpu / len(times) * 1000:.0f} ms"
    )


def measured(scenario, server_pid: int, *args) -> tuple[list[float], float, float]:
    server_before, client_before = cpu_seconds(server_pid), time.process_time()
    times = scenario(*args)
    return times, cpu_seconds(server_pid) - server_before, time.process_time() - client_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="zhijian-bench-")
    database_url, cleanup = fresh_database(args.database_url, Path(tmp))
    env = {
        **os.environ,
        "ZHIJIAN_VAR_DIR": tmp,
        "ZHIJIAN_SECRET_KEY": "bench-" + "x" * 50,
        "ZHIJIAN_SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "zhijian.settings",
    }
    env["ZHIJIAN_DATABASE_URL"] = database_url
    prepare(env, args.users)
    port = free_port()
    server_cmd = [ZHIJIAN, "serve", "--port", str(port)]
    if args.workers:
        server_cmd += ["--workers", str(args.workers)]
    if args.threads:
        server_cmd += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        server_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.get(f"{base}/login/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.25)
        database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
        print(f"database: {database}; CPU cores: {os.cpu_count()}; users: {args.users}")
        report("burst (all at once)", *measured(burst, server.pid, base, args.users, args.rounds))
        report(
            "sustained (think time 2–8 s)",
            *measured(sustained, server.pid, base, args.users, args.seconds),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
