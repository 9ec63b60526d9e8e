"""SQLite named by DATABASE_URL serves a live server and a real worker side by side.

dj_database_url gives SQLite none of the concurrency options (IMMEDIATE transactions, busy timeout,
WAL), which made every second write answer 500 "database is locked" with a worker running. This
starts `runserver` and `db_worker` on a SQLite file named by a URL, sends sign-ups, orders and
payments from concurrent clients, and checks that nothing answers 5xx and every payment is final.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.webhooks.conftest import free_port, wait_for

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
PAYMENTS_PER_CLIENT = 3
FINAL = {"captured", "authorized", "failed", "review", "refunded", "partially_refunded", "canceled"}


def env_for(db_path: Path) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "paygate.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "PAYGATE_LATENCY_SCALE": "0",
        "RATELIMIT_REGISTER": "1000/h",
        "PYTHONUNBUFFERED": "1",
    }


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def client_flow(base: str, number: int) -> list[tuple[str, int, Any]]:
    """Sign up, then create and pay orders, polling each payment until it is final."""
    seen: list[tuple[str, int, Any]] = []

    def step(name: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
        status, answer = call(base, method, path, body, token)
        seen.append((name, status, answer if status >= 400 else None))
        return answer if status < 400 else None

    signup = {
        "email": f"client{number}@shop.example",
        "password": "a-long-unusual-passphrase",
        "name": f"Client {number}",
        "business_name": f"Shop {number}",
    }
    registered = step("register", "POST", "auth/register/", signup)
    if not registered:
        return seen
    token = registered["data"]["access"]
    for _ in range(PAYMENTS_PER_CLIENT):
        order = step("order", "POST", "orders/", {"amount": 2599, "currency": "GBP"}, token)
        if not order:
            continue
        card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        customer = {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"}
        body = {"order_id": order["data"]["id"], "method": "card", "card": card, "customer": customer}
        payment = step("pay", "POST", "payments/", body, token)
        if not payment:
            continue
        deadline = time.monotonic() + 30
        status = payment["data"]["status"]
        while status not in FINAL and time.monotonic() < deadline:
            time.sleep(0.1)
            polled = step("poll", "GET", f"payments/{payment['data']['id']}/", token=token)
            status = polled["data"]["status"] if polled else status
        seen.append(("final", 200 if status in FINAL else 0, status))
    return seen


@pytest.fixture
def live_sqlite(tmp_path: Path):
    env = env_for(tmp_path / "db.sqlite3")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("server", "worker")}
    commands = {
        "server": ["runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": ["worker"],
    }
    processes = [
        subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=logs[name], stderr=logs[name])
        for name, args in commands.items()
    ]
    base = f"http://127.0.0.1:{port}/paygate/api/v1/"

    def up() -> bool:
        try:
            return call(base, "GET", "health/")[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(up, timeout=30, interval=0.2), (tmp_path / "server.log").read_text()
        yield base, tmp_path
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def test_a_server_and_a_worker_share_a_sqlite_url_without_errors(live_sqlite) -> None:
    base, logs = live_sqlite

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [step for flow in pool.map(lambda n: client_flow(base, n), range(CLIENTS)) for step in flow]

    errors = [(name, status, answer) for name, status, answer in results if status >= 500 or status == 0]
    assert errors == [], (logs / "server.log").read_text()[-3000:]
    assert all(status < 400 for _, status, _ in results), [r for r in results if r[1] >= 400]
    finals = [answer for name, _, answer in results if name == "final"]
    assert len(finals) == CLIENTS * PAYMENTS_PER_CLIENT
    assert set(finals) == {"captured"}
    assert "database is locked" not in (logs / "worker.log").read_text()
