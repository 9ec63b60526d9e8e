"""Payment-flow benchmark: gunicorn on PostgreSQL, N concurrent clients, one version or two side by side.

Each client runs the flow *create order → pay with a test card → fetch the payment → partial refund*
in a loop and checks every answer (201/201/200/201, the payment `captured`, the refund `processed`).

    .venv/bin/python bench/payment_flow.py --clients 16 --duration 20
    .venv/bin/python bench/payment_flow.py --compare 5aae86e --clients 1,16,32 --mode both

One version (the default): this tree, with `GET health/` (no auth, no database) measured by the same
clients as the ceiling. The two workloads alternate in slices (`--rounds`), so a burst of load from
something else on the machine hits both alike; when `wrk` is installed the ceiling is measured a
second time with it, to show what the Python clients cost.

Two versions (`--compare OLD_REF`): a temporary `git worktree` of OLD_REF (its `.venv` a link to
this tree's, so both run the same interpreter and packages) against this tree, each with its own
database (migrated by its own `manage.py`), merchant and gunicorn (same settings, other ports). The
versions take turns, slice by slice (old, new, old, new, … `--rounds` each), so noise hits both; the
CPU of each slice is read for the version that ran it only: its gunicorn's process tree, its task
worker's and its database's PostgreSQL backends. The tables print as Markdown.

`--mode request` is processing in the request (the immediate task backend); `--mode worker` is the
database task queue with one worker per version (`manage.py worker` where the tree has it, else
django-tasks-db's `db_worker`): the client then polls `GET payments/{id}/` until the payment is final
and `GET refunds/{id}/` until the refund is processed, and the time from the POST to the first
answer that shows it final is reported as "payment final" / "refund final". After each mode each
version's database is checked with `verify_ledger` (and `verify_counts` where the tree has it).

The databases: `DATABASE_URL` if set (used as it is, and left in place; one version only); else
throwaway databases `<--db-prefix>_…` created through `BENCH_PG_URL` (a superuser URL, e.g.
postgresql://user:pass@127.0.0.1:5432/postgres) and dropped at the end; else a throwaway private
cluster (initdb from `pg_config --bindir`, fsync off) that is removed at the end.

Clients are separate processes (one per client, no GIL contention) speaking HTTP/1.1 over raw
sockets, with keep-alive when the server allows it (gunicorn's sync workers close every
connection). They share the machine with the server: their CPU per request is printed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import math
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
API = "/paygate/api/v1"
CARD = "4242424242424242"
ORDER_AMOUNT = 2599
REFUND_AMOUNT = 100
STEPS = ("create order", "pay (card)", "fetch payment", "partial refund")
PAYMENT_FINAL, REFUND_FINAL, POLL = "payment final", "refund final", "status poll"
# Timed requests that count as "flow requests" (the status polls are not: their CPU is spread over these).
REQUEST_STEPS = (*STEPS, "health")
PAYMENT_PENDING = frozenset({"created", "processing", "authorized"})
REFUND_PENDING = frozenset({"pending"})
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
SOCKET_TIMEOUT = 30.0

MODES = {
    "request": ("django.tasks.backends.immediate.ImmediateBackend", "processing in the request"),
    "worker": ("django_tasks_db.DatabaseBackend", "database task queue, one worker, the client polling"),
}
# The performance issue's targets, judged on --compare runs (new against old).
TARGET_SPEEDUP = {"request": 2.0, "worker": 1.5}  # flows/s, new ÷ old …
TARGET_SPEEDUP_CLIENTS = (16, 32)  # … at these client counts, with no errors
TARGET_CPU_MS = 8.0  # CPU per flow request, gunicorn + PostgreSQL, request mode
TARGET_PAY_P50_MS = 20.0  # one client's pay step, request mode
TARGET_FINAL_P50_MS = 150.0  # one client's payment final, worker mode


# --- a minimal HTTP/1.1 client (runs in the client processes) ----------------------------------


class HttpError(Exception):
    pass


class Http:
    """One connection, reused while the server keeps it open. Just enough HTTP for this benchmark:
    Content-Length bodies, `Connection: close` honoured, no chunked encoding, no retries."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.addr = (host, port)
        self.head = f"Host: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.head}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        data = head.encode() + b"\r\n" + payload
        # No retries: every failure counts. Slices close their connection at the end, so none goes
        # stale (closed by the server's keep-alive timeout) between slices.
        if self.sock is None:
            self.sock = socket.create_connection(self.addr, timeout=SOCKET_TIMEOUT)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        sock.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise HttpError("connection closed before the response")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        version, status, *_ = lines[0].split(b" ", 2)
        length, close = None, version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise HttpError("chunked responses are not supported")
        if length is None:
            raise HttpError("response without Content-Length")
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise HttpError("connection closed inside the body")
            rest += chunk
        if close:
            self.close()
        return int(status), rest[:length]


@dataclass
class SliceResult:
    """What one client did in one slice. Latencies in seconds, per step."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    flows: int = 0
    started: float = 0.0
    finished: float = 0.0
    cpu: float = 0.0

    def add(self, step: str, seconds: float) -> None:
        self.latencies.setdefault(step, []).append(seconds)

    def error(self, step: str, message: str) -> None:
        self.errors[step] = self.errors.get(step, 0) + 1
        if len(self.samples) < 3:
            self.samples.append(f"{step}: {message[:300]}")


@dataclass(frozen=True)
class Job:
    """One slice for every client: which workload, against which server, until when."""

    workload: str  # "flow" or "health"
    port: int
    auth: str
    start_at: float
    until: float
    queued: bool = False  # processing in a worker: poll until final
    poll: float = 0.01
    timeout: float = 10.0


def _call(http: Http, result: SliceResult, step: str, expect: int, method: str, path: str, body: Any = None) -> Any:
    """One timed request; the parsed `data` of the envelope, or None after recording the error."""
    t0 = time.perf_counter()
    try:
        status, raw = http.request(method, path, body)
    except (OSError, HttpError, ValueError) as exc:
        http.close()
        result.error(step, f"{type(exc).__name__}: {exc}")
        return None
    result.add(step, time.perf_counter() - t0)
    if status != expect:
        result.error(step, f"HTTP {status}: {raw[:300]!r}")
        return None
    try:
        return json.loads(raw)["data"]
    except (ValueError, KeyError) as exc:
        result.error(step, f"bad body ({exc}): {raw[:300]!r}")
        return None


def _await_final(
    http: Http, result: SliceResult, step: str, path: str, obj: Any, pending: frozenset[str], since: float, job: Job,
    deadline: float,
) -> Any:  # fmt: skip
    """Polls `path` until the object's status leaves `pending`, and records under `step` the time from
    `since` (the start of its POST) to the first answer that shows it so; None after an error."""
    while obj["status"] in pending:
        if time.monotonic() >= deadline:
            result.error(step, f"{obj['id']} still {obj['status']} after {job.timeout:g} s of flow")
            return None
        time.sleep(job.poll)
        obj = _call(http, result, POLL, 200, "GET", path)
        if obj is None:
            return None
    result.add(step, time.perf_counter() - since)
    return obj


def run_flows(http: Http, job: Job, client: int) -> SliceResult:
    result = SliceResult()
    card = {"number": CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "Ava Reed"}
    customer = {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"}
    n = 0
    while time.monotonic() < job.until:
        n += 1
        t0, deadline = time.perf_counter(), time.monotonic() + job.timeout
        order = _call(
            http, result, STEPS[0], 201, "POST", f"{API}/orders/",
            {"amount": ORDER_AMOUNT, "currency": "GBP", "receipt": f"bench-{client}-{n}"},
        )  # fmt: skip
        if order is None:
            continue
        body = {"order_id": order["id"], "method": "card", "card": card, "customer": customer}
        since = time.perf_counter()
        payment = _call(http, result, STEPS[1], 201, "POST", f"{API}/payments/", body)
        if payment is None:
            continue
        if job.queued:
            path = f"{API}/payments/{payment['id']}/"
            payment = _await_final(http, result, PAYMENT_FINAL, path, payment, PAYMENT_PENDING, since, job, deadline)
            if payment is None:
                continue
        if payment["status"] != "captured":
            step = PAYMENT_FINAL if job.queued else STEPS[1]
            result.error(step, f"payment {payment['id']} is {payment['status']}, not captured")
            continue
        fetched = _call(http, result, STEPS[2], 200, "GET", f"{API}/payments/{payment['id']}/")
        if fetched is None:
            continue
        body = {"payment_id": payment["id"], "amount": REFUND_AMOUNT}
        since = time.perf_counter()
        refund = _call(http, result, STEPS[3], 201, "POST", f"{API}/refunds/", body)
        if refund is None:
            continue
        if job.queued:
            path = f"{API}/refunds/{refund['id']}/"
            refund = _await_final(http, result, REFUND_FINAL, path, refund, REFUND_PENDING, since, job, deadline)
            if refund is None:
                continue
        if refund["status"] != "processed":
            step = REFUND_FINAL if job.queued else STEPS[3]
            result.error(step, f"refund {refund['id']} is {refund['status']}, not processed")
            continue
        result.add("whole flow", time.perf_counter() - t0)
        result.flows += 1
    return result


def run_health(http: Http, job: Job) -> SliceResult:
    result = SliceResult()
    while time.monotonic() < job.until:
        _call(http, result, "health", 200, "GET", f"{API}/health/")
    return result


def client_main(conn: Any, client: int) -> None:
    """A client process: runs the slices the coordinator sends until it sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops us
    while (job := conn.recv()) is not None:
        http = Http("127.0.0.1", job.port, {"Authorization": job.auth, "Accept": "application/json"})
        time.sleep(max(0.0, job.start_at - time.monotonic()))
        cpu0, t0 = time.process_time(), time.monotonic()
        result = run_flows(http, job, client) if job.workload == "flow" else run_health(http, job)
        http.close()
        result.started, result.finished = t0, time.monotonic()
        result.cpu = time.process_time() - cpu0
        conn.send(result)


# --- measurements on the server side ----------------------------------------------------------


def _stat_fields(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the command name: [0] state, [1] ppid, [11:15] utime stime cutime cstime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def tree_cpu(roots: list[int]) -> list[float]:
    """CPU seconds of each root's process tree: every live process under it, plus what its reaped
    children used (cutime, cstime), so a worker that exits between two samples is not lost."""
    parent, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = _stat_fields(entry.name)
                pid = int(entry.name)
                parent[pid] = int(fields[1])
                cpu[pid] = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    totals = []
    for root in roots:
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += cpu.get(pid, 0.0)
            todo.extend(children.get(pid, []))
        totals.append(total)
    return totals


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


def background_busy(seconds: float = 2.0) -> float:
    """CPUs kept busy by everything else on the machine, sampled while this benchmark is idle."""
    busy0, all0 = _machine_busy()
    time.sleep(seconds)
    busy1, all1 = _machine_busy()
    return (busy1 - busy0) / (all1 - all0) * (os.cpu_count() or 1) if all1 > all0 else float("nan")


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "?"


# --- PostgreSQL ----------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def throwaway_database(admin_url: str, name: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def private_cluster() -> Iterator[str]:
    """A PostgreSQL cluster of our own in a temporary directory (initdb takes about a second)."""
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise SystemExit("No PostgreSQL: set DATABASE_URL or BENCH_PG_URL, or install PostgreSQL (pg_config).")
    bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres"
    workdir = Path(tempfile.mkdtemp(prefix="bench_flow_pg_"))
    if user:
        shutil.chown(workdir, user)
    data, port = workdir / "data", free_port()
    run = {"user": user, "check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    subprocess.run([bindir / "initdb", "-D", data, "-A", "trust", "-U", "bench", "--no-sync"], **run)
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir} -c fsync=off"
    log = workdir / "postgres.log"
    try:
        subprocess.run([bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start"], **run)
        try:
            yield f"postgresql://bench@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], **{**run, "check": False})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def databases(labels: list[str], prefix: str) -> Iterator[tuple[list[str], str]]:
    """(a DATABASE_URL per version, how they were obtained)."""
    if url := os.environ.get("DATABASE_URL"):
        if len(labels) > 1:
            raise SystemExit("--compare needs a database per version: set BENCH_PG_URL instead of DATABASE_URL")
        yield [url], "DATABASE_URL (kept)"
        return
    token = secrets.token_hex(4)
    names = [f"{prefix}_{label}_{token}" if label else f"{prefix}_{token}" for label in labels]
    with contextlib.ExitStack() as stack:
        if admin := os.environ.get("BENCH_PG_URL"):
            how = "throwaway databases on BENCH_PG_URL's server (dropped)"
        else:
            admin = stack.enter_context(private_cluster())
            how = "private throwaway cluster (removed)"
        urls = [stack.enter_context(throwaway_database(admin, name)) for name in names]
        yield urls, how if len(urls) > 1 else how.replace("databases", "database")


class PostgresCpu:
    """CPU used by the PostgreSQL backends of one database, read from /proc: only when the server runs
    on this machine (a backend's command line names its database)."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)
        self.name = self.conn.info.dbname

    def sample(self) -> dict[int, float]:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        found = {}
        for (pid,) in self.conn.execute(query).fetchall():
            with contextlib.suppress(OSError):
                if f" {self.name} ".encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found[pid] = _proc_cpu_seconds(pid)
        return found

    def tasks(self) -> tuple[int, int]:
        """(tasks queued and due or running, tasks failed) in the database task queue."""
        query = """
            SELECT count(*) FILTER (WHERE status = 'RUNNING' OR (status = 'READY'
                       AND (run_after <= now() OR run_after >= '9999-01-01'))),
                   count(*) FILTER (WHERE status = 'FAILED')
            FROM django_tasks_database_dbtaskresult
        """
        row = self.conn.execute(query).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def close(self) -> None:
        self.conn.close()


# --- the versions and their servers ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git(*args: str | Path) -> str:
    done = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"git {' '.join(map(str, args))}: {done.stderr.strip()}")
    return done.stdout.strip()


def this_tree() -> str:
    """This tree's commit, and whether it has uncommitted changes (they are what runs)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (SystemExit, OSError):
        return "this tree"
    return f"{head} + uncommitted changes" if dirty else head


@contextlib.contextmanager
def old_worktree(ref: str) -> Iterator[tuple[Path, str]]:
    """A temporary `git worktree` of `ref` (detached), removed at the end; its `.venv` links to ours."""
    commit = _git("rev-parse", "--verify", "--short", f"{ref}^{{commit}}")
    workdir = Path(tempfile.mkdtemp(prefix="bench_flow_old_"))
    tree = workdir / "tree"
    try:
        _git("worktree", "add", "--detach", "--quiet", tree, commit)
        try:
            if (ROOT / ".venv").exists():
                (tree / ".venv").symlink_to(ROOT / ".venv")
            yield tree, commit
        finally:
            with contextlib.suppress(OSError):
                (tree / ".venv").unlink()
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], capture_output=True, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "prune"], capture_output=True, check=False)


@dataclass
class Version:
    """One version of PayGate under test: its tree, database, merchant and (while a mode runs) servers."""

    label: str  # "old", "new", or "" when only this tree runs
    root: Path
    commit: str
    database_url: str = ""
    auth: str = ""
    commands: frozenset[str] = frozenset()
    port: int = 0
    server: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    worker_log: str = ""
    pg: PostgresCpu | None = None
    # One per version: API secrets are stored as an HMAC keyed by it, so every process must share it.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def name(self) -> str:
        return f"{self.label} ({self.commit})" if self.label else self.commit

    @property
    def worker_command(self) -> str:
        return "worker" if (self.root / "paygate/management/commands/worker.py").exists() else "db_worker"

    def env(self, mode: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(self.root),  # this version's code, whatever the caller's environment says
            "DJANGO_SETTINGS_MODULE": "paygate.settings",
            "DATABASE_URL": self.database_url,
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "PAYGATE_SINGLE_PROCESS": "true",  # no Redis: rate limits do not apply to these endpoints
            "TASKS_BACKEND": MODES[mode][0],
            "PAYGATE_LATENCY_SCALE": "0",
            "PAYGATE_VELOCITY_LIMIT": "1000000000",  # every flow pays with the same test card
        }

    def manage(self, args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=self.root, env=env, check=check, capture_output=True, text=True)


SETUP = """
import json
from merchants.services import merchant_register
from payments.providers import ensure_default_profiles
ensure_default_profiles()
merchant, credentials = merchant_register(
    email="bench-flow@example.com", password="bench-flow-password-not-used",
    name="Bench Flow", business_name="Bench Flow Shop",
)
print("BENCH_CREDENTIALS", json.dumps({"key": credentials.key_id, "secret": credentials.secret}))
"""


def prepare(version: Version) -> None:
    """Migrate the version's database with its own tree, create its merchant, list its commands."""
    env = version.env("request")
    try:
        version.manage(["migrate", "--verbosity", "0"], env)
        out = version.manage(["shell", "--no-imports", "-c", SETUP], env).stdout
        commands = version.manage(["help", "--commands"], env).stdout
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{version.name}: {' '.join(exc.cmd[1:])} failed:\n{(exc.stderr or '')[-3000:]}") from exc
    line = next(x for x in out.splitlines() if x.startswith("BENCH_CREDENTIALS "))
    creds = json.loads(line.split(" ", 1)[1])
    version.auth = "Basic " + base64.b64encode(f"{creds['key']}:{creds['secret']}".encode()).decode()
    version.commands = frozenset(commands.split())


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the process and its children
            proc.wait()


def _tail(path: str) -> str:
    with contextlib.suppress(OSError):
        return Path(path).read_text(errors="replace")[-3000:]
    return ""


@contextlib.contextmanager
def gunicorn(version: Version, env: dict[str, str], workers: int, threads: int) -> Iterator[subprocess.Popen]:
    log = tempfile.NamedTemporaryFile(prefix="bench_flow_gunicorn_", suffix=".log", delete=False)  # noqa: SIM115
    version.port = port = free_port()
    command = [sys.executable, "-m", "gunicorn", "paygate.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--no-control-socket"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(
        command, cwd=version.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{version.name}: gunicorn exited ({proc.returncode}):\n{_tail(log.name)}")
            http = Http("127.0.0.1", port, {})
            with contextlib.suppress(OSError, HttpError):
                if http.request("GET", f"{API}/health/")[0] == 200:
                    break
            http.close()
            if time.monotonic() > deadline:
                raise SystemExit(f"{version.name}: gunicorn did not answer in 30 s:\n{_tail(log.name)}")
            time.sleep(0.2)
        http.close()
        version.server = proc
        yield proc
    finally:
        version.server = None
        _stop(proc)
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


@contextlib.contextmanager
def task_worker(version: Version, env: dict[str, str], interval: float | None) -> Iterator[subprocess.Popen]:
    """One task worker: `manage.py worker` where the tree has it, else django-tasks-db's `db_worker`."""
    log = tempfile.NamedTemporaryFile(prefix="bench_flow_worker_", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "manage.py", version.worker_command]
    if version.worker_command == "db_worker":
        command.append("--no-reload")
    if interval is not None:
        command += ["--interval", f"{interval:g}"]
    proc = subprocess.Popen(
        command, cwd=version.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        time.sleep(1.0)
        if proc.poll() is not None:
            raise SystemExit(f"{version.name}: {version.worker_command} exited ({proc.returncode}):\n{_tail(log.name)}")
        version.worker, version.worker_log = proc, log.name
        yield proc
    finally:
        version.worker = None
        _stop(proc)
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


def drain(version: Version, seconds: float = 30.0) -> tuple[int, int]:
    """Waits until the version's task queue has nothing due or running; (left, failed)."""
    assert version.pg is not None
    deadline = time.monotonic() + seconds
    left, failed = version.pg.tasks()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left, failed = version.pg.tasks()
    return left, failed


def verify(version: Version) -> dict[str, dict[str, Any]]:
    """`verify_ledger` (and `verify_counts` where the tree has it) on the version's database."""
    found = {}
    for command in ("verify_ledger", "verify_counts"):
        if command not in version.commands:
            continue
        done = version.manage([command], version.env("request"), check=False)
        lines = (done.stdout + done.stderr).strip().splitlines()
        found[command] = {"ok": done.returncode == 0, "output": lines[-1] if lines else ""}
    return found


# --- coordinating the clients ---------------------------------------------------------------------


@dataclass
class Totals:
    """Everything one workload did against one version over all its slices."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    flows: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    worker_cpu: float = 0.0
    pg_cpu: float = 0.0
    pg_seen: bool = False
    machine_busy: float = 0.0
    slices: list[float] = field(default_factory=list)  # requests per second of each slice
    slice_flows: list[float] = field(default_factory=list)  # flows per second of each slice

    def requests(self) -> int:
        return sum(len(v) for k, v in self.latencies.items() if k in REQUEST_STEPS)

    def error_count(self) -> int:
        return sum(self.errors.values())


class Clients:
    def __init__(self, n: int) -> None:
        ctx = mp.get_context("spawn")
        self.conns, self.procs = [], []
        for i in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_main, args=(child, i), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    def run(
        self, workload: str, version: Version, seconds: float, mode: str, args: argparse.Namespace
    ) -> list[SliceResult]:
        start_at = time.monotonic() + 0.5  # every client starts together
        job = Job(
            workload, version.port, version.auth, start_at, start_at + seconds,
            queued=mode == "worker", poll=args.poll_interval, timeout=args.flow_timeout,
        )  # fmt: skip
        for conn in self.conns:
            conn.send(job)
        results = []
        for conn in self.conns:
            if not conn.poll(seconds + SOCKET_TIMEOUT + args.flow_timeout + 30):
                raise SystemExit("a client did not report back in time")
            results.append(conn.recv())
        return results

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def measure(
    clients: Clients, version: Version, workload: str, seconds: float, mode: str, args: argparse.Namespace,
    totals: Totals,
) -> None:  # fmt: skip
    """One slice against one version; the CPU read is that version's only (the other one is idle)."""
    assert version.server is not None and version.pg is not None
    roots = [version.server.pid] + ([version.worker.pid] if version.worker else [])
    cpu0, pg0 = tree_cpu(roots), version.pg.sample()
    busy0, all0 = _machine_busy()
    results = clients.run(workload, version, seconds, mode, args)
    busy1, all1 = _machine_busy()
    cpu1, pg1 = tree_cpu(roots), version.pg.sample()
    if version.worker is not None and version.worker.poll() is not None:
        raise SystemExit(f"{version.name}: the task worker exited:\n{_tail(version.worker_log)}")
    totals.server_cpu += cpu1[0] - cpu0[0]
    if len(roots) > 1:
        totals.worker_cpu += cpu1[1] - cpu0[1]
    totals.pg_seen = totals.pg_seen or bool(pg1)
    totals.pg_cpu += sum(cpu - pg0.get(pid, 0.0) for pid, cpu in pg1.items())
    totals.machine_busy += (busy1 - busy0) / (all1 - all0) * (os.cpu_count() or 1) if all1 > all0 else 0.0
    elapsed = max(r.finished for r in results) - min(r.started for r in results)
    requests = flows = 0
    for r in results:
        for step, values in r.latencies.items():
            totals.latencies.setdefault(step, []).extend(values)
            if step in REQUEST_STEPS:
                requests += len(values)
        for step, count in r.errors.items():
            totals.errors[step] = totals.errors.get(step, 0) + count
        totals.samples.extend(r.samples[: max(0, 5 - len(totals.samples))])
        flows += r.flows
        totals.client_cpu += r.cpu
    totals.flows += flows
    totals.seconds += elapsed
    totals.slices.append(requests / elapsed)
    totals.slice_flows.append(flows / elapsed)


@dataclass
class WrkTotals:
    """The ceiling measured by wrk (C, epoll: a far lighter client than ours), slice by slice."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    slices: list[float] = field(default_factory=list)


def _wrk_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def run_wrk(wrk: str, port: int, clients: int, seconds: float, totals: WrkTotals) -> None:
    seconds = max(1, round(seconds))
    url = f"http://127.0.0.1:{port}{API}/health/"
    command = [wrk, "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60).stdout
    rate = None
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            rate = float(words[1])
        elif words[:1] == ["50%"]:
            totals.p50.append(_wrk_ms(words[1]))
        elif words[:1] == ["99%"]:
            totals.p99.append(_wrk_ms(words[1]))
        elif line.strip().startswith("Non-2xx"):
            totals.errors += int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            totals.errors += sum(int(w.rstrip(",")) for w in words if w.rstrip(",").isdigit())
    if rate is None:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    totals.requests += round(rate * seconds)
    totals.seconds += seconds
    totals.slices.append(rate)


# --- one mode: servers up, every client count, then the checks -----------------------------------


@dataclass
class Cell:
    """One mode at one client count: the flow per version and, with one version, the ceiling."""

    mode: str
    clients: int
    flow: dict[str, Totals]  # by version label
    health: Totals | None = None
    wrk: WrkTotals | None = None


def run_mode(
    args: argparse.Namespace, mode: str, versions: list[Version], wrk_path: str | None
) -> tuple[list[Cell], dict[str, dict[str, Any]]]:
    single = len(versions) == 1
    piece = args.duration / args.rounds
    cells, checks = [], {}
    with contextlib.ExitStack() as stack:
        for v in versions:
            env = v.env(mode)
            stack.enter_context(gunicorn(v, env, args.workers, args.threads))
            if mode == "worker":
                interval = args.db_worker_interval if v.worker_command == "db_worker" else None
                stack.enter_context(task_worker(v, env, interval))
        for n in args.clients:
            cell = Cell(mode, n, {v.label: Totals() for v in versions})
            if single:
                cell.health, cell.wrk = Totals(), (WrkTotals() if wrk_path else None)
            clients = Clients(n)
            try:
                print(f"{mode} mode, {n} client(s): warming up ({args.warmup:g} s per version) …", flush=True)
                for v in versions:
                    clients.run("flow", v, args.warmup / 2, mode, args)
                    clients.run("health" if single else "flow", v, args.warmup / 2, mode, args)
                for i in range(args.rounds):
                    turns = ", ".join(f"{v.label or 'flow'} {piece:g} s" for v in versions)
                    also = f", health by wrk {max(1, round(piece))} s" if single and wrk_path else ""
                    ceiling = f"health {piece:g} s, " if single else ""
                    print(f"  round {i + 1}/{args.rounds}: {ceiling}{turns}{also} …", flush=True)
                    for v in versions:
                        if cell.health is not None:
                            measure(clients, v, "health", piece, mode, args, cell.health)
                        measure(clients, v, "flow", piece, mode, args, cell.flow[v.label])
                        if wrk_path and cell.wrk is not None:
                            run_wrk(wrk_path, v.port, n, piece, cell.wrk)
            finally:
                clients.close()
            cells.append(cell)
        for v in versions:
            left, failed = drain(v) if mode == "worker" else (0, 0)
            checks[v.label] = {"tasks_left": left, "tasks_failed": failed}
    for v in versions:  # servers stopped: nothing writes while the checks read
        checks[v.label]["verify"] = verify(v)
    return cells, checks


# --- report ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] * 1000


def _num(x: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.{digits}f}"


def _ratio(new: float, old: float) -> str:
    return "n/a" if math.isnan(new) or math.isnan(old) or old == 0 else f"{new / old:.2f}×"


def _slices(values: list[float], digits: int = 0) -> str:
    return " ".join(f"{x:.{digits}f}" for x in values)


def flows_per_second(t: Totals) -> float:
    return t.flows / t.seconds if t.seconds else float("nan")


def step_rows(mode: str) -> list[str]:
    if mode == "worker":
        return [STEPS[0], STEPS[1], PAYMENT_FINAL, STEPS[2], STEPS[3], REFUND_FINAL, POLL, "whole flow"]
    return [*STEPS, "whole flow"]


def pay_p50(t: Totals, mode: str) -> float:
    """The one-client figure of the issue: the pay step, or in worker mode the payment's being final."""
    return percentile(t.latencies.get(PAYMENT_FINAL if mode == "worker" else STEPS[1], []), 0.5)


def cpu_ms(t: Totals) -> dict[str, float]:
    """CPU per flow request (the four steps; status polls are not counted, their CPU is)."""
    n = max(1, t.requests())
    pg = t.pg_cpu / n * 1000 if t.pg_seen else float("nan")
    gunicorn, worker = t.server_cpu / n * 1000, t.worker_cpu / n * 1000
    return {
        "gunicorn": gunicorn,
        "worker": worker,
        "postgresql": pg,
        "total": gunicorn + worker + (0.0 if math.isnan(pg) else pg),
        "clients": t.client_cpu / n * 1000,
    }


def header(args: argparse.Namespace, versions: list[Version], context: dict[str, Any]) -> None:
    server = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers} gthread workers × {args.threads}"
    print()
    print(f"PayGate payment flow: {', '.join(v.name for v in versions)}")
    print(f"  server: gunicorn, {server}; PostgreSQL: {context['database']}")
    print(f"  machine: {os.cpu_count()} CPUs; load average before {context['load_before']}, after {load_average()}")
    print(
        f"  other load: {context['busy_before']:.2f} CPUs busy before the run, {context['busy_after']:.2f} after "
        "(sampled for 2 s while the benchmark was idle)"
    )


def report_single(args: argparse.Namespace, cell: Cell, version: Version) -> bool:
    """One version: the flow against the same clients' `health/` (and wrk's), with the original targets."""
    health, flow, wrk = cell.health, cell.flow[version.label], cell.wrk
    assert health is not None
    health_rate = health.requests() / health.seconds
    flows_rate = flows_per_second(flow)
    flow_rate = 4 * flows_rate
    ratio = flow_rate / health_rate
    print()
    print(
        f"#### {cell.mode} mode ({MODES[cell.mode][1]}), {cell.clients} client(s), "
        f"{args.rounds} × {args.duration / args.rounds:g} s per workload"
    )
    print()
    print("| step | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [("health (ceiling)", "health", health)] + [(s, s, flow) for s in step_rows(cell.mode)]
    for label, step, totals in rows:
        values = totals.latencies.get(step, [])
        errors = totals.error_count() if step == "whole flow" else totals.errors.get(step, 0)
        rate = len(values) / totals.seconds
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"| {label} | {len(values):,} | {_num(rate)} | {_num(p50)} | {_num(p99)} | {errors} |")
    print()
    if cell.clients == 1:
        print(
            f"  ONE CLIENT: {'payment final' if cell.mode == 'worker' else 'pay step'} p50 {_num(pay_p50(flow, cell.mode))} ms"
        )
    print(f"  flows/s                {flows_rate:.1f}")
    print(f"  flow requests/s        {flow_rate:.1f}  (4 × flows/s)")
    print(f"  health requests/s      {health_rate:.1f}")
    print(f"  ratio                  {ratio:.1%}  (target ≥ {TARGET_RATIO:.0%})")
    print(f"  req/s per slice        health {_slices(health.slices)}; flow {_slices(flow.slices)}")
    for name, totals in (("health", health), ("flow", flow)):
        cpu = cpu_ms(totals)
        worker = f"worker {cpu['worker']:.2f} ms, " if cell.mode == "worker" else ""
        print(
            f"  CPU per {name + ' request':<15}gunicorn {cpu['gunicorn']:.2f} ms, {worker}PostgreSQL "
            f"{_num(cpu['postgresql'], 2)} ms, clients {cpu['clients']:.2f} ms; machine busy "
            f"{totals.machine_busy / len(totals.slices):.2f} of {os.cpu_count()} CPUs"
        )
    if cell.mode == "worker" and flow.flows:
        print(f"  status polls per flow  {len(flow.latencies.get(POLL, [])) / flow.flows:.1f}")
    if wrk is not None and wrk.seconds:
        wrk_rate = wrk.requests / wrk.seconds
        print(
            f"  health by wrk          {wrk_rate:.1f} req/s, p50 {sum(wrk.p50) / len(wrk.p50):.1f} ms, "
            f"p99 {sum(wrk.p99) / len(wrk.p99):.1f} ms (means of the slices: {_slices(wrk.slices)}), {wrk.errors} errors"
        )
        print(f"  ratio against wrk      {flow_rate / wrk_rate:.1%}  (the target is judged on the lower ratio)")
        ratio = min(ratio, flow_rate / wrk_rate)
    worst = max(percentile(flow.latencies.get(s, []), 0.99) for s in STEPS)
    errors = flow.error_count() + health.error_count()
    met = ratio >= TARGET_RATIO and worst < TARGET_P99_MS and errors == 0
    print(f"  worst step p99         {worst:.1f} ms  (target < {TARGET_P99_MS:g} ms)")
    print(f"  target                 {'met' if met else 'NOT met'}")
    for sample in flow.samples + health.samples:
        print(f"  error sample: {sample}")
    return errors == 0


def report_compare(args: argparse.Namespace, cell: Cell, old: Version, new: Version) -> bool:
    """Two versions side by side, as a Markdown table."""
    o, n = cell.flow[old.label], cell.flow[new.label]
    print()
    print(
        f"#### {cell.mode} mode ({MODES[cell.mode][1]}), {cell.clients} client(s), "
        f"{args.rounds} × {args.duration / args.rounds:g} s per version"
    )
    print()
    print(f"| | old `{old.commit}` | new `{new.commit}` | new / old |")
    print("|---|---:|---:|---:|")

    def row(label: str, a: float, b: float, digits: int = 1, ratio: bool = True) -> None:
        print(f"| {label} | {_num(a, digits)} | {_num(b, digits)} | {_ratio(b, a) if ratio else ''} |")

    row("flows/s", flows_per_second(o), flows_per_second(n))
    print(f"| flows/s per slice | {_slices(o.slice_flows, 1)} | {_slices(n.slice_flows, 1)} | |")
    for step in step_rows(cell.mode):
        if step == POLL:
            continue
        for q in (0.5, 0.99):
            row(
                f"{step} p{round(q * 100)} ms",
                percentile(o.latencies.get(step, []), q),
                percentile(n.latencies.get(step, []), q),
            )
    if cell.mode == "worker":
        polls = [len(t.latencies.get(POLL, [])) / t.flows if t.flows else float("nan") for t in (o, n)]
        row("status polls per flow", polls[0], polls[1])
    co, cn = cpu_ms(o), cpu_ms(n)
    parts = (
        ["gunicorn", "worker", "postgresql", "total"] if cell.mode == "worker" else ["gunicorn", "postgresql", "total"]
    )
    names = {"gunicorn": "gunicorn", "worker": "task worker", "postgresql": "PostgreSQL", "total": "total"}
    for part in parts:
        row(f"CPU ms per flow request: {names[part]}", co[part], cn[part], 2)
    print(f"| errors | {o.error_count()} | {n.error_count()} | |")
    busy = [t.machine_busy / len(t.slices) if t.slices else float("nan") for t in (o, n)]
    row(f"machine busy, CPUs of {os.cpu_count()}", busy[0], busy[1], 2, ratio=False)
    print()
    if cell.clients == 1:
        what = "payment final" if cell.mode == "worker" else "pay step"
        print(f"ONE CLIENT, {what} p50: old {_num(pay_p50(o, cell.mode))} ms, new {_num(pay_p50(n, cell.mode))} ms")
    for label, t in ((old.label, o), (new.label, n)):
        for sample in t.samples:
            print(f"error sample ({label}): {sample}")
    return o.error_count() == 0 and n.error_count() == 0


def report_summary(cells: list[Cell], old: Version, new: Version) -> list[dict[str, Any]]:
    """All client counts and modes in one table, then the issue's targets judged on them."""
    print()
    print(f"#### Summary: old `{old.commit}` against new `{new.commit}`")
    print()
    print(
        "| mode | clients | flows/s old | flows/s new | new / old | CPU ms per flow request old | new | "
        "pay p50 ms old | new | errors old | new |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cell in cells:
        o, n = cell.flow[old.label], cell.flow[new.label]
        fo, fn = flows_per_second(o), flows_per_second(n)
        print(
            f"| {cell.mode} | {cell.clients} | {_num(fo)} | {_num(fn)} | {_ratio(fn, fo)} | "
            f"{_num(cpu_ms(o)['total'], 2)} | {_num(cpu_ms(n)['total'], 2)} | {_num(pay_p50(o, cell.mode))} | "
            f"{_num(pay_p50(n, cell.mode))} | {o.error_count()} | {n.error_count()} |"
        )
    print()
    print("pay p50 is the pay step's in request mode and the payment's being final (POST to first poll that")
    print("shows it) in worker mode; CPU per flow request counts gunicorn, the task worker and PostgreSQL.")
    targets = []
    for cell in cells:
        o, n = cell.flow[old.label], cell.flow[new.label]
        clean = o.error_count() == 0 and n.error_count() == 0
        where = f"{cell.mode} mode, {cell.clients} client(s)"
        if cell.clients in TARGET_SPEEDUP_CLIENTS:
            ratio = flows_per_second(n) / flows_per_second(o) if flows_per_second(o) else float("nan")
            goal = TARGET_SPEEDUP[cell.mode]
            targets.append(
                {"what": f"{where}: flows/s new ÷ old {_num(ratio, 2)} (≥ {goal:g}), errors {o.error_count()} / {n.error_count()}",
                 "met": ratio >= goal and clean}
            )  # fmt: skip
        if cell.mode == "request":
            cpu = cpu_ms(n)
            total = cpu["gunicorn"] + cpu["postgresql"]
            targets.append(
                {"what": f"{where}: new CPU per flow request, gunicorn + PostgreSQL {_num(total, 2)} ms (≤ {TARGET_CPU_MS:g})",
                 "met": total <= TARGET_CPU_MS}
            )  # fmt: skip
        if cell.clients == 1:
            p50 = pay_p50(n, cell.mode)
            goal, what = (
                (TARGET_FINAL_P50_MS, "payment final") if cell.mode == "worker" else (TARGET_PAY_P50_MS, "pay step")
            )
            targets.append({"what": f"{where}: new {what} p50 {_num(p50)} ms (≤ {goal:g})", "met": p50 <= goal})
    print()
    print("Targets of the issue, on this run:")
    print()
    for t in targets:
        print(f"- {t['what']}: {'**met**' if t['met'] else '**NOT met**'}")
    return targets


def report_checks(checks: dict[str, dict[str, dict[str, Any]]], versions: list[Version]) -> bool:
    print()
    print("Ledger and counts after each mode:")
    print()
    ok = True
    for mode, by_version in checks.items():
        for v in versions:
            found = by_version[v.label]
            parts = [f"{cmd} {'OK' if r['ok'] else 'FAILED'} ({r['output']})" for cmd, r in found["verify"].items()]
            if mode == "worker":
                parts.append(f"tasks left {found['tasks_left']}, failed {found['tasks_failed']}")
            good = (
                all(r["ok"] for r in found["verify"].values()) and not found["tasks_left"] and not found["tasks_failed"]
            )
            ok = ok and good and bool(found["verify"])
            print(f"- {v.name}, {mode} mode: {'; '.join(parts) or 'no verify command'}")
    return ok


def _clean(value: Any) -> Any:
    """JSON without NaN (null instead)."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def totals_json(t: Totals, steps: list[str]) -> dict[str, Any]:
    return {
        "flows": t.flows,
        "seconds": t.seconds,
        "flows_per_s": flows_per_second(t),
        "flows_per_s_per_slice": t.slice_flows,
        "requests_per_s_per_slice": t.slices,
        "steps": {
            s: {
                "count": len(t.latencies.get(s, [])),
                "p50_ms": percentile(t.latencies.get(s, []), 0.5),
                "p99_ms": percentile(t.latencies.get(s, []), 0.99),
                "errors": t.errors.get(s, 0),
            }
            for s in steps
        },
        "errors": t.error_count(),
        "error_samples": t.samples,
        "cpu_ms_per_flow_request": cpu_ms(t),
        "machine_busy_cpus": t.machine_busy / len(t.slices) if t.slices else float("nan"),
    }


def write_json(
    path: str, args: argparse.Namespace, versions: list[Version], context: dict[str, Any], cells: list[Cell],
    checks: dict[str, Any], targets: list[dict[str, Any]],
) -> None:  # fmt: skip
    data = {
        "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "versions": {v.label or "this": {"commit": v.commit, "worker": v.worker_command} for v in versions},
        "machine": {"cpus": os.cpu_count(), **context, "load_after": load_average()},
        "runs": [
            {
                "mode": c.mode,
                "clients": c.clients,
                "flow": {label or "this": totals_json(t, step_rows(c.mode)) for label, t in c.flow.items()},
                **({"health": totals_json(c.health, ["health"])} if c.health else {}),
                **(
                    {
                        "health_wrk": {
                            "req_per_s": c.wrk.requests / c.wrk.seconds,
                            "slices": c.wrk.slices,
                            "p50_ms": c.wrk.p50,
                            "p99_ms": c.wrk.p99,
                            "errors": c.wrk.errors,
                        }
                    }
                    if c.wrk and c.wrk.seconds
                    else {}
                ),  # fmt: skip
            }
            for c in cells
        ],
        "checks": {mode: {label or "this": r for label, r in by.items()} for mode, by in checks.items()},
        "targets": targets,
    }
    Path(path).write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _client_counts(text: str) -> list[int]:
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of client counts: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("client counts must be positive")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", type=_client_counts, default=[16], help="concurrent clients, e.g. 1,16,32 (default 16)"
    )
    parser.add_argument(
        "--duration", type=float, default=20, help="seconds measured per workload and version (default 20)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating slices per workload and version (default 2)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured warm-up per version (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; > 1 uses gthread (default 1)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk cross-check of the ceiling")
    parser.add_argument("--compare", metavar="OLD_REF", help="also run this git commit or branch, side by side")
    parser.add_argument(
        "--mode", choices=["request", "worker", "both"], default="request",
        help="processing in the request (immediate tasks), in one task worker, or both (default request)",
    )  # fmt: skip
    parser.add_argument("--poll-interval", type=float, default=0.01, help="worker mode: seconds between polls (0.01)")
    parser.add_argument("--flow-timeout", type=float, default=10, help="worker mode: a flow's time limit (10 s)")
    parser.add_argument(
        "--db-worker-interval", type=float, default=None,
        help="worker mode, a tree without `manage.py worker`: db_worker's --interval (default: its own, 1 s)",
    )  # fmt: skip
    parser.add_argument("--db-prefix", default="bench_flow", help="throwaway databases' name prefix (bench_flow)")
    parser.add_argument("--json", metavar="FILE", help="also write every number to FILE")
    args = parser.parse_args()
    if args.duration <= 0 or args.rounds < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--duration, --rounds, --workers and --threads must be positive")
    if args.poll_interval <= 0 or args.flow_timeout <= 0:
        parser.error("--poll-interval and --flow-timeout must be positive")

    signal.signal(signal.SIGTERM, _interrupt)  # clean up (servers, databases, the old tree) on kill too
    modes = ["request", "worker"] if args.mode == "both" else [args.mode]
    context: dict[str, Any] = {"load_before": load_average(), "busy_before": background_busy()}
    wrk_path = None if args.no_wrk or args.compare else shutil.which("wrk")
    cells: list[Cell] = []
    checks: dict[str, dict[str, Any]] = {}
    with contextlib.ExitStack() as stack:
        if args.compare:
            tree, commit = stack.enter_context(old_worktree(args.compare))
            versions = [Version("old", tree, commit), Version("new", ROOT, this_tree())]
        else:
            versions = [Version("", ROOT, this_tree())]
        urls, context["database"] = stack.enter_context(databases([v.label for v in versions], args.db_prefix))
        for v, url in zip(versions, urls, strict=True):
            v.database_url = url
            print(f"preparing {v.name}: migrating its database with its own manage.py …", flush=True)
            prepare(v)
            v.pg = PostgresCpu(url)
            stack.callback(v.pg.close)
        for mode in modes:
            found, checks[mode] = run_mode(args, mode, versions, wrk_path)
            cells.extend(found)
    context["busy_after"] = background_busy()
    header(args, versions, context)
    ok = True
    targets: list[dict[str, Any]] = []
    for cell in cells:
        if len(versions) == 1:
            ok = report_single(args, cell, versions[0]) and ok
        else:
            ok = report_compare(args, cell, versions[0], versions[1]) and ok
    if len(versions) == 2:
        targets = report_summary(cells, versions[0], versions[1])
    ok = report_checks(checks, versions) and ok
    if args.json:
        write_json(args.json, args, versions, context, cells, checks, targets)
        print(f"\nnumbers written to {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: servers stopped, throwaway databases and the old tree removed", file=sys.stderr)
        sys.exit(130)
