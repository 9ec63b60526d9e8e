"""OpenAPI generation that documents what the API really sends: envelopes and error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from paygate.lib.api import ErrorCode


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="Numbered error code; see x-error-codes / docs/errors.md.")
    message = serializers.CharField()
    description = serializers.CharField()
    meta = serializers.DictField(help_text="Field errors under `fields`, or details such as `retry_after`.")


class ErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    exception = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": "Validation error or malformed request.",
    "401": "Not authenticated, or invalid credentials.",
    "403": "Your role may not perform this action.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "409": "Conflict: illegal state transition or request in flight.",
    "413": "The request body is larger than allowed.",
    "415": "Unsupported media type.",
    "422": "Idempotency key reused with a different request.",
    "429": "Rate limited; see Retry-After.",
    "500": "Unexpected error; nothing was changed.",
}


class EnvelopeAutoSchema(AutoSchema):
    """Wraps success bodies in the envelope and adds the error responses every endpoint can give."""

    def _get_response_for_code(
        self, serializer: Any, status_code: str, media_types: Any = None, direction: str = "response"
    ) -> dict:
        if status_code >= "400":
            if serializer is None or isinstance(serializer, str):
                serializer = ErrorEnvelopeSerializer
            result = super()._get_response_for_code(serializer, status_code, media_types, direction)
            result["description"] = result.get("description") or ERROR_DESCRIPTIONS.get(status_code, "Error.")
            return result
        if serializer is None and status_code != "204":
            # The view answers an envelope with `data: null` (and usually a message).
            serializer = {"type": "object", "nullable": True, "description": "Always null."}
        result = super()._get_response_for_code(serializer, status_code, media_types, direction)
        for media in result.get("content", {}).values():
            media["schema"] = envelope_schema(media["schema"])
        return result

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(None, code, direction=direction)
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before retrying.",
            }
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        authenticated = not any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if authenticated:
            codes += ["401", "403"]
        parameters = {p.get("name") for p in self._get_parameters()}
        if "{" in self.path or "merchant_id" in parameters:
            codes.append("404")  # the object, or the merchant named in the query, is not visible
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")  # a body over the upload limit, on every endpoint
            if authenticated:
                if "404" not in codes:
                    codes.append("404")  # an object named in the body is not visible to the caller
                codes.append("409")  # an illegal transition, or a request still in flight
                if "Idempotency-Key" in parameters:
                    codes.append("422")
        codes.append("500")
        return codes


def envelope_schema(data_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["success", "data"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": data_schema,
            "message": {"type": "string"},
        },
    }


def add_error_codes(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: serve the error-code table in the schema (`x-error-codes`)."""
    result["x-error-codes"] = [
        {"code": e.code, "name": e.name, "status": e.status, "description": e.description} for e in ErrorCode
    ]
    return result
