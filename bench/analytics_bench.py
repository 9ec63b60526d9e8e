"""Analytics at scale: latency of every stats/analytics endpoint and of the payments list on a
large seeded PostgreSQL database, over real HTTP against gunicorn; verify_ledger on that data.

    # once: a database with N seeded payments (the seeding time is printed and recorded)
    export DATABASE_URL=postgres://paygate:paygate@127.0.0.1:55433/bench_analytics
    .venv/bin/python bench/analytics_bench.py --seed 1000000
    # then (or in the same run) the measurements
    .venv/bin/python bench/analytics_bench.py [--requests 25] [--verify-ledger]

`--seed N` runs `migrate` and `seed_demo --payments N` on DATABASE_URL (it must not hold demo
payments yet). The measurements start gunicorn (one sync worker: requests are sent one at a time,
so a second worker would only idle) on a free port with production-like settings, log in as the
demo admin and the demo merchant, warm each URL up, then time `--requests` sequential requests per
URL and role and print p50/p95/max in milliseconds. The target is p50 < 100 ms. `--json FILE`
writes the numbers too.

The demo merchant holds about 40 % of the seeded payments; operators' analytics are global.
Analytics default to the last 30 days (about a third of the 90 seeded days); stats are all-time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
API = "/paygate/api/v1"
TARGET_P50_MS = 100.0
ADMIN = ("admin@paygate.test", "paygate-admin-demo")
MERCHANT = ("merchant@paygate.test", "paygate-merchant-demo")

ANALYTICS = [
    "analytics/payment-volume/",
    "analytics/provider-latency/",
    "analytics/payment-status/",
    "analytics/provider-success/",
    "analytics/failure-reasons/",
    "analytics/timeseries/",
    "analytics/summary/",
]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PAYGATE_SINGLE_PROCESS="true",
        SECURE_SSL_REDIRECT="false",
        ACCESS_TOKEN_MINUTES="240",  # noqa: S106 — a lifetime, not a password
        LOG_LEVEL="WARNING",
    )
    return env


def manage(*args: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command; answer its wall time, its own CPU time (user + system) and its output."""
    began, cpu = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env or server_env(), capture_output=True, text=True)
    elapsed, after = time.monotonic() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime), done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(port: int) -> Iterator[None]:
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "paygate.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=server_env(),
    )  # fmt: skip
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def call(port: int, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    began = time.perf_counter()
    connection.request("POST" if body is not None else "GET", path, payload, headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    connection.close()
    return response.status, json.loads(data or b"{}"), elapsed


def login(port: int, email: str, password: str) -> str:
    status, body, _ = call(port, f"{API}/auth/token/", body={"email": email, "password": password})
    if status != 200:
        sys.exit(f"login as {email} failed: {status} {body}")
    return body["data"]["access"]


def measure(port: int, token: str, path: str, requests: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        status, body, _ = call(port, path, token)
        if status != 200:
            sys.exit(f"GET {path} answered {status}: {body}")
    times = sorted(call(port, path, token)[2] for _ in range(requests))
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max": times[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, metavar="N", help="migrate and seed N payments first")
    parser.add_argument("--requests", type=int, default=25, help="timed requests per URL and role")
    parser.add_argument("--verify-ledger", action="store_true", help="run and time verify_ledger")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to measure (see the docstring).")
    results: dict = {"load_before": os.getloadavg()}

    if args.seed:
        manage("migrate", "--no-input", "-v", "0")
        seconds, cpu, out = manage("seed_demo", "--force", "--payments", str(args.seed))
        results["seeding"] = {
            "payments": args.seed,
            "seconds": round(seconds, 1),
            "python_cpu_seconds": round(cpu, 1),
            "output": out.strip().splitlines()[-2],
            "load_after": os.getloadavg(),
        }
        print(f"seed_demo --payments {args.seed:,}: {seconds:.1f} s (whole command; its own CPU {cpu:.1f} s; "
              f"load {os.getloadavg()[0]:.2f})\n  {results['seeding']['output']}")  # fmt: skip

    if args.verify_ledger:
        seconds, _, out = manage("verify_ledger")
        results["verify_ledger"] = {"seconds": round(seconds, 1), "output": out.strip()}
        print(f"verify_ledger: {seconds:.1f} s — {out.strip()}")

    port = free_port()
    rows = []
    with gunicorn(port):
        admin, merchant = login(port, *ADMIN), login(port, *MERCHANT)
        _, page, _ = call(port, f"{API}/payments/?limit=1", merchant)
        email = page["data"]["results"][0]["customer"]["email"]
        urls = [
            (f"{API}/{path}", role, token)
            for path in ANALYTICS
            for role, token in (("operator", admin), ("merchant", merchant))
        ]
        urls += [
            (f"{API}/admin/stats/", "operator", admin),
            (f"{API}/admin/merchants/", "operator", admin),
            (f"{API}/merchants/stats/", "merchant", merchant),
        ]
        for role, token in (("operator", admin), ("merchant", merchant)):
            urls += [
                (f"{API}/payments/", role, token),
                (f"{API}/payments/?{urlencode({'status': 'failed', 'currency': 'EUR'})}", role, token),
                (f"{API}/payments/?{urlencode({'q': email})}", role, token),
            ]  # fmt: skip
        for url, role, token in urls:
            timing = measure(port, token, url, args.requests)
            rows.append(
                {"url": url.removeprefix(API + "/"), "role": role, **{k: round(v, 1) for k, v in timing.items()}}
            )
            print(
                f"{rows[-1]['url']:<45} {role:<9} p50 {timing['p50']:7.1f} ms  p95 {timing['p95']:7.1f}  max {timing['max']:7.1f}"
            )
    results["requests"] = rows
    results["load_after"] = os.getloadavg()

    print("\n| URL | role | p50 ms | p95 ms | max ms |\n|---|---|---:|---:|---:|")
    for row in rows:
        mark = "" if row["p50"] < TARGET_P50_MS else " ⚠"
        print(f"| `{row['url']}` | {row['role']} | {row['p50']}{mark} | {row['p95']} | {row['max']} |")
    slow = [row for row in rows if row["p50"] >= TARGET_P50_MS]
    print(f"\n{len(rows) - len(slow)}/{len(rows)} under p50 {TARGET_P50_MS:.0f} ms; load average before/after: "
          f"{results['load_before'][0]:.2f} / {results['load_after'][0]:.2f}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
