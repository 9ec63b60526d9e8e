"""OpenAPI description of the API key authentication (imported at start-up)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.authentication.ApiKeyAuthentication"
    name = ["apiKey", "apiSecret", "basicKeySecret"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list]]:
        return [{"apiKey": [], "apiSecret": []}, {"basicKeySecret": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "Merchant API key id (key_…)."},
            {"type": "apiKey", "in": "header", "name": "X-Api-Secret", "description": "Merchant API secret (sk_…)."},
            {"type": "http", "scheme": "basic", "description": "HTTP Basic with key_…:sk_…."},
        ]
