"""PayGate settings: one module, read from the environment, failing loudly on bad values.

Every knob is an environment variable (documented in the README). Nothing here differs between
development and production except what those variables say.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def as_float(name: str, raw: object) -> float:
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"  # noqa: S105

# Keyed hashes of API secrets and card fingerprints. Defaults to SECRET_KEY; set it separately
# to rotate SECRET_KEY (sessions, tokens) without invalidating every merchant's API secret.
PAYGATE_HMAC_KEY = env_str("PAYGATE_HMAC_KEY") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_ratelimit",
    "django_tasks_db",
    "paygate",
    "merchants",
    "payments",
    "webhooks",
    "analytics",
    "ui",
    "portal",
    "checkout",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "paygate.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "paygate.urls"
WSGI_APPLICATION = "paygate.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
# SQLite by default (zero set-up); PostgreSQL through DATABASE_URL with persistent connections:
# a new PostgreSQL connection per request costs ~17 ms.
#
# SQLite serves a server and a worker side by side only with these options, however it is named
# (SQLITE_PATH or a sqlite:// DATABASE_URL): IMMEDIATE takes the write lock at BEGIN, so
# concurrent writers queue on the busy timeout instead of failing with "database is locked" on
# lock upgrade; WAL lets readers run beside the writer.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database(url: str | None) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    database = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 600, minimum=0), conn_health_checks=True
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # dj_database_url gives SQLite none of the options above. The URL may still set its own
        # (`?timeout=60`), but not ones that give up IMMEDIATE transactions or WAL.
        options = SQLITE_OPTIONS | database.get("OPTIONS", {})
        options["timeout"] = as_float("DATABASE_URL timeout", options["timeout"])
        wal = "journal_mode=wal" in options["init_command"].lower().replace(" ", "")
        if str(options["transaction_mode"]).upper() != "IMMEDIATE" or not wal:
            raise ImproperlyConfigured(
                "A SQLite DATABASE_URL must keep transaction_mode=IMMEDIATE and journal_mode=WAL: without "
                "them a worker beside the server makes writes fail with 'database is locked'."
            )
        database["OPTIONS"] = options
    elif database["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", True):
        # Server-side parameters, so that PostgreSQL prepares a statement seen twice on a connection
        # and stops parsing and planning it again: the payment flow's PostgreSQL CPU per request
        # went from ~3.7 to ~2.0 ms (bench/README.md). Off behind a pooler in transaction mode that
        # cannot keep prepared statements.
        database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    return database


DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {"default": _database(DATABASE_URL)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "merchants.User"

# --- Cache and rate limits ----------------------------------------------------------------------
# Rate limits need a cache shared by every server process: Redis when REDIS_URL is set. The
# embedded default (one server process) uses the local-memory cache, which is exact only inside a
# single process; paygate.checks refuses to start without Redis outside DEBUG unless
# PAYGATE_SINGLE_PROCESS declares such a deployment.
REDIS_URL = env_str("REDIS_URL")
PAYGATE_SINGLE_PROCESS = env_bool("PAYGATE_SINGLE_PROCESS", False)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "paygate"}}

RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_VIEW = "paygate.views.ratelimited"
RATELIMIT_LOGIN = env_str("RATELIMIT_LOGIN", "5/m")
RATELIMIT_REGISTER = env_str("RATELIMIT_REGISTER", "20/h")
RATELIMIT_REQUEST_BIN = env_str("RATELIMIT_REQUEST_BIN", "120/m")
# The public checkout, per IP: reads (the page, its polling) and payment attempts.
RATELIMIT_CHECKOUT_READ = env_str("RATELIMIT_CHECKOUT_READ", "300/m")
RATELIMIT_CHECKOUT_PAY = env_str("RATELIMIT_CHECKOUT_PAY", "30/m")
# ratelimit.E003/W001 only know the cache backends of their release; paygate.checks enforces
# the rule that matters (a shared cache when several processes serve requests).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCESS_TOKEN_MINUTES = env_int("ACCESS_TOKEN_MINUTES", 15, minimum=1)
REFRESH_TOKEN_DAYS = env_int("REFRESH_TOKEN_DAYS", 7, minimum=1)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "SIGNING_KEY": SECRET_KEY,
}
REFRESH_COOKIE_NAME = "paygate_refresh"
REFRESH_COOKIE_PATH = "/paygate/api/v1/auth/"

# --- REST framework and OpenAPI -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "merchants.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["paygate.lib.api.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "paygate.lib.pagination.ListPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "paygate.lib.schema.EnvelopeAutoSchema",
    "EXCEPTION_HANDLER": "paygate.lib.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "paygate.lib.api.PlainMetadata",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PayGate API",
    "DESCRIPTION": (
        "Self-hostable payment gateway. Every response is an envelope: "
        '`{"success": true, "data": ...}` or `{"success": false, "exception": {code, message, '
        "description, meta}}`. The error codes are listed under `x-error-codes` and in docs/errors.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/paygate/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "merchants.models.Role",
        "OperatorRoleEnum": [("admin", "Admin"), ("finance", "Finance")],
        "OrderStatusEnum": "payments.models.OrderStatus",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "RefundStatusEnum": "payments.models.RefundStatus",
        "PayoutStatusEnum": "payments.models.PayoutStatus",
        "FailureReasonEnum": "payments.models.FailureReason",
        "MethodEnum": "payments.models.Method",
        "CurrencyEnum": "paygate.lib.money.CURRENCY_CHOICES",
        "DeliveryStatusEnum": "webhooks.models.DeliveryStatus",
        "WebhookEventTypeEnum": "webhooks.events.EVENT_TYPE_CHOICES",
        "SubscribableEventTypeEnum": "webhooks.events.SUBSCRIBABLE_EVENT_TYPE_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "paygate.lib.schema.add_error_codes",
    ],
}

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Payments ----------------------------------------------------------------------------------
# Fees per capture: basis points of the amount (290 = 2.9 %) plus a fixed fee in minor units.
PAYGATE_FEE_BPS = env_int("PAYGATE_FEE_BPS", 290, minimum=0)
PAYGATE_FEE_FIXED = env_int("PAYGATE_FEE_FIXED", 30, minimum=0)
PAYGATE_MAX_RETRIES = env_int("PAYGATE_MAX_RETRIES", 3, minimum=0)
# Risk thresholds, in major units of the payment's currency.
PAYGATE_RISK_REVIEW_ABOVE = env_int("PAYGATE_RISK_REVIEW_ABOVE", 5_000, minimum=1)
PAYGATE_RISK_BLOCK_ABOVE = env_int("PAYGATE_RISK_BLOCK_ABOVE", 50_000, minimum=1)
PAYGATE_VELOCITY_LIMIT = env_int("PAYGATE_VELOCITY_LIMIT", 10, minimum=1)
PAYGATE_VELOCITY_WINDOW_MINUTES = env_int("PAYGATE_VELOCITY_WINDOW_MINUTES", 10, minimum=1)
# Simulation: a seed makes provider outcomes reproducible; latency is slept only in workers,
# multiplied by this scale (0 turns it off).
_seed = env_str("PAYGATE_RANDOM_SEED")
PAYGATE_RANDOM_SEED = env_int("PAYGATE_RANDOM_SEED", 0) if _seed else None
PAYGATE_LATENCY_SCALE = env_float("PAYGATE_LATENCY_SCALE", 1.0, minimum=0)
ROUTING_WINDOW_MINUTES = env_int("ROUTING_WINDOW_MINUTES", 60, minimum=1)
ROUTING_STATS_TTL_SECONDS = env_int("ROUTING_STATS_TTL_SECONDS", 10, minimum=0)
# The janitor re-queues payments left in `processing` and refunds left `pending` this long.
PAYGATE_STUCK_AFTER_SECONDS = env_int("PAYGATE_STUCK_AFTER_SECONDS", 120, minimum=1)
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, minimum=1)

# --- Webhooks ----------------------------------------------------------------------------------
# Seconds to wait before each attempt (after the previous one); its length is the number of
# attempts. A preset name or a comma-separated list: "standard" = now, 1 min, 5 min, 30 min, 2 h.
WEBHOOK_RETRY_PRESETS = {"standard": [0, 60, 300, 1800, 7200], "fast": [0, 1, 2, 4, 8]}


def _webhook_retry_schedule(name: str) -> list[int]:
    raw = (env_str(name) or "standard").strip()
    if raw in WEBHOOK_RETRY_PRESETS:
        return WEBHOOK_RETRY_PRESETS[raw]
    try:
        schedule = [int(item) for item in env_list(name, [])]
    except ValueError:
        schedule = []
    if not schedule or min(schedule) < 0:
        raise ImproperlyConfigured(
            f"{name} must be {' or '.join(WEBHOOK_RETRY_PRESETS)} or a comma-separated list of seconds, got {raw!r}"
        )
    return schedule


PAYGATE_WEBHOOK_RETRY_SCHEDULE = _webhook_retry_schedule("PAYGATE_WEBHOOK_RETRY_SCHEDULE")
# A POST gives up after the connect timeout, and after the total one whatever it is doing.
PAYGATE_WEBHOOK_CONNECT_TIMEOUT = env_float("PAYGATE_WEBHOOK_CONNECT_TIMEOUT", 3.0, minimum=0.1)
PAYGATE_WEBHOOK_TIMEOUT = env_float("PAYGATE_WEBHOOK_TIMEOUT", 10.0, minimum=0.1)
# Bytes of the receiver's answer that are read and logged; the rest is never read.
PAYGATE_WEBHOOK_RESPONSE_BODY_LIMIT = env_int("PAYGATE_WEBHOOK_RESPONSE_BODY_LIMIT", 1024, minimum=0)
# A worker's claim on an attempt; when it lapses (the worker died) `retry_webhooks` takes it back.
# It must outlast the total timeout, or a slow but live worker would lose its claim.
PAYGATE_WEBHOOK_CLAIM_SECONDS = env_int("PAYGATE_WEBHOOK_CLAIM_SECONDS", 60, minimum=1)
if PAYGATE_WEBHOOK_CLAIM_SECONDS <= PAYGATE_WEBHOOK_TIMEOUT:
    raise ImproperlyConfigured("PAYGATE_WEBHOOK_CLAIM_SECONDS must be longer than PAYGATE_WEBHOOK_TIMEOUT")
# A worker claims due deliveries this many at a time (one statement) and records their outcomes in
# batches; it sends at most PAYGATE_WEBHOOK_CONCURRENCY POSTs at once, and at most
# PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER to any one merchant, so a slow receiver cannot take the
# worker's threads from the others.
PAYGATE_WEBHOOK_BATCH_SIZE = env_int("PAYGATE_WEBHOOK_BATCH_SIZE", 50, minimum=1)
PAYGATE_WEBHOOK_CONCURRENCY = env_int("PAYGATE_WEBHOOK_CONCURRENCY", 16, minimum=1)
PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER = env_int("PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER", 4, minimum=1)
# `retry_webhooks` re-queues a due delivery whose task has not run this long after it was queued.
PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS = env_int("PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS", 300, minimum=1)
# Outside DEBUG, URLs resolving to loopback, private or link-local addresses are refused unless this is on.
PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS", False)
# After a rotation the old secret keeps signing (next to the new one) this long.
PAYGATE_WEBHOOK_ROTATION_HOURS = env_int("PAYGATE_WEBHOOK_ROTATION_HOURS", 24, minimum=0)

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # Swagger UI and htmx set inline style attributes.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
