from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Balance, LedgerEntry, Payment, ProviderProfile, Refund
from payments.services import capture_fee
from tests.conftest import API
from tests.payments.conftest import create_order, paid_payment

REFUNDS = f"{API}/refunds/"


def refund(api: APIClient, payment_id: str, amount: int | None = None, **extra):
    body = {"payment_id": payment_id, **extra} | ({"amount": amount} if amount is not None else {})
    return api.post(REFUNDS, body, format="json")


def ledger(api: APIClient) -> list[dict]:
    return list(reversed(api.get(f"{API}/ledger/?limit=100").json()["data"]["results"]))


def balance(api: APIClient, currency: str = "GBP") -> dict:
    rows = {row["currency"]: row for row in api.get(f"{API}/balance/").json()["data"]}
    return rows.get(currency, {"available": 0, "pending": 0})


def test_fee_is_percentage_plus_fixed_rounded_half_up(settings) -> None:
    settings.PAYGATE_FEE_BPS, settings.PAYGATE_FEE_FIXED = 290, 30

    assert capture_fee(2599) == 75 + 30  # 75.371
    assert capture_fee(1000) == 29 + 30
    assert capture_fee(1724) == 50 + 30  # 49.996 rounds up
    assert capture_fee(20) == 20  # never more than the amount


def test_capture_credits_amount_minus_fee_with_a_chained_ledger(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api, 2599)

    entries = ledger(merchant_api)

    assert [(e["type"], e["amount"], e["balance_before"], e["balance_after"]) for e in entries] == [
        ("capture", 2599, 0, 2599),
        ("fee", -105, 2599, 2494),
    ]
    assert {e["reference"] for e in entries} == {payment["id"]}
    assert balance(merchant_api) == {"currency": "GBP", "available": 2494, "pending": 0}


def test_partial_refunds_then_the_rest(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api, 2599)

    first = refund(merchant_api, payment["id"], 500, reason="damaged")
    second = refund(merchant_api, payment["id"], 1000)
    rest = refund(merchant_api, payment["id"])

    assert [r.status_code for r in (first, second, rest)] == [201, 201, 201]
    assert first.json()["data"] | {"id": 0, "created_at": 0, "processed_at": 0} == {
        "id": 0, "payment_id": payment["id"], "amount": 500, "currency": "GBP", "status": "processed",
        "reason": "damaged", "failure_reason": None, "created_at": 0, "processed_at": 0,
    }  # fmt: skip
    assert rest.json()["data"]["amount"] == 1099
    detail = merchant_api.get(f"{API}/payments/{payment['id']}/").json()["data"]
    assert (detail["status"], detail["amount_refunded"]) == ("refunded", 2599)
    # The fee is not returned: the balance ends at minus the fee.
    assert balance(merchant_api)["available"] == -105
    assert [e["balance_after"] for e in ledger(merchant_api)] == [2599, 2494, 1994, 994, -105]


def test_partially_refunded_status_in_between(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api)
    refund(merchant_api, payment["id"], 100)

    assert merchant_api.get(f"{API}/payments/{payment['id']}/").json()["data"]["status"] == "partially_refunded"


@pytest.mark.parametrize("amount", [0, -5, 2600, 25.5, "100"])
def test_refund_amount_outside_what_is_left_is_refused(merchant_api: APIClient, amount) -> None:
    payment = paid_payment(merchant_api, 2599)

    response = refund(merchant_api, payment["id"], amount)

    assert response.status_code == 400
    assert not Refund.objects.exists()


def test_refund_beyond_the_remainder_says_how_much_is_left(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api, 2599)
    refund(merchant_api, payment["id"], 2000)

    response = refund(merchant_api, payment["id"], 600)

    assert response.status_code == 400
    error = response.json()["exception"]
    assert (error["code"], error["meta"]["refundable"]) == (1015, 599)
    assert refund(merchant_api, payment["id"], 599).status_code == 201
    assert refund(merchant_api, payment["id"]).status_code == 409  # nothing left: the payment is refunded


def test_uncaptured_payments_cannot_be_refunded(merchant_api: APIClient) -> None:
    from tests.payments.conftest import pay

    failed = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")

    response = refund(merchant_api, failed["id"])

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["current_state"] == "failed"


def test_refund_fails_when_the_provider_is_down_and_frees_the_amount(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api, 2599)
    ProviderProfile.objects.filter(name=payment["provider"]).update(outage=True)

    failed = refund(merchant_api, payment["id"], 1000).json()["data"]

    assert (failed["status"], failed["failure_reason"]) == ("failed", "PROVIDER_UNAVAILABLE")
    ProviderProfile.objects.update(outage=False)
    assert refund(merchant_api, payment["id"]).json()["data"]["amount"] == 2599
    assert Payment.objects.get(public_id=payment["id"]).amount_refunded == 2599


def test_refund_role_matrix_and_outsider(
    merchant_api: APIClient, outsider_api: APIClient, finance_api: APIClient, admin_api: APIClient
) -> None:
    payment = paid_payment(merchant_api, 2599)

    assert refund(outsider_api, payment["id"], 100).status_code == 404
    assert refund(finance_api, payment["id"], 100).status_code == 201
    made = refund(admin_api, payment["id"], 100).json()["data"]
    assert outsider_api.get(f"{REFUNDS}{made['id']}/").status_code == 404
    assert merchant_api.get(f"{REFUNDS}{made['id']}/").status_code == 200
    assert merchant_api.get(f"{REFUNDS}?payment_id={payment['id']}").json()["data"]["total"] == 2
    assert outsider_api.get(REFUNDS).json()["data"]["total"] == 0


def test_payout_debits_the_balance_and_refuses_more_than_available(
    merchant_api: APIClient, outsider_api: APIClient, finance_api: APIClient
) -> None:
    paid_payment(merchant_api, 2599)

    too_much = merchant_api.post(f"{API}/payouts/", {"amount": 2495, "currency": "GBP"}, format="json")
    other_currency = merchant_api.post(f"{API}/payouts/", {"amount": 100, "currency": "USD"}, format="json")
    ok = merchant_api.post(f"{API}/payouts/", {"amount": 2000, "currency": "GBP"}, format="json")

    assert too_much.status_code == 409 and too_much.json()["exception"]["meta"]["available"] == 2494
    assert other_currency.status_code == 409
    assert ok.status_code == 201 and ok.json()["data"]["id"].startswith("pout_")
    assert balance(merchant_api)["available"] == 494
    assert ledger(merchant_api)[-1]["type"] == "payout"
    assert finance_api.post(f"{API}/payouts/", {"amount": 1, "currency": "GBP"}, format="json").status_code == 403
    assert outsider_api.get(f"{API}/payouts/{ok.json()['data']['id']}/").status_code == 404
    assert finance_api.get(f"{API}/payouts/{ok.json()['data']['id']}/").status_code == 200


def test_balance_pending_is_authorized_but_uncaptured(merchant_api: APIClient, merchant: Merchant) -> None:
    merchant.auto_capture = False
    merchant.save()
    from tests.payments.conftest import pay

    pay(merchant_api, create_order(merchant_api, 3000, "EUR")["id"])

    assert balance(merchant_api, "EUR") == {"currency": "EUR", "available": 0, "pending": 3000}


def test_operators_read_a_merchants_balance_by_id(
    finance_api: APIClient, merchant_api: APIClient, merchant: Merchant
) -> None:
    paid_payment(merchant_api, 2599)

    assert finance_api.get(f"{API}/balance/").status_code == 400
    assert finance_api.get(f"{API}/balance/?merchant_id=mer_nope00000000000").status_code == 404
    rows = finance_api.get(f"{API}/balance/?merchant_id={merchant.public_id}").json()["data"]
    assert rows == [{"currency": "GBP", "available": 2494, "pending": 0}]


def test_several_currencies_keep_separate_balances(merchant_api: APIClient) -> None:
    paid_payment(merchant_api, 2599, "GBP")
    paid_payment(merchant_api, 1000, "JPY")

    rows = merchant_api.get(f"{API}/balance/").json()["data"]

    assert [(r["currency"], r["available"]) for r in rows] == [("GBP", 2494), ("JPY", 1000 - capture_fee(1000))]


def test_verify_ledger_passes_on_real_activity_and_names_a_broken_chain(merchant_api: APIClient) -> None:
    payment = paid_payment(merchant_api, 2599)
    refund(merchant_api, payment["id"], 500)
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "Ledger OK: 1 balances, 3 entries" in out.getvalue()

    # a tampered entry breaks the chain
    entry = LedgerEntry.objects.order_by("pk")[1]
    LedgerEntry.objects.filter(pk=entry.pk).update(
        balance_before=entry.balance_before + 1, balance_after=entry.balance_after + 1
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=StringIO(), stderr=err)
    assert entry.public_id in err.getvalue()


def test_verify_ledger_catches_a_balance_that_differs_from_its_entries(merchant_api: APIClient) -> None:
    paid_payment(merchant_api, 2599)
    Balance.objects.update(available=1)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=StringIO(), stderr=err)

    assert "balance is 1 but its entries sum to 2494" in err.getvalue()
