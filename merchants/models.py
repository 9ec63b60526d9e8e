"""Accounts: users (email login, one role each) and merchants (API credentials, webhook settings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Subquery

from paygate.lib.compiled import Param, compiled
from paygate.lib.ids import PublicIdField, unique_public_id
from paygate.lib.models import TimeStampedModel
from paygate.lib.softdelete import SoftDeleteManager, SoftDeleteModel, SoftDeleteQuerySet


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    FINANCE = "finance", "Finance"
    MERCHANT = "merchant", "Merchant"


OPERATOR_ROLES = frozenset({Role.ADMIN, Role.FINANCE})


def normalize_email(email: str) -> str:
    return email.strip().lower()


class UserManager(SoftDeleteManager, BaseUserManager):
    """Hides deleted users (so they cannot log in); `all_with_deleted()` reaches them."""

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.MERCHANT)
        user = self.model(email=normalize_email(email), **fields)
        user.apply_role()
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, SoftDeleteModel, TimeStampedModel):
    public_id = PublicIdField(prefix="usr")
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MERCHANT, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Derived from the role: admin and finance users.")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["-created_at"]
        constraints = [unique_public_id()]

    def __str__(self) -> str:
        return self.email

    def apply_role(self) -> None:
        """Admin and finance reach the Django admin; only admins are superusers."""
        self.is_staff = self.role in OPERATOR_ROLES
        self.is_superuser = self.role == Role.ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATOR_ROLES

    @property
    def is_merchant(self) -> bool:
        return self.role == Role.MERCHANT

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Finance staff may look at everything in the Django admin, but change only through the
        # actions and services their role allows.
        if self.is_active and self.role == Role.FINANCE and perm.partition(".")[2].startswith("view_"):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.FINANCE:
            return True
        return super().has_module_perms(app_label)


class Merchant(SoftDeleteModel, TimeStampedModel):
    """A business taking payments. Its API secret and card data never sit here in clear."""

    public_id = PublicIdField(prefix="mer")
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="merchant")
    business_name = models.CharField(max_length=200)
    auto_capture = models.BooleanField(
        default=True, help_text="Capture authorized payments at once; off means capture through the API."
    )
    # key_… may be shown anywhere; the sk_… secret is kept only as an HMAC with PAYGATE_HMAC_KEY.
    # A revoked key has api_key_id NULL (unique allows many NULLs).
    api_key_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    api_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    api_key_created_at = models.DateTimeField(null=True, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    # Off: no delivery is created for new events (the URL and the types are kept for turning back on).
    webhooks_enabled = models.BooleanField(default=True)
    webhook_secret = models.CharField(max_length=100, blank=True, editable=False)
    # Webhook settings (webhooks/): chosen event types (empty = all), and the secret replaced by the
    # last rotation, which keeps signing next to the new one until it expires.
    webhook_event_types = models.JSONField(default=list, blank=True)
    webhook_previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    webhook_previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Origins (`https://shop.example`) allowed to frame the hosted checkout (CSP frame-ancestors);
    # empty: the checkout may only be opened as a page of its own, never embedded.
    checkout_allowed_origins = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [unique_public_id()]

    def __str__(self) -> str:
        return f"{self.business_name} ({self.public_id})"


class ScopedQuerySet(SoftDeleteQuerySet):
    """Role scoping in one place: operators see every merchant's rows, a merchant only its own.

    Any model with a `merchant` foreign key uses it (orders, payments, events, deliveries, …). It
    sits beside `Merchant`, the lowest app, so that every app above scopes its rows the same way
    without importing a sibling."""

    def visible_to(self, user: Any) -> ScopedQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self if user.is_operator else self.owned_by(user.pk)

    def owned_by(self, user_id: Any) -> ScopedQuerySet:
        """The rows of the merchant whose user is `user_id` (or a compiled query's `Param`)."""
        # `merchant_id = (SELECT id … WHERE user_id = …)`, computed once per query, rather than a
        # join to merchants: PostgreSQL then scans the merchant's rows in parallel, from the
        # (merchant, …) indexes alone.
        own = Merchant._base_manager.filter(user_id=user_id).values("pk")[:1]
        return self.filter(merchant_id=Subquery(own))


class ScopedLookup[M: models.Model]:
    """`queryset.visible_to(user).filter(public_id=…)`, compiled (paygate.lib.compiled) once for
    operators and once for merchants: the hot look-ups by id of the API."""

    def __init__(self, build: Callable[[], ScopedQuerySet]) -> None:
        self._every = compiled(lambda: build().filter(public_id=Param("public_id")))
        self._own = compiled(lambda: build().owned_by(Param("user_id")).filter(public_id=Param("public_id")))

    def first(self, user: Any, public_id: str) -> M | None:
        if not user.is_authenticated:
            return None
        if user.is_operator:
            return self._every.first(public_id=public_id)
        return self._own.first(user_id=user.pk, public_id=public_id)


class ScopedManager(SoftDeleteManager.from_queryset(ScopedQuerySet)):
    pass
