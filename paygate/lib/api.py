"""API conventions: the success and error envelopes, the error-code table (pagination: pagination.py).

Success: `{"success": true, "data": ..., "message"?: "..."}` — added by `EnvelopeJSONRenderer`,
so views return plain data. Errors: `{"success": false, "exception": {"code", "message",
"description", "meta"}}` with the real HTTP status — produced only by `exception_handler`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.metadata import SimpleMetadata
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

logger = logging.getLogger("paygate.api")


@dataclass(frozen=True)
class ErrorSpec:
    code: int
    status: int
    description: str


class ErrorCode(Enum):
    """The numbered error table (docs/errors.md mirrors it; the schema serves it).

    1001–1007 auth and access, 1008–1018 orders/payments/refunds/idempotency, 1019–1020 stats,
    1021+ webhooks and the rest.
    """

    NOT_AUTHENTICATED = ErrorSpec(1001, 401, "No credentials were sent: use a Bearer access token or an API key.")
    INVALID_CREDENTIALS = ErrorSpec(1002, 401, "The email and password do not match an active account.")
    INVALID_TOKEN = ErrorSpec(1003, 401, "The token is malformed, expired or revoked; log in or refresh again.")
    PERMISSION_DENIED = ErrorSpec(1004, 403, "Your role may not perform this action.")
    RATE_LIMITED = ErrorSpec(1005, 429, "Too many requests; wait for the number of seconds in Retry-After.")
    INVALID_API_KEY = ErrorSpec(1006, 401, "The API key and secret do not match an active key.")
    VALIDATION_ERROR = ErrorSpec(1008, 400, "The request is invalid; meta.fields says which field and why.")
    NOT_FOUND = ErrorSpec(1009, 404, "No such object, or it is not visible to you.")
    INVALID_STATE_TRANSITION = ErrorSpec(
        1010, 409, "The object is not in a state that allows this; meta has the current and expected states."
    )
    ORDER_NOT_PAYABLE = ErrorSpec(
        1011,
        409,
        "The order is already paid, canceled or expired (meta.order_status, meta.expired), or has a "
        "payment in progress.",
    )
    IDEMPOTENCY_IN_FLIGHT = ErrorSpec(1012, 409, "A request with this Idempotency-Key is still being processed.")
    IDEMPOTENCY_KEY_REUSED = ErrorSpec(1013, 422, "This Idempotency-Key was used with a different request.")
    PAYMENT_NOT_RETRYABLE = ErrorSpec(
        1014, 409, "The payment failed for a reason that cannot be retried, or has no retries left."
    )
    REFUND_EXCEEDS_CAPTURED = ErrorSpec(
        1015, 400, "The refund is larger than what is left to refund of the captured amount."
    )
    INSUFFICIENT_BALANCE = ErrorSpec(1016, 409, "The payout is larger than the available balance.")
    CAPTURE_EXCEEDS_AUTHORIZED = ErrorSpec(1017, 400, "The capture is larger than the authorized amount.")
    ORDER_EXPIRED = ErrorSpec(
        1018, 410, "The order has expired (its expires_at has passed) and can no longer be paid: checkout only."
    )
    INVALID_DATE_RANGE = ErrorSpec(1019, 400, "The date range is empty or reversed: `since` must be before `until`.")
    DATE_RANGE_TOO_LONG = ErrorSpec(1020, 400, "The date range is longer than this report allows; see meta.max_days.")
    WEBHOOK_URL_NOT_ALLOWED = ErrorSpec(
        1021, 400, "The webhook URL's host does not resolve, or resolves to a loopback, private or link-local address."
    )
    WEBHOOK_NOT_CONFIGURED = ErrorSpec(
        1022, 409, "No webhook URL is set, or webhooks are turned off; set them with PUT webhooks/ first."
    )
    WEBHOOK_DELIVERY_NOT_RETRYABLE = ErrorSpec(
        1023, 409, "An attempt of this delivery is in flight; retry it once that attempt has finished."
    )
    SOLD_OUT = ErrorSpec(1024, 409, "The product has no stock left; nothing was charged.")
    PAYMENT_LINK_UNAVAILABLE = ErrorSpec(1025, 410, "The payment link was deactivated or has expired.")
    MALFORMED_REQUEST = ErrorSpec(1030, 400, "The request body is not valid JSON.")
    METHOD_NOT_ALLOWED = ErrorSpec(1031, 405, "This endpoint does not support that HTTP method.")
    UNSUPPORTED_MEDIA_TYPE = ErrorSpec(1032, 415, "Send the request body as application/json.")
    NOT_ACCEPTABLE = ErrorSpec(1033, 406, "This API only answers application/json.")
    REQUEST_TOO_LARGE = ErrorSpec(1034, 413, "The request body is larger than allowed; meta.max_bytes says how large.")
    PAGE_TOO_DEEP = ErrorSpec(
        1035, 400, "Page numbers reach the first 10,000 rows only; follow the `next` link (a `cursor`) beyond."
    )
    INTERNAL_ERROR = ErrorSpec(1099, 500, "An unexpected error occurred; nothing was changed. Try again later.")

    @property
    def code(self) -> int:
        return self.value.code

    @property
    def status(self) -> int:
        return self.value.status

    @property
    def description(self) -> str:
        return self.value.description


class ApiError(Exception):
    """A failure with a code from the table. Services raise subclasses of this (domain errors)."""

    error = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, error: ErrorCode | None = None, meta: dict[str, Any] | None = None):
        super().__init__(message)
        if error is not None:
            self.error = error
        self.message = message
        self.meta = meta or {}


def error_body(error: ErrorCode, message: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "success": False,
        "exception": {
            "code": error.code,
            "message": message,
            "description": error.description,
            "meta": meta or {},
        },
    }


def error_response(
    error: ErrorCode, message: str, meta: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    response = Response(error_body(error, message, meta), status=error.status, headers=headers)
    response.is_error_envelope = True
    return response


def error_json_response(error: ErrorCode, message: str, meta: dict[str, Any] | None = None) -> JsonResponse:
    """The same envelope outside DRF (URL-level 404/500 handlers, middleware)."""
    return JsonResponse(error_body(error, message, meta), status=error.status)


def _first_message(detail: Any) -> str:
    """One sentence for `message`, whatever shape the detail has: a string, a list, a dict of
    field errors, or simplejwt's `{"detail": …, "code": …, "messages": […]}`. Never a repr."""
    if isinstance(detail, dict):
        if "detail" in detail:
            return _first_message(detail["detail"])
        for key, value in detail.items():
            return f"{key}: {_first_message(value)}" if key != "non_field_errors" else _first_message(value)
        return ""
    if isinstance(detail, list | tuple):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(item) for item in detail]
    return str(detail)


def too_large_body() -> tuple[str, dict[str, Any]]:
    """The message and meta of a 413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than the {limit:,} bytes allowed.", {"max_bytes": limit}


def ratelimit_retry_after(exc: Ratelimited) -> int:
    """Seconds until the limit's window ends; the decorator stores the period on the request."""
    return int(getattr(exc, "retry_after", 60))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """The one place every API failure becomes the error envelope. Never leaks a stack trace."""
    if isinstance(exc, ApiError):
        return error_response(exc.error, exc.message, exc.meta)
    if isinstance(exc, Ratelimited):
        seconds = ratelimit_retry_after(exc)
        return error_response(
            ErrorCode.RATE_LIMITED,
            "Too many requests.",
            {"retry_after": seconds},
            headers={"Retry-After": str(seconds)},
        )
    if isinstance(exc, drf_exceptions.Throttled):
        seconds = int(exc.wait or 1)
        return error_response(
            ErrorCode.RATE_LIMITED, "Too many requests.", {"retry_after": seconds}, {"Retry-After": str(seconds)}
        )
    if isinstance(exc, Http404 | drf_exceptions.NotFound):
        return error_response(ErrorCode.NOT_FOUND, "Not found.")
    if isinstance(exc, RequestDataTooBig):
        # Normally answered by paygate.middleware before any view reads the body.
        return error_response(ErrorCode.REQUEST_TOO_LARGE, *too_large_body())
    if isinstance(exc, DjangoPermissionDenied | drf_exceptions.PermissionDenied):
        return error_response(ErrorCode.PERMISSION_DENIED, _message_of(exc, "You may not perform this action."))
    if isinstance(exc, InvalidToken | TokenError):
        return _with_auth_header(error_response(ErrorCode.INVALID_TOKEN, "Token is invalid or expired."), context)
    if isinstance(exc, drf_exceptions.NotAuthenticated):
        return _with_auth_header(error_response(ErrorCode.NOT_AUTHENTICATED, _first_message(exc.detail)), context)
    if isinstance(exc, drf_exceptions.AuthenticationFailed):
        error = ErrorCode.INVALID_API_KEY if exc.get_codes() == "invalid_api_key" else ErrorCode.INVALID_CREDENTIALS
        return _with_auth_header(error_response(error, _first_message(exc.detail)), context)
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_response(ErrorCode.VALIDATION_ERROR, _first_message(detail), {"fields": _plain(detail)})
    if isinstance(exc, drf_exceptions.ParseError):
        return error_response(ErrorCode.MALFORMED_REQUEST, _first_message(exc.detail))
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return error_response(ErrorCode.METHOD_NOT_ALLOWED, _first_message(exc.detail))
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return error_response(ErrorCode.UNSUPPORTED_MEDIA_TYPE, _first_message(exc.detail))
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return error_response(ErrorCode.NOT_ACCEPTABLE, _first_message(exc.detail))
    request = context.get("request")
    logger.exception(
        "Unhandled error in %s %s", getattr(request, "method", "?"), getattr(request, "path", "?"), exc_info=exc
    )
    return error_response(ErrorCode.INTERNAL_ERROR, "Internal server error.")


def _message_of(exc: Exception, default: str) -> str:
    detail = getattr(exc, "detail", None)
    if detail:
        return _first_message(detail) or default
    return str(exc) or default


def _with_auth_header(response: Response, context: dict[str, Any]) -> Response:
    view = context.get("view")
    request = context.get("request")
    if view is not None and request is not None:
        header = view.get_authenticate_header(request)
        if header:
            response["WWW-Authenticate"] = header
    return response


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps every successful response body in `{"success": true, "data": …}`."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and not getattr(response, "is_error_envelope", False):
            if response.status_code == status.HTTP_204_NO_CONTENT:
                return b""
            envelope: dict[str, Any] = {"success": True, "data": data}
            message = getattr(response, "message", None)
            if message:
                envelope["message"] = message
            data = envelope
        return super().render(data, accepted_media_type, renderer_context)


def ok(
    data: Any, *, message: str | None = None, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A success response with an optional human message."""
    response = Response(data, status=status_code, headers=headers)
    response.message = message
    return response


class PlainMetadata(SimpleMetadata):
    """OPTIONS answers name, description and media types. Request shapes live in the OpenAPI
    schema; DRF's per-serializer introspection here would break on views without one."""

    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        return {}
