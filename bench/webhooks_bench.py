"""Webhook delivery benchmark: deliveries per second to a loopback receiver, with 1 and 2 workers.

For each worker count it commits N events for a merchant whose webhook URL is a local receiver
(each event → a `WebhookDelivery` + a task in the django-tasks-db queue), starts that many
`manage.py db_worker` processes and waits until every delivery has succeeded. The rate is N over
the time from the first attempt's start to the last attempt's end (worker start-up excluded).
Every request's Standard Webhooks signature is verified by the receiver, and the run fails if a
delivery is missing, failed, or arrived twice.

    DATABASE_URL=postgres://paygate:paygate@127.0.0.1:55433/hooks_bench .venv/bin/python bench/webhooks_bench.py

The database: `DATABASE_URL` (PostgreSQL; created if it does not exist, migrated, the bench's own
rows deleted before each round and left in place), or `BENCH_PG_URL` (a superuser URL such as
postgres://user:pass@127.0.0.1:5432/postgres) under which a throwaway `bench_hooks_<random>`
database is created and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_EMAIL = "bench@webhooks.bench"


# --- the receiver -------------------------------------------------------------------------------


class Receiver:
    """A threaded HTTP server on 127.0.0.1 answering 200 and verifying every signature."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()
        self.bad_signatures = 0
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                from standardwebhooks import Webhook

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    good = True
                except Exception:
                    good = False
                with receiver.lock:
                    receiver.ids[headers.get("webhook-id", "")] += 1
                    receiver.bad_signatures += not good
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, secret: str) -> None:
        with self.lock:
            self.ids.clear()
            self.bad_signatures = 0
            self.secret = secret


# --- the database -------------------------------------------------------------------------------


def _admin_url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def ensure_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "paygate.settings",
        "DEBUG": "false",
        "SECRET_KEY": "webhooks-bench-" + "x" * 40,
        "PAYGATE_SINGLE_PROCESS": "true",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "LOG_LEVEL": "WARNING",
    }


# --- one round ----------------------------------------------------------------------------------


def clear_bench_rows(merchant: object) -> None:
    from django_tasks_db.models import DBTaskResult

    from webhooks.models import Event, WebhookAttempt, WebhookDelivery

    WebhookAttempt.objects.filter(delivery__merchant=merchant).delete()
    WebhookDelivery.objects.filter(merchant=merchant).delete()
    Event.objects.filter(merchant=merchant).delete()
    DBTaskResult.objects.filter(task_path="webhooks.tasks.deliver_webhook").delete()


def create_events(merchant: object, count: int) -> None:
    from django.db import transaction

    from webhooks.services import event_record

    done = 0
    while done < count:
        with transaction.atomic():  # each delivery's task is queued when its batch commits
            for _ in range(min(100, count - done)):
                event_record(
                    merchant=merchant, type="payment.captured", object_type="payment",
                    object_id=f"pay_Bench{done:010d}",
                    data={"id": f"pay_Bench{done:010d}", "amount": 2599, "currency": "GBP", "status": "captured"},
                )  # fmt: skip
                done += 1


def run_round(*, workers: int, events: int, merchant: object, receiver: Receiver, env: dict[str, str]) -> dict:
    from django.db.models import Max, Min

    from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

    clear_bench_rows(merchant)
    receiver.reset(merchant.webhook_secret)
    create_events(merchant, events)

    logs = tempfile.TemporaryDirectory(prefix="webhooks-bench-")
    procs = []
    try:
        for n in range(workers):
            with open(Path(logs.name) / f"worker-{n}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "manage.py",
                            "db_worker",
                            "--no-reload",
                            "--no-startup-delay",
                            "--interval",
                            "0.05",
                            "--worker-id",
                            f"bench-{n}",
                            "-v",
                            "0",
                        ],
                        cwd=ROOT,
                        env=os.environ | env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + max(120, events / 20)
        while time.monotonic() < deadline:
            if WebhookDelivery.objects.filter(merchant=merchant, status=DeliveryStatus.SUCCEEDED).count() == events:
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker exited:\n" + _logs(logs.name))
            time.sleep(0.2)
        else:
            raise SystemExit("timed out waiting for the deliveries:\n" + _logs(logs.name))
        cpu_seconds = sum(_cpu_seconds(p.pid) for p in procs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        logs_text = _logs(logs.name)
        logs.cleanup()

    attempts = WebhookAttempt.objects.filter(delivery__merchant=merchant)
    span = attempts.aggregate(start=Min("started_at"), end=Max("finished_at"))
    seconds = (span["end"] - span["start"]).total_seconds()
    durations = sorted(attempts.values_list("duration_ms", flat=True))
    missing = events - len(receiver.ids)
    doubled = sum(1 for c in receiver.ids.values() if c > 1)
    if missing or doubled or receiver.bad_signatures or attempts.count() != events:
        raise SystemExit(
            f"wrong outcome: {missing} missing, {doubled} doubled, {receiver.bad_signatures} bad signatures, "
            f"{attempts.count()} attempts for {events} events\n{logs_text}"
        )
    return {
        "workers": workers,
        "events": events,
        "seconds": seconds,
        "rate": events / seconds,
        "p50_ms": statistics.median(durations),
        "p95_ms": durations[int(len(durations) * 0.95) - 1],
        "cpu_ms": cpu_seconds * 1000 / events,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _logs(directory: str) -> str:
    return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(Path(directory).glob("*.log")))


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="deliveries per round (default 2000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per worker count; the best is kept")
    args = parser.parse_args()

    throwaway = None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url and os.environ.get("BENCH_PG_URL"):
        throwaway = _admin_url(os.environ["BENCH_PG_URL"], f"bench_hooks_{secrets.token_hex(4)}")
        database_url = throwaway
    if not database_url or not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL (or BENCH_PG_URL) to a PostgreSQL server; see bench/README.md.")

    ensure_database(database_url)
    env = base_env(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from merchants.models import Merchant, User
    from merchants.services import merchant_register
    from webhooks.services import webhook_settings_update

    try:
        call_command("migrate", verbosity=0)
        receiver = Receiver()
        user = User.objects.filter(email=BENCH_EMAIL).first()
        if user is None:
            merchant, _ = merchant_register(
                email=BENCH_EMAIL, password=secrets.token_urlsafe(16), name="Bench", business_name="Webhooks bench"
            )
        else:
            merchant = Merchant.objects.get(user=user)
        merchant = webhook_settings_update(merchant=merchant, url=receiver.url, event_types=[])

        print(f"webhooks bench: {args.events} deliveries per round, receiver {receiver.url}, {os.cpu_count()} CPUs")
        print(
            f"{'workers':>7} {'deliveries':>10} {'seconds':>8} {'per second':>10} {'POST p50 ms':>11} "
            f"{'POST p95 ms':>11} {'worker CPU ms/delivery':>22}"
        )
        for workers in [int(w) for w in args.workers.split(",")]:
            best = max(
                (
                    run_round(workers=workers, events=args.events, merchant=merchant, receiver=receiver, env=env)
                    for _ in range(args.rounds)
                ),
                key=lambda r: r["rate"],
            )
            print(
                f"{best['workers']:>7} {best['events']:>10} {best['seconds']:>8.2f} {best['rate']:>10.1f} "
                f"{best['p50_ms']:>11} {best['p95_ms']:>11} {best['cpu_ms']:>22.2f}"
            )
        clear_bench_rows(merchant)
    finally:
        if throwaway:
            from django.db import connections

            connections.close_all()
            drop_database(throwaway)


if __name__ == "__main__":
    main()
