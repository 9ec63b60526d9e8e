"""Every class of error answers the one envelope with its real HTTP status."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from merchants import services
from merchants.models import Merchant
from paygate.lib.api import ErrorCode
from tests.conftest import API

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: int) -> dict:
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert set(body["exception"]) == {"code", "message", "description", "meta"}
    assert body["exception"]["code"] == code
    assert body["exception"]["description"]
    return body["exception"]


def test_success_envelope_wraps_data(merchant_api: APIClient) -> None:
    body = merchant_api.get(f"{API}/me/").json()

    assert body["success"] is True
    assert body["data"]["role"] == "merchant"


def test_validation_error_lists_fields(api: APIClient) -> None:
    response = api.post(f"{API}/auth/token/", {"email": "nope"}, format="json")

    error = assert_error(response, 400, 1008)
    assert set(error["meta"]["fields"]) == {"email", "password"}


def test_malformed_json_is_400(api: APIClient) -> None:
    response = api.post(f"{API}/auth/token/", data="{not json", content_type="application/json")

    assert_error(response, 400, 1030)


def test_wrong_method_is_405(merchant_api: APIClient) -> None:
    assert_error(merchant_api.put(f"{API}/me/", {}, format="json"), 405, 1031)


def test_non_json_body_is_415(api: APIClient) -> None:
    response = api.post(f"{API}/auth/token/", data="email=a", content_type="application/x-www-form-urlencoded")

    assert_error(response, 415, 1032)


def test_non_json_accept_is_406(merchant_api: APIClient) -> None:
    assert_error(merchant_api.get(f"{API}/me/", HTTP_ACCEPT="text/html"), 406, 1033)


def test_unknown_api_url_is_404_envelope(api: APIClient) -> None:
    response = api.get(f"{API}/no-such-thing/")

    assert_error(response, 404, 1009)


def test_unknown_page_is_html_404(client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Not found" in response.content


def test_unauthenticated_is_401_and_wrong_role_is_403(api: APIClient, finance_api: APIClient) -> None:
    assert_error(api.get(f"{API}/me/"), 401, 1001)
    assert_error(finance_api.post(f"{API}/me/api-keys/rotate/"), 403, 1004)


@pytest.mark.usefixtures("one_rate_window")
def test_rate_limit_is_429_with_retry_after(api: APIClient, settings) -> None:
    settings.RATELIMIT_LOGIN = "1/m"
    api.post(f"{API}/auth/token/", {"email": "a@b.example", "password": "x"}, format="json")

    response = api.post(f"{API}/auth/token/", {"email": "a@b.example", "password": "x"}, format="json")

    error = assert_error(response, 429, 1005)
    assert int(response["Retry-After"]) == error["meta"]["retry_after"] > 0


def test_unexpected_exception_is_500_envelope_without_trace_and_writes_nothing(
    merchant_api: APIClient, merchant: Merchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a failure in the middle of a service, after its first write
    def explode(*, merchant: Merchant) -> None:
        Merchant.objects.filter(pk=merchant.pk).update(business_name="half-written")
        raise RuntimeError("database exploded at /secret/path.py line 3")

    monkeypatch.setattr(services, "merchant_rotate_api_key", services.transaction.atomic(explode))

    # when the endpoint calls it
    response = merchant_api.post(f"{API}/me/api-keys/rotate/")

    # then the client gets the envelope, no internals, and nothing was written
    error = assert_error(response, 500, 1099)
    assert "exploded" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert error["message"] == "Internal server error."
    merchant.refresh_from_db()
    assert merchant.business_name != "half-written"


def test_every_error_code_is_unique_and_in_its_range() -> None:
    codes = [e.code for e in ErrorCode]

    assert len(codes) == len(set(codes))
    auth = {e.code for e in ErrorCode if e.status in (401, 403, 429)}
    assert all(1001 <= c <= 1007 for c in auth)


def test_error_table_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    for error in ErrorCode:
        assert f"| {error.code} | `{error.name}` | {error.status} |" in doc, error


def test_health_answers_without_credentials(api: APIClient) -> None:
    response = api.get(f"{API}/health/")

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ok"}}


def test_options_never_fails_on_any_api_endpoint(merchant_api: APIClient) -> None:
    paths = set()
    schema = merchant_api.get("/paygate/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in schema["paths"]:
        paths.add(path.replace("{id}", "pay_doesnotexist0000"))

    for path in sorted(paths):
        response = merchant_api.options(path)
        assert response.status_code < 500, path


BIG = 5 * 1024 * 1024


def big_json() -> bytes:
    return b'{"amount": 2599, "currency": "GBP", "notes": {"x": "' + b"a" * BIG + b'"}}'


@pytest.mark.parametrize("path", ["/orders/", "/payments/", "/refunds/", "/auth/register/", "/auth/token/"])
def test_a_body_over_the_upload_limit_is_413_and_writes_nothing(merchant_api: APIClient, path: str) -> None:
    from payments.models import Order

    response = merchant_api.generic("POST", f"{API}{path}", big_json(), content_type="application/json")

    error = assert_error(response, 413, 1034)
    assert error["message"] == "The request body is larger than the 2,621,440 bytes allowed."
    assert error["meta"] == {"max_bytes": 2_621_440}
    assert not Order.objects.exists()


def test_a_body_over_the_limit_to_a_page_is_an_html_413(client) -> None:
    response = client.generic("POST", "/portal/login/", b"username=" + b"a" * BIG, "application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert "Request too large" in response.content.decode()


def test_a_body_just_under_the_limit_is_read_as_usual(merchant_api: APIClient, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    body = b'{"amount": 2599, "currency": "GBP", "receipt": "' + b"r" * 40 + b'"}'

    assert merchant_api.generic("POST", f"{API}/orders/", body, content_type="application/json").status_code == 201
    response = merchant_api.generic("POST", f"{API}/orders/", body + b" " * 200, content_type="application/json")
    assert assert_error(response, 413, 1034)["meta"] == {"max_bytes": 200}


def test_a_body_too_large_met_inside_a_view_is_413_too(merchant_api: APIClient) -> None:
    from django.core.exceptions import RequestDataTooBig

    from paygate.lib.api import exception_handler

    response = exception_handler(RequestDataTooBig("too big"), {})

    assert response.status_code == 413 and response.data["exception"]["code"] == 1034
