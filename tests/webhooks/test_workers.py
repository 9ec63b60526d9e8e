"""Real `manage.py db_worker` processes on PostgreSQL delivering to a loopback receiver.

The events are committed by this test (transaction=True); the workers are subprocesses with
paygate.settings pointed at the test database and the database task backend.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from werkzeug import Response

from merchants.models import Merchant
from tests.webhooks.conftest import Receiver, emit, wait_for
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.tasks import deliver_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Fast enough for a test: a retry a second later, a dead worker's claim back after 3 s.
WORKER_ENV = {
    "PAYGATE_WEBHOOK_RETRY_SCHEDULE": "0,1,1,1,1",
    "PAYGATE_WEBHOOK_TIMEOUT": "2",
    "PAYGATE_WEBHOOK_CLAIM_SECONDS": "3",
    "PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
}


@pytest.fixture(autouse=True)
def database_tasks(settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0, 1, 1, 1, 1]
    settings.PAYGATE_WEBHOOK_TIMEOUT = 2.0
    settings.PAYGATE_WEBHOOK_CLAIM_SECONDS = 3
    settings.PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS = 1


class Workers:
    """db_worker subprocesses; every one is killed when the test ends, whatever happens."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        log = (self.logs / f"worker-{n}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05",
             "--worker-id", f"test-worker-{n}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("worker-*.log")))


@pytest.fixture
def workers(settings: Any, tmp_path: Path) -> Iterator[Workers]:
    db = settings.DATABASES["default"]
    url = (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= {
        "DJANGO_SETTINGS_MODULE": "paygate.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "PAYGATE_SINGLE_PROCESS": "true",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        **WORKER_ENV,
    }
    pool = Workers(env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def hook(merchant: Merchant, receiver: Receiver) -> Merchant:
    merchant = services.webhook_settings_update(merchant=merchant, url=receiver.url, event_types=[])
    receiver.secrets = [merchant.webhook_secret]
    return merchant


def all_succeeded(count: int) -> bool:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == count


def test_two_workers_deliver_every_event_exactly_once(
    merchant: Merchant, threaded_receiver: Receiver, workers: Workers
) -> None:
    # given: N committed events, and a second task for each delivery (as a sweep may queue), so
    # that the two workers really race for the same attempts
    receiver = threaded_receiver
    receiver.default = lambda: (time.sleep(0.01), Response("ok"))[1]
    merchant = hook(merchant, receiver)
    n = 40
    events = [emit(merchant, object_id=f"order_WorkerWorkerW{i:03d}") for i in range(n)]
    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        deliver_webhook.enqueue(delivery_id)
    assert DBTaskResult.objects.count() == 2 * n

    # when
    workers.start()
    workers.start()
    done = wait_for(lambda: all_succeeded(n) and not DBTaskResult.objects.ready().exists(), timeout=60)

    # then
    assert done, workers.output()
    assert Counter(receiver.ids) == Counter({e.public_id: 1 for e in events})
    assert all(r.verified_with for r in receiver.received)
    assert WebhookAttempt.objects.count() == n
    assert set(WebhookDelivery.objects.values_list("attempt_count", flat=True)) == {1}
    ran_by = Counter(w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids)
    assert set(ran_by) == {"test-worker-0", "test-worker-1"}, ran_by


def test_a_worker_killed_mid_delivery_loses_nothing(
    merchant: Merchant, threaded_receiver: Receiver, workers: Workers
) -> None:
    # given: the receiver holds the 3rd request long enough for the worker to be killed in it
    receiver = threaded_receiver
    held = threading.Event()

    def answer() -> Response:
        if len(receiver.received) == 3 and not held.is_set():
            held.set()
            time.sleep(1.0)
        return Response("ok")

    receiver.default = answer
    merchant = hook(merchant, receiver)
    n = 12
    events = [emit(merchant, object_id=f"order_KilledKilled{i:03d}") for i in range(n)]
    first = workers.start()

    # when: SIGKILL while it waits for that answer, then a new worker and the cron sweep
    assert held.wait(timeout=30), workers.output()
    workers.kill(first)
    killed_id = receiver.ids[2]
    workers.start()

    def swept_and_done() -> bool:
        call_command("retry_webhooks", stdout=open(os.devnull, "w"))  # noqa: SIM115
        return all_succeeded(n)

    done = wait_for(swept_and_done, timeout=60, interval=0.5)

    # then: every event arrived. The attempts whose claim was taken back (the killed worker's: the
    # one cut off and any others of its claim not yet recorded; on a slow machine also any that
    # outlived the test's 3 s claim) were logged as abandoned and made again: those arrived twice
    # at most, every other event exactly once.
    assert done, workers.output()
    seen = Counter(receiver.ids)
    assert set(seen) == {e.public_id for e in events}
    assert seen[killed_id] == 2
    logs = {
        d.event.public_id: [(a.number, a.error) for a in d.attempts.order_by("number")]
        for d in WebhookDelivery.objects.select_related("event")
    }
    abandoned = {event_id for event_id, log in logs.items() if log == [(1, services.ABANDONED), (2, "")]}
    assert killed_id in abandoned
    assert all(logs[event_id] == [(1, "")] for event_id in set(logs) - abandoned), logs
    assert all(seen[event_id] == 1 for event_id in set(seen) - abandoned)
    assert all(seen[event_id] <= 2 for event_id in abandoned)
