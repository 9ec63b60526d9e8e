"""The review queue: approve or reject with a required note; a second decision is refused with a
clear message; the list polls with htmx and works without it."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from payments.models import LedgerEntry, Payment, PaymentStatus, RiskRule
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def _decide(client: Client, payment: Payment, decision: str, note: str = "checked with the customer"):
    return client.post(f"/ops/review/{payment.public_id}/decide/", {"decision": decision, "note": note})


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_queue_lists_payments_in_review_with_merchant_customer_and_attempts(
    in_review, paid, finance: Client, merchant
) -> None:
    held = in_review()
    other = paid()

    response = finance.get("/ops/review/")

    html = response.content.decode()
    assert held.public_id in html and other.public_id not in html
    assert merchant.business_name in html and "Ava Reed" in html
    assert 'hx-trigger="every 5s"' in html
    assert '<label for="note-' in html and ">Approve</button>" in html and ">Reject</button>" in html
    assert "<td>Review test card</td>" in html  # the risk rule that held it


def test_the_queue_names_the_rule_that_held_each_payment(in_review, paid, finance: Client, settings) -> None:
    settings.PAYGATE_RISK_REVIEW_ABOVE = 100  # major units: 150.00 GBP is above it
    by_card = in_review()
    by_amount = paid(amount=15000)

    html = finance.get("/ops/review/").content.decode()

    assert (by_card.risk_rule, by_amount.risk_rule) == (RiskRule.REVIEW_CARD, RiskRule.REVIEW_THRESHOLD)
    assert "<td>Review test card</td>" in html and "<td>Amount above the review threshold</td>" in html


def test_a_rule_that_blocks_is_kept_on_the_payment(paid) -> None:
    blocked = paid(number="4100000000000019")

    assert (blocked.status, blocked.failure_reason, blocked.risk_rule) == (
        "failed",
        "FRAUD_SUSPECTED",
        RiskRule.BLOCKED_CARD,
    )


def test_htmx_poll_answers_the_table_only(in_review, finance: Client) -> None:
    held = in_review()

    response = finance.get("/ops/review/", HTTP_HX_REQUEST="true")

    assert held.public_id in response.content.decode()
    assert "<html" not in response.content.decode()


def test_finance_approves_with_a_note(in_review, finance: Client, finance_user) -> None:
    held = in_review()

    response = _decide(finance, held, "approve")

    assert response.status_code == 302 and response["Location"] == "/ops/review/"
    held.refresh_from_db()
    assert (held.status, held.review_note, held.reviewed_by) == (
        PaymentStatus.CAPTURED,
        "checked with the customer",
        finance_user,
    )
    assert LedgerEntry.objects.filter(reference=held.public_id).exists()
    assert Event.objects.filter(payment=held, type="payment.authorized", actor=finance_user.public_id).exists()
    assert any("approved" in m for m in _messages(response))


def test_admin_rejects_with_a_note(in_review, admin: Client) -> None:
    held = in_review()

    response = _decide(admin, held, "reject")

    held.refresh_from_db()
    assert (held.status, held.failure_reason) == (PaymentStatus.FAILED, "REVIEW_REJECTED")
    assert any("rejected" in m for m in _messages(response))


def test_a_decision_without_a_note_shows_the_error_beside_the_note(in_review, finance: Client) -> None:
    held = in_review()

    response = _decide(finance, held, "approve", note="")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a note: why this decision." in html
    assert f'id="note-{held.public_id}-error"' in html
    held.refresh_from_db()
    assert held.status == PaymentStatus.REVIEW


def test_a_too_long_note_is_kept_as_typed(in_review, finance: Client) -> None:
    held = in_review()

    response = _decide(finance, held, "approve", note="y" * 501)

    assert response.status_code == 400
    assert 'value="' + "y" * 501 + '"' in response.content.decode()


def test_a_second_decision_shows_a_clear_message(in_review, finance: Client, admin: Client) -> None:
    held = in_review()
    _decide(finance, held, "approve")

    response = _decide(admin, held, "reject")

    assert response.status_code == 302
    assert _messages(response) == [
        f"Payment {held.public_id} was not changed: Only payments in review can be reviewed; this one is captured."
    ]
    held.refresh_from_db()
    assert held.status == PaymentStatus.CAPTURED


def test_review_query_count_is_held(in_review, finance: Client, django_assert_max_num_queries) -> None:
    for _ in range(5):
        in_review()

    with django_assert_max_num_queries(6):
        response = finance.get("/ops/review/")
    assert len(response.context["payments"].rows) == 5
