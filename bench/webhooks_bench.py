"""Webhook delivery benchmark: deliveries per second to a loopback receiver, one worker process.

Each round commits N events (in transactions of 100) for a merchant whose webhook URL is a local
receiver, starts one worker process (`manage.py worker` by default, or `db_worker`) and waits until
every delivery has succeeded. The rate is N over the time from the first attempt's start to the
last attempt's end (worker start-up excluded). The receiver verifies every request's Standard
Webhooks signature, and a round fails if a delivery is missing, failed, or arrived twice.

With `--baseline DIR` (another checkout of the project, e.g. a `git worktree` of an older commit)
each round runs the baseline and this checkout one after the other, in alternating order, against
the same database, receiver and merchant, so machine noise hits both alike. The events are
written, and the worker run, by each checkout's own code.

    DATABASE_URL=postgres://paygate:paygate@127.0.0.1:55432/hooks_bench \
        .venv/bin/python bench/webhooks_bench.py --baseline ../paygate-before --rounds 5

The database: `DATABASE_URL` (PostgreSQL; created if it does not exist, migrated, the bench's own
rows deleted before each round and left in place), or `BENCH_PG_URL` (a superuser URL such as
postgres://user:pass@127.0.0.1:5432/postgres) under which a throwaway `bench_hooks_<random>`
database is created and dropped at the end. Both checkouts must share the database schema.
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

# Run by each checkout's own interpreter in its own directory, so the events are written (and
# their deliveries queued) by the code under test.
CREATE_EVENTS = """
import sys
import django

django.setup()
from django.db import transaction

from merchants.models import Merchant
from webhooks.services import event_record

merchant = Merchant.objects.get(pk=int(sys.argv[1]))
count = int(sys.argv[2])
done = 0
while done < count:
    with transaction.atomic():  # the deliveries are queued when each batch commits
        for _ in range(min(100, count - done)):
            object_id = f"pay_Bench{done:010d}"
            event_record(
                merchant=merchant, type="payment.captured", object_type="payment", object_id=object_id,
                data={"id": object_id, "amount": 2599, "currency": "GBP", "status": "captured"},
            )
            done += 1
"""


def clear_bench_rows(merchant: object) -> None:
    from django_tasks_db.models import DBTaskResult

    from webhooks.models import Event, WebhookAttempt, WebhookDelivery

    WebhookAttempt.objects.filter(delivery__merchant=merchant).delete()
    WebhookDelivery.objects.filter(merchant=merchant).delete()
    Event.objects.filter(merchant=merchant).delete()
    DBTaskResult.objects.filter(task_path__startswith="webhooks.tasks.").delete()


def worker_command(command: str, n: int) -> list[str]:
    if command == "worker":
        return [sys.executable, "manage.py", "worker", "--interval", "0.05", "--worker-id", f"bench-{n}"]
    return [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05",
            "--worker-id", f"bench-{n}", "-v", "0"]  # fmt: skip


def run_round(
    *, tree: Path, command: str, workers: int, events: int, merchant: object, receiver: Receiver, env: dict[str, str]
) -> dict:
    from django.db.models import Max, Min

    from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

    clear_bench_rows(merchant)
    receiver.reset(merchant.webhook_secret)
    subprocess.run(
        [sys.executable, "-c", CREATE_EVENTS, str(merchant.pk), str(events)], cwd=tree, env=os.environ | env, check=True
    )

    logs = tempfile.TemporaryDirectory(prefix="webhooks-bench-")
    procs = []
    started_cpu = 0.0
    try:
        for n in range(workers):
            with open(Path(logs.name) / f"worker-{n}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        worker_command(command, n),
                        cwd=tree,
                        env=os.environ | env | {"PYTHONUNBUFFERED": "1"},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        if command == "worker":
            # `worker` prints a line once Django is set up: the CPU spent until then is start-up.
            started_cpu = _cpu_at_start(procs, logs.name)
        deadline = time.monotonic() + max(120, events / 20)
        while time.monotonic() < deadline:
            if WebhookDelivery.objects.filter(merchant=merchant, status=DeliveryStatus.SUCCEEDED).count() == events:
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker exited:\n" + _logs(logs.name))
            time.sleep(0.1)
        else:
            raise SystemExit("timed out waiting for the deliveries:\n" + _logs(logs.name))
        cpu_seconds = sum(_cpu_seconds(p.pid) for p in procs) - started_cpu
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
        "load": os.getloadavg()[0],
    }


def _cpu_at_start(procs: list[subprocess.Popen[bytes]], directory: str) -> float:
    deadline = time.monotonic() + 60
    waiting = {n: p for n, p in enumerate(procs)}
    cpu = 0.0
    while waiting and time.monotonic() < deadline:
        for n, proc in list(waiting.items()):
            text = (Path(directory) / f"worker-{n}.log").read_text(errors="replace")
            if text.startswith("worker "):
                cpu += _cpu_seconds(proc.pid)
                del waiting[n]
            elif proc.poll() is not None:
                raise SystemExit("a worker exited:\n" + _logs(directory))
        time.sleep(0.005)
    return cpu


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

COLUMNS = (
    f"{'code':<10} {'round':>5} {'load':>5} {'deliveries':>10} {'seconds':>8} {'per second':>10} "
    f"{'POST p50 ms':>11} {'POST p95 ms':>11} {'worker CPU ms/delivery':>22}"
)


def _row(name: str, label: str, r: dict) -> str:
    return (
        f"{name:<10} {label:>5} {r['load']:>5.1f} {r['events']:>10} {r['seconds']:>8.2f} {r['rate']:>10.1f} "
        f"{r['p50_ms']:>11} {r['p95_ms']:>11} {r['cpu_ms']:>22.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="deliveries per round (default 2000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per checkout (default 3)")
    parser.add_argument("--command", choices=["worker", "db_worker"], default="worker", help="the worker command")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with, round by round")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE,…",
        help="also run this checkout with these settings in its environment, e.g. "
        "serial:PAYGATE_WEBHOOK_CONCURRENCY=1 (repeatable)",
    )
    args = parser.parse_args()

    throwaway = None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url and os.environ.get("BENCH_PG_URL"):
        throwaway = _admin_url(os.environ["BENCH_PG_URL"], f"bench_hooks_{secrets.token_hex(4)}")
        database_url = throwaway
    if not database_url or not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL (or BENCH_PG_URL) to a PostgreSQL server; see bench/README.md.")

    trees: dict[str, tuple[Path, dict[str, str]]] = {}
    if args.baseline:
        if not (args.baseline / "manage.py").exists():
            raise SystemExit(f"--baseline {args.baseline}: not a checkout of the project")
        trees["baseline"] = (args.baseline.resolve(), {})
    trees["this"] = (ROOT, {})
    for variant in args.variant:
        name, _, assignments = variant.partition(":")
        trees[name] = (ROOT, dict(a.split("=", 1) for a in assignments.split(",") if a))

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

        print(
            f"webhooks bench: {args.events} deliveries per round, {args.workers} `{args.command}` process(es), "
            f"receiver {receiver.url}, {os.cpu_count()} CPUs"
        )
        for name, (tree, extra) in trees.items():
            commit = subprocess.run(
                ["git", "log", "-1", "--format=%h %s"], cwd=tree, capture_output=True, text=True, check=False
            ).stdout.strip()
            settings_text = " ".join(f"{k}={v}" for k, v in extra.items())
            print(f"  {name}: {commit[:70]} {settings_text}".rstrip())
        print(COLUMNS, flush=True)
        results: dict[str, list[dict]] = {name: [] for name in trees}
        for n in range(args.rounds):
            order = list(trees) if n % 2 == 0 else list(reversed(trees))
            for name in order:
                tree, extra = trees[name]
                r = run_round(
                    tree=tree, command=args.command, workers=args.workers, events=args.events,
                    merchant=merchant, receiver=receiver, env=env | extra,
                )  # fmt: skip
                results[name].append(r)
                print(_row(name, str(n + 1), r), flush=True)
        print("median of the rounds:")
        print(COLUMNS)
        for name, rounds in results.items():
            median = {
                key: statistics.median(r[key] for r in rounds)
                for key in ("load", "seconds", "rate", "p50_ms", "p95_ms", "cpu_ms")
            }
            median["events"] = args.events
            print(_row(name, "med", median))
        clear_bench_rows(merchant)
    finally:
        if throwaway:
            from django.db import connections

            connections.close_all()
            drop_database(throwaway)


if __name__ == "__main__":
    main()
