"""Where a payment flow's CPU goes: the flow run in-process through Django's test client.

Runs the flow of `bench/payment_flow.py` (create order → pay → fetch → partial refund) with the
same production-like settings, but in this process, so that its Python CPU can be read per step
and profiled. Prints the CPU per step (this process) and per flow request (this process and its
PostgreSQL backend), the statements per step, the Python function calls per flow (a count that
machine load does not change, unlike times), and with `--profile` the functions with the most
cumulative time.

    DATABASE_URL=postgres://paygate:paygate@127.0.0.1:5432/flow_profile \\
      .venv/bin/python bench/flow_profile.py --flows 200 --profile

The database is migrated and gets a merchant of its own; run it against a throwaway database.
Run it in two checkouts (e.g. a `git worktree` of an older commit) to compare them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paygate.settings")
os.environ.update(
    {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PAYGATE_HMAC_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "PAYGATE_SINGLE_PROCESS": "true",
        "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "PAYGATE_LATENCY_SCALE": "0",
        "PAYGATE_VELOCITY_LIMIT": "1000000000",
        "LOG_LEVEL": "WARNING",
    }
)

import django  # noqa: E402 — after the settings' environment

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

API = "/paygate/api/v1"
STEPS = ("order", "pay", "fetch", "refund")
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
CUSTOMER = {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"}


def _client() -> Client:
    from merchants import services as merchant_services
    from payments.providers import ensure_default_profiles

    ensure_default_profiles()
    _, credentials = merchant_services.merchant_register(
        email=f"profile-{secrets.token_hex(4)}@bench.example", password=secrets.token_urlsafe(16),
        name="Bench", business_name="Bench",
    )  # fmt: skip
    return Client(HTTP_X_API_KEY=credentials.key_id, HTTP_X_API_SECRET=credentials.secret)


def _check(response, status: int) -> dict:  # noqa: ANN001 — the test client's response
    if response.status_code != status:
        sys.exit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response.json()["data"]


def _flow(client: Client, step: Callable[[str, Callable[[], Any]], Any] | None = None) -> None:
    """One flow; `step(name, call)` wraps each request (to time it or count its statements)."""
    step = step or (lambda name, call: call())
    json = "application/json"
    order = _check(step("order", lambda: client.post(f"{API}/orders/", {"amount": 2599, "currency": "USD"}, json)), 201)
    body = {"order_id": order["id"], "method": "card", "card": CARD, "customer": CUSTOMER}
    payment = _check(step("pay", lambda: client.post(f"{API}/payments/", body, json)), 201)
    if payment["status"] != "captured":
        sys.exit(f"payment {payment['id']} is {payment['status']}")
    _check(step("fetch", lambda: client.get(f"{API}/payments/{payment['id']}/")), 200)
    refund = {"payment_id": payment["id"], "amount": 100}
    _check(step("refund", lambda: client.post(f"{API}/refunds/", refund, json)), 201)


def _timed(cpu: dict[str, float]) -> Callable[[str, Callable[[], Any]], Any]:
    def step(name: str, call: Callable[[], Any]) -> Any:
        started = time.process_time()
        response = call()
        cpu[name] += time.process_time() - started
        return response

    return step


def _postgres_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (0 on other databases)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _statements(client: Client) -> dict[str, int]:
    """Statements per step of one flow, BEGIN and COMMIT aside (SQLite logs them, PostgreSQL not)."""
    counts = dict.fromkeys(STEPS, 0)
    with CaptureQueriesContext(connection) as queries:

        def step(name: str, call: Callable[[], Any]) -> Any:
            start = len(queries)
            response = call()
            sql = [q["sql"] for q in queries.captured_queries[start:]]
            counts[name] = sum(text not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT") for text in sql)
            return response

        _flow(client, step)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=200, help="flows measured (default 200)")
    parser.add_argument("--warmup", type=int, default=30, help="flows before measuring (default 30)")
    parser.add_argument("--profile", action="store_true", help="also profile the flows and print the top functions")
    parser.add_argument("--top", type=int, default=40, help="functions printed with --profile (default 40)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    client = _client()
    for _ in range(args.warmup):
        _flow(client)
    statements = _statements(client)

    cpu = dict.fromkeys(STEPS, 0.0)
    started, pg_started = time.process_time(), _postgres_cpu()
    for _ in range(args.flows):
        _flow(client, _timed(cpu))
    python_ms = (time.process_time() - started) / args.flows / len(STEPS) * 1000
    postgres_ms = (_postgres_cpu() - pg_started) / args.flows / len(STEPS) * 1000

    print(f"database: {connection.vendor}, {args.flows} flows after {args.warmup} warm-up flows")
    print("| step | statements | CPU ms (this process) |")
    print("|---|---:|---:|")
    for name in STEPS:
        print(f"| {name} | {statements[name]} | {cpu[name] / args.flows * 1000:.2f} |")
    print(f"| whole flow | {sum(statements.values())} | {sum(cpu.values()) / args.flows * 1000:.2f} |")
    print(f"CPU per flow request: {python_ms:.2f} ms here + {postgres_ms:.2f} ms in PostgreSQL")

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.flows):
        _flow(client)
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"Python function calls per flow: {stats.total_calls / args.flows:,.0f}")  # type: ignore[attr-defined]
    if args.profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
