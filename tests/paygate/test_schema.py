from __future__ import annotations

import pytest
from django.test import Client

from paygate.lib.api import ErrorCode

pytestmark = pytest.mark.django_db


def test_schema_serves_every_endpoint_with_envelopes_and_error_codes(client: Client) -> None:
    response = client.get("/paygate/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/paygate/api/v1/auth/register/", "/paygate/api/v1/auth/token/", "/paygate/api/v1/me/"} <= set(
        schema["paths"]
    )
    assert [e["code"] for e in schema["x-error-codes"]] == [e.code for e in ErrorCode]
    me = schema["paths"]["/paygate/api/v1/me/"]["get"]["responses"]
    assert me["200"]["content"]["application/json"]["schema"]["properties"]["data"] == {
        "$ref": "#/components/schemas/UserOutput"
    }
    assert me["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    token = schema["paths"]["/paygate/api/v1/auth/token/"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"]


def test_schema_documents_the_413_of_every_body_and_the_404_of_an_unknown_merchant(client: Client) -> None:
    paths = client.get("/paygate/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    with_body = [
        (path, method, operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch")
    ]
    assert len(with_body) > 20 and any(path.startswith("/paygate/api/v1/checkout/") for path, _, _ in with_body)
    assert [(path, method) for path, method, responses in with_body if "413" not in responses] == []
    assert "404" in paths["/paygate/api/v1/balance/"]["get"]["responses"]


def test_swagger_ui_is_served_without_a_cdn(client: Client) -> None:
    response = client.get("/paygate/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_schema_documents_order_cancel_and_expiry(client: Client) -> None:
    schema = client.get("/paygate/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]

    cancel = schema["paths"]["/paygate/api/v1/orders/{id}/cancel/"]["post"]
    assert {"200", "403", "404", "409"} <= set(cancel["responses"])
    assert "expire_by" in components["OrderCreateInputRequest"]["properties"]
    assert components["OrderOutput"]["properties"]["expires_at"]["nullable"] is True
    assert "canceled" in components["OrderStatusEnum"]["enum"]
