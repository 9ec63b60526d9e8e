"""Project-level pages: landing page, and the error pages in the API envelope or as HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from paygate.lib.api import ErrorCode, error_json_response, ratelimit_retry_after, too_large_body

API_PREFIX = "/paygate/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def ratelimited(request: HttpRequest, exception: Any) -> HttpResponse:
    """RATELIMIT_VIEW: plain (non-DRF) views that hit a rate limit answer 429 with Retry-After."""
    seconds = ratelimit_retry_after(exception)
    if _is_api(request):
        response = error_json_response(ErrorCode.RATE_LIMITED, "Too many requests.", {"retry_after": seconds})
    else:
        response = render(request, "429.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def request_too_large(request: HttpRequest) -> HttpResponse:
    """413 for a body over the upload limit (paygate.middleware.RequestSizeLimitMiddleware)."""
    message, meta = too_large_body()
    if _is_api(request):
        return error_json_response(ErrorCode.REQUEST_TOO_LARGE, message, meta)
    return render(request, "413.html", {"message": message}, status=413)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return error_json_response(ErrorCode.NOT_FOUND, "Not found.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_json_response(ErrorCode.INTERNAL_ERROR, "Internal server error.")
    return render(request, "500.html", status=500)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()


class HealthView(APIView):
    """Liveness: answers without touching the database (also the benchmarks' ceiling)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["health"], summary="Liveness check", responses={200: HealthSerializer})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
