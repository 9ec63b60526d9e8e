"""Two operators decide the same payment in review at the same instant, through the console:
exactly one decision applies, the other is told the payment was not changed."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from merchants.models import Merchant, User
from payments import services
from payments.models import Payment, PaymentStatus
from payments.providers import ensure_default_profiles
from tests.concurrency.test_races import race
from webhooks.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def _held(merchant: Merchant) -> Payment:
    order = services.order_create(merchant=merchant, amount=2599, currency="USD")
    card = services.CardDetails(number="4000000000004954", exp_month=12, exp_year=2030)
    payment = services.payment_create(order=order, method="card", region="na", card=card)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW
    return payment


def test_two_operators_deciding_at_once_exactly_one_applies(
    merchant: Merchant, finance_user: User, admin_user: User
) -> None:
    payment = _held(merchant)
    clients = []
    for user in (finance_user, admin_user):
        client = Client()
        client.force_login(user)
        clients.append(client)
    decisions = ["approve", "reject"]

    def decide(i: int) -> list[str]:
        response = clients[i].post(
            f"/ops/review/{payment.public_id}/decide/", {"decision": decisions[i], "note": f"operator {i}"}
        )
        assert response.status_code == 302
        return [str(m) for m in get_messages(response.wsgi_request)]

    results = race(2, decide)

    assert all(isinstance(r, list) for r in results), results
    flat = [m for r in results for m in r]  # type: ignore[union-attr]
    assert len([m for m in flat if "was not changed" in m]) == 1
    assert len([m for m in flat if m.endswith(("approved.", "rejected."))]) == 1
    payment.refresh_from_db()
    assert payment.status in (PaymentStatus.CAPTURED, PaymentStatus.FAILED)
    decided = "payment.failed" if payment.status == PaymentStatus.FAILED else "payment.authorized"
    assert Event.objects.filter(payment=payment, type=decided).count() == 1
    assert not Event.objects.filter(
        payment=payment, type="payment.authorized" if decided == "payment.failed" else "payment.failed"
    ).exists()
