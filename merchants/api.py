"""Auth and account API: register, login, refresh (HttpOnly cookie), logout, me, key rotation."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken, TokenError

from merchants import serializers as s
from merchants import services
from merchants.keys import checkout_signing_key
from merchants.models import Merchant, User
from paygate.lib.api import ok
from paygate.lib.permissions import IsAdmin, IsMerchant
from paygate.lib.ratelimits import rate_limit
from paygate.lib.schema import ErrorEnvelopeSerializer

RATE_LIMITED = OpenApiResponse(ErrorEnvelopeSerializer, description="Too many attempts; see Retry-After.")
UNAUTHORIZED = OpenApiResponse(ErrorEnvelopeSerializer, description="Invalid credentials or token.")


def _set_refresh_cookie(response: Response, refresh: RefreshToken | str) -> None:
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        str(refresh),
        max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
        path=settings.REFRESH_COOKIE_PATH,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )


def _clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(settings.REFRESH_COOKIE_NAME, path=settings.REFRESH_COOKIE_PATH, samesite="Strict")


def _token_payload(user: User, refresh: RefreshToken) -> dict[str, Any]:
    return {
        "access": str(refresh.access_token),
        "token_type": "Bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
        "role": user.role,
        "user": s.UserOutput(user).data,
    }


# Endpoints that take their credentials in the body or the refresh cookie: no other
# authentication is read, so a stale Authorization header cannot get in the way of a login.
class PublicAuthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


@method_decorator(rate_limit(group="auth-register", rate="RATELIMIT_REGISTER"), name="post")
class RegisterView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Sign up a merchant",
        request=s.RegisterInput,
        responses={201: s.RegisterOutput, 429: RATE_LIMITED},
        description="Creates the merchant user and profile. Answers an access token, the API key, the "
        "API secret and the webhook signing secret (both shown only once) and sets the HttpOnly refresh cookie.",
    )
    def post(self, request: Request) -> Response:
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        merchant, credentials = services.merchant_register(**data.validated_data)
        user = merchant.user
        refresh = RefreshToken.for_user(user)
        payload = _token_payload(user, refresh) | {
            "api_key": credentials.key_id,
            "api_secret": credentials.secret,
            "webhook_secret": merchant.webhook_secret,
        }
        response = ok(
            payload, message="Merchant registered. Store the API secret now: it is not shown again.", status_code=201
        )
        _set_refresh_cookie(response, refresh)
        return response


class RegisterOperatorView(APIView):
    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(
        tags=["auth"],
        summary="Create an admin or finance user (admins only)",
        request=s.RegisterOperatorInput,
        responses={201: s.UserOutput},
    )
    def post(self, request: Request) -> Response:
        data = s.RegisterOperatorInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.operator_create(**data.validated_data)
        return ok(s.UserOutput(user).data, message=f"{user.role.title()} user created.", status_code=201)


@method_decorator(rate_limit(group="auth-login", rate="RATELIMIT_LOGIN"), name="post")
class TokenView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Log in",
        request=s.LoginInput,
        responses={200: s.AccessTokenOutput, 401: UNAUTHORIZED, 429: RATE_LIMITED},
        description="Answers an access token and sets the refresh token as an HttpOnly, SameSite=Strict "
        "cookie scoped to the auth path. At most 5 attempts per minute per IP address.",
    )
    def post(self, request: Request) -> Response:
        data = s.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, email=data.validated_data["email"], password=data.validated_data["password"])
        if user is None:
            raise AuthenticationFailed("Invalid email or password.", code="invalid_credentials")
        refresh = RefreshToken.for_user(user)
        update_last_login(None, user)
        response = ok(_token_payload(user, refresh))
        _set_refresh_cookie(response, refresh)
        return response


class CookieRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            # The account was deleted after the token was issued.
            raise InvalidToken("The account no longer exists.") from None


class RefreshView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Refresh the access token",
        request=None,
        responses={200: s.AccessTokenOutput, 401: UNAUTHORIZED},
        description="Reads the refresh cookie, answers a new access token and rotates the cookie; "
        "the old refresh token is refused from then on.",
    )
    def post(self, request: Request) -> Response:
        token = request.COOKIES.get(settings.REFRESH_COOKIE_NAME)
        if not token:
            raise InvalidToken("No refresh token cookie.")
        serializer = CookieRefreshSerializer(data={"refresh": token})
        serializer.is_valid(raise_exception=True)
        refresh = RefreshToken(serializer.validated_data["refresh"])
        user = User.objects.get(public_id=refresh["sub"])
        response = ok(
            {
                "access": serializer.validated_data["access"],
                "token_type": "Bearer",
                "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
                "role": user.role,
                "user": s.UserOutput(user).data,
            }
        )
        _set_refresh_cookie(response, refresh)
        return response


class LogoutView(PublicAuthView):
    @extend_schema(tags=["auth"], summary="Log out", request=None, responses={200: None})
    def post(self, request: Request) -> Response:
        token = request.COOKIES.get(settings.REFRESH_COOKIE_NAME)
        if token:
            # An expired or revoked token needs no revoking: logging out still succeeds.
            with contextlib.suppress(TokenError):
                RefreshToken(token).blacklist()
        response = ok(None, message="Logged out.")
        _clear_refresh_cookie(response)
        return response


class MeView(APIView):
    @extend_schema(tags=["account"], summary="The authenticated user", responses={200: s.UserOutput})
    def get(self, request: Request) -> Response:
        return ok(s.UserOutput(request.user).data)

    @extend_schema(
        tags=["account"],
        summary="Delete the merchant account",
        responses={200: None},
        description="Merchants only. Soft-deletes the user, the merchant and their records and revokes "
        "the API key and every refresh token. Money records stay for operators.",
    )
    def delete(self, request: Request) -> Response:
        if not IsMerchant().has_permission(request, self):
            self.permission_denied(request, message=IsMerchant.message)
        services.merchant_delete_account(user=request.user)
        response = ok(None, message="Account deleted.")
        _clear_refresh_cookie(response)
        return response


class RotateApiKeyView(APIView):
    permission_classes = [IsAuthenticated, IsMerchant]

    @extend_schema(
        tags=["account"],
        summary="Rotate the API key",
        request=None,
        responses={200: s.ApiKeyOutput},
        description="Issues a new key id and secret (shown only once); the old pair stops working at once.",
    )
    def post(self, request: Request) -> Response:
        credentials = services.merchant_rotate_api_key(merchant=request.user.merchant)
        return ok(
            {"api_key": credentials.key_id, "api_secret": credentials.secret},
            message="API key rotated. Store the secret now: it is not shown again.",
            status_code=status.HTTP_200_OK,
        )


class CheckoutSettingsView(APIView):
    permission_classes = [IsAuthenticated, IsMerchant]

    def _answer(self, merchant: Merchant) -> Response:
        return ok(
            s.CheckoutSettingsOutput(
                {
                    "checkout_allowed_origins": merchant.checkout_allowed_origins,
                    "checkout_signing_key": checkout_signing_key(merchant.api_secret_hash),
                }
            ).data
        )

    @extend_schema(tags=["account"], summary="Checkout settings", responses={200: s.CheckoutSettingsOutput})
    def get(self, request: Request) -> Response:
        return self._answer(request.user.merchant)

    @extend_schema(
        tags=["account"],
        summary="Set the origins allowed to embed the checkout",
        request=s.CheckoutSettingsInput,
        responses={200: s.CheckoutSettingsOutput},
    )
    def put(self, request: Request) -> Response:
        data = s.CheckoutSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.merchant_set_checkout_origins(
            merchant=request.user.merchant, origins=data.validated_data["checkout_allowed_origins"]
        )
        return self._answer(merchant)
