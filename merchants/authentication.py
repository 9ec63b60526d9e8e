"""Server-to-server authentication with the merchant's API key and secret.

Either `X-Api-Key` + `X-Api-Secret` headers, or HTTP Basic with `key_…:sk_…`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from merchants.keys import api_secret_matches, hash_api_secret
from merchants.models import Merchant
from paygate.lib.compiled import Param, compiled

# Every key-authenticated request runs this: compiled once, not per request.
_merchant_by_key = compiled(lambda: Merchant.objects.select_related("user").filter(api_key_id=Param("key_id"))[:1])


@dataclass(frozen=True)
class ApiKeyAuth:
    """`request.auth` for a key-authenticated request."""

    merchant: Merchant
    key_id: str


def _fail(message: str = "Invalid API key or secret.") -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(message, code="invalid_api_key")


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, ApiKeyAuth] | None:
        key_id = request.META.get("HTTP_X_API_KEY")
        secret = request.META.get("HTTP_X_API_SECRET")
        if key_id is None and secret is None:
            credentials = self._basic_credentials(request)
            if credentials is None:
                return None
            key_id, secret = credentials
        if not key_id or not secret:
            raise _fail("Send both X-Api-Key and X-Api-Secret.")
        merchant = _merchant_by_key.first(key_id=key_id)
        if merchant is None:
            hash_api_secret(secret)  # same work as a real comparison: no timing oracle on key ids
            raise _fail()
        if not api_secret_matches(secret, merchant.api_secret_hash) or not merchant.user.is_active:
            raise _fail()
        return merchant.user, ApiKeyAuth(merchant=merchant, key_id=key_id)

    @staticmethod
    def _basic_credentials(request: Any) -> tuple[str, str] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            raise _fail("Malformed Basic credentials.")
        try:
            key_id, sep, secret = base64.b64decode(header[1], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _fail("Malformed Basic credentials.") from None
        if not sep:
            raise _fail("Malformed Basic credentials.")
        return key_id, secret

    def authenticate_header(self, request: Any) -> str:
        return 'Basic realm="PayGate API"'
