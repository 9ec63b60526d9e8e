"""A real `db_worker` process finishes what the API queued (PostgreSQL: shared with the worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.conftest import API
from tests.payments.conftest import card_body, create_order

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "paygate.settings",
        "DEBUG": "true",
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "PAYGATE_HMAC_KEY": settings.PAYGATE_HMAC_KEY,
        "PAYGATE_LATENCY_SCALE": "0",
        "PAYGATE_RANDOM_SEED": "7",
    }


def run_worker_batch() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"],
        cwd=ROOT, env=worker_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_api_answers_processing_and_a_worker_finishes_the_payment_and_refund(merchant_api: APIClient, settings) -> None:
    settings.TASKS = DB_BACKEND
    order = create_order(merchant_api)

    created = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json").json()["data"]
    assert created["status"] == "processing"
    assert created["provider_attempts"] == []

    result = run_worker_batch()
    assert result.returncode == 0, result.stderr

    payment = Payment.objects.get(public_id=created["id"])
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.attempts.count() == 1
    refund = merchant_api.post(f"{API}/refunds/", {"payment_id": created["id"], "amount": 500}, format="json").json()[
        "data"
    ]
    assert refund["status"] == "pending"
    assert run_worker_batch().returncode == 0
    assert Refund.objects.get(public_id=refund["id"]).status == RefundStatus.PROCESSED


def test_janitor_requeues_a_payment_whose_task_was_lost(merchant_api: APIClient, settings) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_BACKEND
    order = create_order(merchant_api)
    created = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json").json()["data"]
    # the worker died with the task: its row is gone (or stuck RUNNING) and nothing will run it
    DBTaskResult.objects.all().delete()
    Payment.objects.filter(public_id=created["id"]).update(processing_started_at=timezone.now() - timedelta(hours=1))

    call_command("janitor")
    assert run_worker_batch().returncode == 0

    assert Payment.objects.get(public_id=created["id"]).status == PaymentStatus.CAPTURED
