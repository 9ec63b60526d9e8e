"""`manage.py worker` is woken by a queued task (PostgreSQL LISTEN/NOTIFY), not by its next poll."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from rest_framework.test import APIClient

from payments.models import Payment, PaymentStatus
from payments.providers import ensure_default_profiles
from tests.conftest import API
from tests.payments.conftest import card_body, create_order
from tests.payments.test_worker import DB_BACKEND, ROOT, worker_env
from tests.webhooks.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 30  # far longer than the test waits: only the notification can wake the worker in time


@pytest.fixture
def worker(tmp_path):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", str(POLL_SECONDS)],
            cwd=ROOT, env=worker_env() | {"PYTHONUNBUFFERED": "1"}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert wait_for(lambda: "LISTEN/NOTIFY" in log.read_text(), timeout=30), log.read_text()
            time.sleep(0.5)  # let it reach its first wait
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_queued_payment_wakes_the_worker_at_once(merchant_api: APIClient, settings, worker) -> None:
    settings.TASKS = DB_BACKEND
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()
    order = create_order(merchant_api)
    began = time.monotonic()

    created = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json").json()["data"]
    assert created["status"] == "processing"

    def final() -> bool:
        return Payment.objects.get(public_id=created["id"]).status == PaymentStatus.CAPTURED

    assert wait_for(final, timeout=10, interval=0.02)
    assert time.monotonic() - began < POLL_SECONDS / 3
