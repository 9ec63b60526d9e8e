"""Payment-flow benchmark: gunicorn on PostgreSQL, N concurrent clients, the health endpoint as ceiling.

Each client runs the flow *create order → pay with a test card → fetch the payment → partial refund*
in a loop and checks every answer (201/201/200/201, the payment `captured`, the refund `processed`).
In the same run, with the same clients, it measures `GET health/` (no auth, no database) as the
ceiling. The two workloads alternate in slices (`--rounds`), so a burst of load from something
else on the machine hits both alike.

    .venv/bin/python bench/payment_flow.py --clients 16 --duration 20

The database: `DATABASE_URL` if set (used as it is, and left in place); else a throwaway database
`bench_flow_<random>` created through `BENCH_PG_URL` (a superuser URL, e.g.
postgresql://user:pass@127.0.0.1:5432/postgres) and dropped at the end; else a throwaway private
cluster (initdb from `pg_config --bindir`, fsync off) that is removed at the end.

Clients are separate processes (one per client, no GIL contention) speaking HTTP/1.1 over raw
sockets, with keep-alive when the server allows it (gunicorn's sync workers close every
connection). They share the machine with the server: their CPU per request is printed, and when
`wrk` is installed the ceiling is measured a second time with it, to show what the Python clients
cost.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
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
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
SOCKET_TIMEOUT = 30.0


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


def run_flows(http: Http, until: float, client: int) -> SliceResult:
    result = SliceResult()
    card = {"number": CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "Ava Reed"}
    customer = {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"}
    n = 0
    while time.monotonic() < until:
        n += 1
        t0 = time.perf_counter()
        order = _call(
            http, result, STEPS[0], 201, "POST", f"{API}/orders/",
            {"amount": ORDER_AMOUNT, "currency": "GBP", "receipt": f"bench-{client}-{n}"},
        )  # fmt: skip
        if order is None:
            continue
        body = {"order_id": order["id"], "method": "card", "card": card, "customer": customer}
        payment = _call(http, result, STEPS[1], 201, "POST", f"{API}/payments/", body)
        if payment is None:
            continue
        if payment["status"] != "captured":
            result.error(STEPS[1], f"payment {payment['id']} is {payment['status']}, not captured")
            continue
        fetched = _call(http, result, STEPS[2], 200, "GET", f"{API}/payments/{payment['id']}/")
        if fetched is None:
            continue
        body = {"payment_id": payment["id"], "amount": REFUND_AMOUNT}
        refund = _call(http, result, STEPS[3], 201, "POST", f"{API}/refunds/", body)
        if refund is None:
            continue
        if refund["status"] != "processed":
            result.error(STEPS[3], f"refund {refund['id']} is {refund['status']}, not processed")
            continue
        result.add("whole flow", time.perf_counter() - t0)
        result.flows += 1
    return result


def run_health(http: Http, until: float) -> SliceResult:
    result = SliceResult()
    while time.monotonic() < until:
        _call(http, result, "health", 200, "GET", f"{API}/health/")
    return result


def client_main(conn: Any, host: str, port: int, auth: str, client: int) -> None:
    """A client process: runs the slices the coordinator sends until it sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops us
    http = Http(host, port, {"Authorization": auth, "Accept": "application/json"})
    while (command := conn.recv()) is not None:
        mode, start_at, until = command
        time.sleep(max(0.0, start_at - time.monotonic()))
        cpu0, t0 = time.process_time(), time.monotonic()
        result = run_flows(http, until, client) if mode == "flow" else run_health(http, until)
        http.close()
        result.started, result.finished = t0, time.monotonic()
        result.cpu = time.process_time() - cpu0
        conn.send(result)
    http.close()


# --- measurements on the server side ----------------------------------------------------------


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


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
def throwaway_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"bench_flow_{secrets.token_hex(4)}"
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
def database() -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, how it was obtained)."""
    if url := os.environ.get("DATABASE_URL"):
        yield url, "DATABASE_URL (kept)"
    elif admin := os.environ.get("BENCH_PG_URL"):
        with throwaway_database(admin) as url:
            yield url, "throwaway database on BENCH_PG_URL's server (dropped)"
    else:
        with private_cluster() as admin, throwaway_database(admin) as url:
            yield url, "private throwaway cluster (removed)"


class PostgresCpu:
    """CPU used by the PostgreSQL backends of the benchmark's database, read from /proc: only when
    the server runs on this machine (a backend's command line names its database)."""

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

    def close(self) -> None:
        self.conn.close()


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PAYGATE_SINGLE_PROCESS": "true",  # no Redis: rate limits do not apply to these endpoints
        "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "PAYGATE_LATENCY_SCALE": "0",
        "PAYGATE_VELOCITY_LIMIT": "1000000000",  # every flow pays with the same test card
    }


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


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate and create the merchant; returns its API key and secret."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_CREDENTIALS "))
    creds = json.loads(line.split(" ", 1)[1])
    return creds["key"], creds["secret"]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> Iterator[subprocess.Popen]:
    log = tempfile.NamedTemporaryFile(prefix="bench_flow_gunicorn_", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "gunicorn", "paygate.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--no-control-socket"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{Path(log.name).read_text()[-3000:]}")
            http = Http("127.0.0.1", port, {})
            with contextlib.suppress(OSError, HttpError):
                if http.request("GET", f"{API}/health/")[0] == 200:
                    break
            http.close()
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer in 30 s:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.2)
        http.close()
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the master and its workers
                proc.wait()
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


# --- coordinating the clients ---------------------------------------------------------------------


@dataclass
class Totals:
    """Everything one workload did over all its slices."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    flows: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    pg_cpu: float = 0.0
    pg_seen: bool = False
    machine_busy: float = 0.0
    slices: list[float] = field(default_factory=list)  # requests per second of each slice

    def requests(self) -> int:
        return sum(len(v) for k, v in self.latencies.items() if k != "whole flow")


class Clients:
    def __init__(self, n: int, host: str, port: int, auth: str) -> None:
        ctx = mp.get_context("spawn")
        self.conns, self.procs = [], []
        for i in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_main, args=(child, host, port, auth, i), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    def run(self, mode: str, seconds: float) -> list[SliceResult]:
        start_at = time.monotonic() + 0.5  # every client starts together
        for conn in self.conns:
            conn.send((mode, start_at, start_at + seconds))
        results = []
        for conn in self.conns:
            if not conn.poll(seconds + SOCKET_TIMEOUT + 30):
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


def measure(clients: Clients, server_pid: int, pg: PostgresCpu, mode: str, seconds: float, totals: Totals) -> None:
    workers = _children(server_pid)
    cpu0, pg0 = sum(_proc_cpu_seconds(p) for p in workers), pg.sample()
    busy0, all0 = _machine_busy()
    results = clients.run(mode, seconds)
    busy1, all1 = _machine_busy()
    totals.server_cpu += sum(_proc_cpu_seconds(p) for p in workers) - cpu0
    pg1 = pg.sample()
    totals.pg_seen = totals.pg_seen or bool(pg1)
    totals.pg_cpu += sum(cpu - pg0.get(pid, 0.0) for pid, cpu in pg1.items())
    totals.machine_busy += (busy1 - busy0) / (all1 - all0) * (os.cpu_count() or 1) if all1 > all0 else 0.0
    elapsed = max(r.finished for r in results) - min(r.started for r in results)
    requests = 0
    for r in results:
        for step, values in r.latencies.items():
            totals.latencies.setdefault(step, []).extend(values)
            if step != "whole flow":
                requests += len(values)
        for step, count in r.errors.items():
            totals.errors[step] = totals.errors.get(step, 0) + count
        totals.samples.extend(r.samples[: max(0, 5 - len(totals.samples))])
        totals.flows += r.flows
        totals.client_cpu += r.cpu
    totals.seconds += elapsed
    totals.slices.append(requests / elapsed)


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


# --- report ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] * 1000


def _slices(totals: Totals | WrkTotals) -> str:
    return " ".join(f"{x:.0f}" for x in totals.slices)


def report(
    args: argparse.Namespace, health: Totals, flow: Totals, wrk: WrkTotals | None, context: dict[str, Any]
) -> bool:
    health_rate = health.requests() / health.seconds
    flows_rate = flow.flows / flow.seconds
    flow_rate = 4 * flows_rate
    ratio = flow_rate / health_rate
    print()
    print(
        f"PayGate payment flow — {args.clients} clients, {args.rounds} × {args.duration / args.rounds:g} s per workload"
    )
    print(f"  server: gunicorn, {context['server']}, PostgreSQL: {context['database']}")
    print(f"  machine: {os.cpu_count()} CPUs; load average before {context['load_before']}, after {load_average()}")
    print(
        f"  other load: {context['busy_before']:.2f} CPUs busy before the run, {context['busy_after']:.2f} after "
        "(sampled for 2 s while the benchmark was idle)"
    )
    print()
    print(f"  {'step':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = (
        [("health (ceiling)", "health", health)] + [(s, s, flow) for s in STEPS] + [("whole flow", "whole flow", flow)]
    )
    for label, step, totals in rows:
        values = totals.latencies.get(step, [])
        errors = sum(totals.errors.values()) if step == "whole flow" else totals.errors.get(step, 0)
        rate = len(values) / totals.seconds
        print(
            f"  {label:<22}{len(values):>9}{rate:>9.1f}{percentile(values, 0.5):>9.1f}{percentile(values, 0.99):>9.1f}{errors:>8}"
        )
    print()
    print(f"  flows/s                {flows_rate:.1f}")
    print(f"  flow requests/s        {flow_rate:.1f}  (4 × flows/s)")
    print(f"  health requests/s      {health_rate:.1f}")
    print(f"  ratio                  {ratio:.1%}  (target ≥ {TARGET_RATIO:.0%})")
    print(f"  req/s per slice        health {_slices(health)}; flow {_slices(flow)}")
    for name, totals in (("health", health), ("flow", flow)):
        n = max(1, totals.requests())
        pg_cpu = f"{totals.pg_cpu / n * 1000:.2f} ms" if totals.pg_seen else "n/a"
        print(
            f"  CPU per {name + ' request':<15}gunicorn {totals.server_cpu / n * 1000:.2f} ms, PostgreSQL {pg_cpu}, "
            f"clients {totals.client_cpu / n * 1000:.2f} ms; machine busy "
            f"{totals.machine_busy / len(totals.slices):.2f} of {os.cpu_count()} CPUs"
        )
    if wrk is not None and wrk.seconds:
        wrk_rate = wrk.requests / wrk.seconds
        print(
            f"  health by wrk          {wrk_rate:.1f} req/s, p50 {sum(wrk.p50) / len(wrk.p50):.1f} ms, "
            f"p99 {sum(wrk.p99) / len(wrk.p99):.1f} ms (means of the slices: {_slices(wrk)}), {wrk.errors} errors"
        )
        print(f"  ratio against wrk      {flow_rate / wrk_rate:.1%}  (the target is judged on the lower ratio)")
        ratio = min(ratio, flow_rate / wrk_rate)
    worst = max(percentile(flow.latencies.get(s, []), 0.99) for s in STEPS)
    errors = sum(flow.errors.values()) + sum(health.errors.values())
    met = ratio >= TARGET_RATIO and worst < TARGET_P99_MS and errors == 0
    print(f"  worst step p99         {worst:.1f} ms  (target < {TARGET_P99_MS:g} ms)")
    print(f"  target                 {'met' if met else 'NOT met'}")
    for sample in flow.samples + health.samples:
        print(f"  error sample: {sample}")
    return errors == 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per workload (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating slices per workload (default 2)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured warm-up (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; > 1 uses gthread (default 1)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk cross-check of the ceiling")
    args = parser.parse_args()
    if args.clients < 1 or args.duration <= 0 or args.rounds < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--clients, --duration, --rounds, --workers and --threads must be positive")

    signal.signal(signal.SIGTERM, _interrupt)  # clean up (gunicorn, database) on kill too
    context: dict[str, Any] = {"load_before": load_average(), "busy_before": background_busy()}
    server = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers} gthread workers × {args.threads}"
    context["server"] = server
    with database() as (database_url, how):
        context["database"] = how
        env = server_env(database_url)
        print(f"preparing the database ({how}) …", flush=True)
        key, secret = prepare(env)
        auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        port = free_port()
        wrk_path = None if args.no_wrk else shutil.which("wrk")
        wrk = WrkTotals() if wrk_path else None
        health, flow = Totals(), Totals()
        piece = args.duration / args.rounds
        with gunicorn(env, port, args.workers, args.threads) as proc:
            clients, pg = Clients(args.clients, "127.0.0.1", port, auth), PostgresCpu(database_url)
            try:
                print(f"warming up ({args.warmup:g} s) …", flush=True)
                clients.run("flow", args.warmup / 2)
                clients.run("health", args.warmup / 2)
                for i in range(args.rounds):
                    also = f", health by wrk {max(1, round(piece))} s" if wrk else ""
                    print(f"round {i + 1}/{args.rounds}: health {piece:g} s, flow {piece:g} s{also} …", flush=True)
                    measure(clients, proc.pid, pg, "health", piece, health)
                    measure(clients, proc.pid, pg, "flow", piece, flow)
                    if wrk_path and wrk is not None:
                        run_wrk(wrk_path, port, args.clients, piece, wrk)
            finally:
                clients.close()
                pg.close()
    context["busy_after"] = background_busy()
    ok = report(args, health, flow, wrk, context)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
