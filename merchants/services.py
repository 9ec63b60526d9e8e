"""Account state changes. Each is one transaction; views, commands and admin call these."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from merchants.keys import hash_api_secret, new_api_key_id, new_api_secret, new_webhook_secret
from merchants.models import OPERATOR_ROLES, Merchant, Role, User, normalize_email
from merchants.signals import merchant_deleting, merchant_status_changed
from paygate.lib.api import ApiError, ErrorCode


@dataclass(frozen=True)
class ApiCredentials:
    """A freshly issued key; the secret exists in clear only in this object, once."""

    key_id: str
    secret: str


class AccountError(ApiError):
    error = ErrorCode.VALIDATION_ERROR


def _issue_api_key(merchant: Merchant, *, secret: str | None = None, key_id: str | None = None) -> ApiCredentials:
    credentials = ApiCredentials(key_id=key_id or new_api_key_id(), secret=secret or new_api_secret())
    merchant.api_key_id = credentials.key_id
    merchant.api_secret_hash = hash_api_secret(credentials.secret)
    merchant.api_key_created_at = timezone.now()
    return credentials


@transaction.atomic
def merchant_register(
    *,
    email: str,
    password: str,
    name: str,
    business_name: str,
    api_key_id: str | None = None,
    api_secret: str | None = None,
) -> tuple[Merchant, ApiCredentials]:
    """Sign up a merchant: its user, its merchant profile, its first API key and webhook secret.

    `api_key_id`/`api_secret` pin the credentials (demo data only); normally both are random.
    """
    email = normalize_email(email)
    if User.objects.all_with_deleted().filter(email=email).exists():
        raise AccountError(
            "An account with this email already exists.",
            meta={"fields": {"email": ["An account with this email already exists."]}},
        )
    user = User.objects.create_user(email, password, name=name, role=Role.MERCHANT)
    merchant = Merchant(user=user, business_name=business_name, webhook_secret=new_webhook_secret())
    credentials = _issue_api_key(merchant, secret=api_secret, key_id=api_key_id)
    merchant.save()
    return merchant, credentials


@transaction.atomic
def operator_create(*, email: str, password: str | None, name: str, role: str) -> User:
    """Create an admin or finance user (only admins may call this; the view checks). Without a
    password the user cannot log in until one is set."""
    if role not in OPERATOR_ROLES:
        raise AccountError("Role must be admin or finance.", meta={"fields": {"role": ["Must be admin or finance."]}})
    email = normalize_email(email)
    if User.objects.all_with_deleted().filter(email=email).exists():
        raise AccountError(
            "An account with this email already exists.",
            meta={"fields": {"email": ["An account with this email already exists."]}},
        )
    return User.objects.create_user(email, password, name=name, role=role)


@transaction.atomic
def merchant_rotate_api_key(*, merchant: Merchant) -> ApiCredentials:
    """Issue a new key id and secret; the old pair stops working at once."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    credentials = _issue_api_key(merchant)
    merchant.save(update_fields=["api_key_id", "api_secret_hash", "api_key_created_at", "updated_at"])
    return credentials


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user. Returns how many were new."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(created)


@transaction.atomic
def merchant_delete_account(*, user: User) -> None:
    """Soft-delete a merchant's account and everything of theirs; revoke its keys and tokens.

    Money records are never hard-deleted: orders and payments are marked deleted and stay
    reachable through `all_with_deleted()` for operators. Payments do that part, in this
    transaction, when told by `merchant_deleting` (payments/receivers.py): merchants sit below
    payments and do not import them.
    """
    if user.role != Role.MERCHANT:
        raise ApiError("Only merchant accounts can be deleted this way.", error=ErrorCode.PERMISSION_DENIED)
    user = User.objects.select_for_update().get(pk=user.pk)
    merchant = Merchant.objects.select_for_update().get(user=user)
    merchant_deleting.send(sender=Merchant, merchant=merchant)
    merchant.api_key_id = None
    merchant.api_secret_hash = ""
    merchant.mark_deleted()
    merchant.save()
    user.is_active = False
    user.mark_deleted()
    user.save()
    revoke_refresh_tokens(user=user)


@transaction.atomic
def merchant_update_profile(*, merchant: Merchant, name: str, business_name: str) -> Merchant:
    """The names a merchant shows: its owner's name and its business name."""
    merchant = Merchant.objects.select_for_update().select_related("user").get(pk=merchant.pk)
    merchant.user.name = name
    merchant.user.save(update_fields=["name", "updated_at"])
    merchant.business_name = business_name
    merchant.save(update_fields=["business_name", "updated_at"])
    return merchant


@transaction.atomic
def merchant_set_checkout_origins(*, merchant: Merchant, origins: list[str]) -> Merchant:
    """The origins allowed to embed the merchant's hosted checkout (validated at the edge)."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    merchant.checkout_allowed_origins = sorted(set(origins))
    merchant.save(update_fields=["checkout_allowed_origins", "updated_at"])
    return merchant


def _merchant_set_active(*, merchant: Merchant, active: bool, actor: User | None) -> Merchant:
    user = User.objects.select_for_update().get(pk=merchant.user_id)
    merchant = Merchant.objects.select_for_update().select_related("user").get(pk=merchant.pk)
    if user.is_active == active:
        state = "active" if active else "deactivated"
        raise AccountError(f"This merchant is already {state}.", error=ErrorCode.INVALID_STATE_TRANSITION)
    user.is_active = active
    user.save(update_fields=["is_active", "updated_at"])
    merchant.user = user
    if not active:
        # The API key checks `is_active` on every request and the session backend refuses an
        # inactive user, so both stop at once; refresh tokens are refused only once blacklisted.
        revoke_refresh_tokens(user=user)
    merchant_status_changed.send(sender=Merchant, merchant=merchant, active=active, actor=actor)
    return merchant


@transaction.atomic
def merchant_deactivate(*, merchant: Merchant, actor: User | None = None) -> Merchant:
    """Stop a merchant at once: its API key, sessions and refresh tokens no longer work. Its
    orders, payments and balance stay as they are; `merchant_reactivate` undoes this."""
    return _merchant_set_active(merchant=merchant, active=False, actor=actor)


@transaction.atomic
def merchant_reactivate(*, merchant: Merchant, actor: User | None = None) -> Merchant:
    """Let a deactivated merchant in again: its API key works again; it logs in again."""
    return _merchant_set_active(merchant=merchant, active=True, actor=actor)


@transaction.atomic
def operator_deactivate(*, user: User, actor: User | None = None) -> User:
    """Stop an admin or finance user at once (sessions and refresh tokens); nobody stops themself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in OPERATOR_ROLES:
        raise AccountError("Only admin and finance users are deactivated here.", error=ErrorCode.PERMISSION_DENIED)
    if actor is not None and actor.pk == user.pk:
        raise AccountError("You cannot deactivate yourself.")
    if not user.is_active:
        raise AccountError("This user is already deactivated.", error=ErrorCode.INVALID_STATE_TRANSITION)
    user.is_active = False
    user.save(update_fields=["is_active", "updated_at"])
    revoke_refresh_tokens(user=user)
    return user


@transaction.atomic
def operator_reactivate(*, user: User) -> User:
    """Let a deactivated admin or finance user log in again (a deleted one is restored instead)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in OPERATOR_ROLES:
        raise AccountError("Only admin and finance users are reactivated here.", error=ErrorCode.PERMISSION_DENIED)
    if user.is_active:
        raise AccountError("This user is already active.", error=ErrorCode.INVALID_STATE_TRANSITION)
    user.is_active = True
    user.save(update_fields=["is_active", "updated_at"])
    return user


@transaction.atomic
def operator_delete(*, user: User, actor: User | None = None) -> User:
    """Soft-delete an admin or finance user: it can no longer log in; its tokens are revoked."""
    user = User.objects.all_with_deleted().select_for_update().get(pk=user.pk)
    if user.role not in OPERATOR_ROLES:
        raise AccountError("Merchant accounts are deleted with their merchant.", error=ErrorCode.PERMISSION_DENIED)
    if actor is not None and actor.pk == user.pk:
        raise AccountError("You cannot delete yourself.")
    user.is_active = False
    user.mark_deleted()
    user.save()
    revoke_refresh_tokens(user=user)
    return user


@transaction.atomic
def operator_restore(*, user: User) -> User:
    """Bring a deleted admin or finance user back; it logs in again with its password."""
    user = User.objects.all_with_deleted().select_for_update().get(pk=user.pk)
    if user.role not in OPERATOR_ROLES:
        raise AccountError("A deleted merchant account is not restored: the merchant signs up again.")
    user.is_active = True
    user.mark_restored()
    user.save()
    return user
