"""capture / cancel / retry / review / attempts / delete: transitions, role matrix, outsiders."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Payment, PaymentStatus, ProviderAttempt
from tests.conftest import API
from tests.payments.conftest import create_order, pay

PAYMENTS = f"{API}/payments/"


@pytest.fixture
def manual_capture(merchant: Merchant) -> Merchant:
    merchant.auto_capture = False
    merchant.save()
    return merchant


def authorized(api: APIClient, amount: int = 5000) -> dict:
    payment = pay(api, create_order(api, amount, "USD")["id"])
    assert payment["status"] == "authorized"
    return payment


def post(api: APIClient, payment: dict, action: str, body: dict | None = None):
    return api.post(f"{PAYMENTS}{payment['id']}/{action}/", body or {}, format="json")


def test_manual_capture_of_the_whole_amount(merchant_api: APIClient, manual_capture: Merchant) -> None:
    payment = authorized(merchant_api)

    response = post(merchant_api, payment, "capture")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["amount_captured"], data["capture_method"]) == ("captured", 5000, "manual")


def test_partial_capture_and_its_limits(merchant_api: APIClient, manual_capture: Merchant) -> None:
    payment = authorized(merchant_api)

    too_much = post(merchant_api, payment, "capture", {"amount": 5001})
    zero = post(merchant_api, payment, "capture", {"amount": 0})
    float_amount = post(merchant_api, payment, "capture", {"amount": 10.5})
    partial = post(merchant_api, payment, "capture", {"amount": 3000})

    assert too_much.status_code == 400 and too_much.json()["exception"]["code"] == 1017
    assert zero.status_code == 400 and float_amount.status_code == 400
    assert partial.json()["data"]["amount_captured"] == 3000
    order = merchant_api.get(f"{API}/orders/{payment['order_id']}/").json()["data"]
    assert (order["status"], order["amount_paid"], order["amount_due"]) == ("attempted", 3000, 2000)


def test_capturing_twice_is_an_illegal_transition(merchant_api: APIClient, manual_capture: Merchant) -> None:
    payment = authorized(merchant_api)
    post(merchant_api, payment, "capture")

    response = post(merchant_api, payment, "capture")

    assert response.status_code == 409
    error = response.json()["exception"]
    assert error["code"] == 1010
    assert error["meta"]["current_state"] == "captured" and error["meta"]["expected_states"] == ["authorized"]


def test_cancel_voids_an_authorized_payment_and_then_nothing_moves(
    merchant_api: APIClient, manual_capture: Merchant
) -> None:
    payment = authorized(merchant_api)

    canceled = post(merchant_api, payment, "cancel")

    assert canceled.json()["data"]["status"] == "canceled"
    for action in ("capture", "cancel", "retry"):
        assert post(merchant_api, payment, action).status_code == 409
    assert merchant_api.post(f"{API}/refunds/", {"payment_id": payment["id"]}, format="json").status_code == 409


def test_captured_payment_cannot_be_canceled(merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"])

    response = post(merchant_api, payment, "cancel")

    assert response.status_code == 409
    assert Payment.objects.get(public_id=payment["id"]).status == PaymentStatus.CAPTURED


def test_retry_a_soft_failure_until_retries_run_out(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_MAX_RETRIES = 2
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000119")

    first = post(merchant_api, payment, "retry").json()["data"]
    second = post(merchant_api, payment, "retry").json()["data"]
    third = post(merchant_api, payment, "retry")

    assert (first["status"], first["retry_count"]) == ("failed", 1)
    assert (second["retry_count"], len(second["provider_attempts"])) == (2, 9)  # 3 providers per try, one payment
    assert third.status_code == 409 and third.json()["exception"]["code"] == 1014
    assert Payment.objects.count() == 1


def test_hard_failures_are_not_retryable(merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")

    response = post(merchant_api, payment, "retry")

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["failure_reason"] == "CARD_DECLINED"


def test_retry_after_an_outage_succeeds(merchant_api: APIClient) -> None:
    from payments.models import ProviderProfile

    ProviderProfile.objects.update(outage=True)
    payment = pay(merchant_api, create_order(merchant_api)["id"])
    assert (payment["status"], payment["failure_reason"]) == ("failed", "PROVIDER_UNAVAILABLE")
    ProviderProfile.objects.update(outage=False)

    retried = post(merchant_api, payment, "retry").json()["data"]

    assert retried["status"] == "captured"
    assert [e["type"] for e in retried["timeline"]][-3:] == [
        "payment.retried",
        "payment.authorized",
        "payment.captured",
    ]


@pytest.mark.parametrize("who", ["finance_api", "admin_api"])
def test_operators_approve_a_payment_in_review(
    who: str, request: pytest.FixtureRequest, merchant_api: APIClient
) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000004954")

    response = post(request.getfixturevalue(who), payment, "review", {"decision": "approve", "note": "customer called"})

    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["status"], data["review_note"]) == ("captured", "customer called")


def test_rejecting_a_review_fails_the_payment(finance_api: APIClient, merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000004954")

    data = post(finance_api, payment, "review", {"decision": "reject"}).json()["data"]

    assert (data["status"], data["failure_reason"]) == ("failed", "REVIEW_REJECTED")
    assert post(finance_api, payment, "review", {"decision": "approve"}).status_code == 409


def test_amount_above_review_threshold_goes_to_review(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_RISK_REVIEW_ABOVE = 100

    payment = pay(merchant_api, create_order(merchant_api, 10001, "USD")["id"])

    assert payment["status"] == "review"


def test_bad_review_input(finance_api: APIClient, merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000004954")

    assert post(finance_api, payment, "review", {"decision": "maybe"}).status_code == 400
    assert post(finance_api, payment, "review", {}).status_code == 400


def stuck_processing(merchant_api: APIClient) -> dict:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")
    Payment.objects.filter(public_id=payment["id"]).update(status=PaymentStatus.PROCESSING, failure_reason="")
    return payment


def test_operator_records_a_successful_attempt_for_a_stuck_payment(
    finance_api: APIClient, merchant_api: APIClient
) -> None:
    payment = stuck_processing(merchant_api)

    response = post(finance_api, payment, "attempts", {"provider": "adyen", "result": "success", "latency_ms": 812})

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "captured" and data["provider"] == "adyen"
    assert data["provider_attempts"][-1] | {"id": 0, "created_at": 0} == {
        "id": 0, "provider": "adyen", "result": "success", "latency_ms": 812, "error_code": "", "manual": True, "created_at": 0
    }  # fmt: skip


def test_operator_records_a_failed_attempt(admin_api: APIClient, merchant_api: APIClient) -> None:
    payment = stuck_processing(merchant_api)

    data = post(
        admin_api,
        payment,
        "attempts",
        {"provider": "stripe", "result": "failure", "latency_ms": 30000, "error_code": "PROVIDER_UNAVAILABLE"},
    ).json()["data"]

    assert (data["status"], data["failure_reason"]) == ("failed", "PROVIDER_UNAVAILABLE")


def test_recording_attempts_needs_a_processing_payment_and_valid_input(
    finance_api: APIClient, merchant_api: APIClient
) -> None:
    done = pay(merchant_api, create_order(merchant_api)["id"])
    stuck = stuck_processing(merchant_api)

    assert (
        post(finance_api, done, "attempts", {"provider": "stripe", "result": "success", "latency_ms": 5}).status_code
        == 409
    )
    assert (
        post(
            finance_api, stuck, "attempts", {"provider": "visa-direct", "result": "success", "latency_ms": 5}
        ).status_code
        == 400
    )
    assert (
        post(finance_api, stuck, "attempts", {"provider": "stripe", "result": "success", "latency_ms": -1}).status_code
        == 400
    )
    assert (
        post(
            finance_api,
            stuck,
            "attempts",
            {"provider": "stripe", "result": "success", "latency_ms": 5, "error_code": "CARD_DECLINED"},
        ).status_code
        == 400
    )


def test_admin_soft_deletes_a_payment(admin_api: APIClient, finance_api: APIClient, merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"])

    assert finance_api.delete(f"{PAYMENTS}{payment['id']}/").status_code == 403
    assert merchant_api.delete(f"{PAYMENTS}{payment['id']}/").status_code == 403
    assert admin_api.delete(f"{PAYMENTS}{payment['id']}/").status_code == 204

    assert merchant_api.get(f"{PAYMENTS}{payment['id']}/").status_code == 404
    row = Payment.objects.all_with_deleted().get(public_id=payment["id"])
    assert row.deleted and row.status == PaymentStatus.CAPTURED
    assert row.events.filter(type="payment.deleted").exists()


# --- the role matrix, in one place -------------------------------------------------------------

ACTIONS = {
    # action: roles allowed (the others get 403)
    "capture": {"merchant", "finance", "admin"},
    "cancel": {"merchant", "finance", "admin"},
    "retry": {"merchant", "admin"},
    "review": {"finance", "admin"},
    "attempts": {"finance", "admin"},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ["merchant", "finance", "admin"])
def test_role_matrix_for_payment_actions(
    action: str, role: str, request: pytest.FixtureRequest, merchant_api: APIClient
) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")
    client = request.getfixturevalue(f"{role}_api")

    response = post(client, payment, action, {})

    if role in ACTIONS[action]:
        assert response.status_code != 403  # allowed: a 409/400 from the state machine or input, not the role
    else:
        assert response.status_code == 403
        assert response.json()["exception"]["code"] == 1004


@pytest.mark.parametrize("action", ["capture", "cancel", "retry", "detail"])  # the actions merchants may call
def test_outsider_gets_404_for_every_payment_endpoint(
    action: str, merchant_api: APIClient, outsider_api: APIClient
) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")

    if action == "detail":
        response = outsider_api.get(f"{PAYMENTS}{payment['id']}/")
    else:
        response = post(outsider_api, payment, action)

    assert response.status_code == 404


def test_anonymous_gets_401_everywhere(api: APIClient) -> None:
    for path in ("payments/", "refunds/", "ledger/", "payouts/", "events/", "balance/", "orders/"):
        assert api.get(f"{API}/{path}").status_code == 401, path


def fallbacks(payment: dict) -> list[tuple[int, str, bool]]:
    attempts = ProviderAttempt.objects.filter(payment__public_id=payment["id"]).order_by("sequence")
    return list(attempts.values_list("sequence", "provider", "fallback"))


def test_attempts_at_another_provider_than_the_first_are_flagged_as_fallbacks(
    merchant_api: APIClient, finance_api: APIClient, settings
) -> None:
    settings.PAYGATE_MAX_RETRIES = 1
    routed = pay(merchant_api, create_order(merchant_api)["id"], "4000000000003253")  # first provider fails
    retried = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000119")  # every provider, twice
    post(merchant_api, retried, "retry")
    stuck = stuck_processing(merchant_api)
    first = fallbacks(stuck)[0][1]
    post(finance_api, stuck, "attempts", {"provider": first, "result": "success", "latency_ms": 5})

    (_, first_routed, no), (_, second_routed, yes) = fallbacks(routed)
    assert first_routed != second_routed and (no, yes) == (False, True)
    tries = fallbacks(retried)
    assert len(tries) == 6 and [f for _, provider, f in tries] == [provider != tries[0][1] for _, provider, _ in tries]
    assert [f for _, _, f in fallbacks(stuck)] == [False, False]  # the manual attempt went to the first provider
