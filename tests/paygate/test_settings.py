"""Settings fail loudly on bad values; deployment checks refuse unsafe set-ups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from paygate import checks
from paygate.settings import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_refuses_anything_but_true_or_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FLAG", False)
    monkeypatch.setenv("FLAG", "TRUE")
    assert env_bool("FLAG", False) is True
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_int_refuses_non_integers_and_values_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1, minimum=0)
    monkeypatch.setenv("N", "7")
    assert env_int("N", 1) == 7


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", " a.example, b.example ,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_secret_key_is_required_outside_debug() -> None:
    result = _manage("check", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_bad_boolean_in_environment_stops_start_up() -> None:
    result = _manage("check", DEBUG="sometimes")

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_without_shared_cache_is_refused(settings) -> None:
    settings.DEBUG = False
    settings.PAYGATE_SINGLE_PROCESS = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    errors = checks.shared_rate_limit_cache()

    assert [e.id for e in errors] == ["paygate.E001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert checks.shared_rate_limit_cache() == []
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAYGATE_SINGLE_PROCESS = True
    assert checks.shared_rate_limit_cache() == []


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k" * 60 + "-production-like-secret",
        REDIS_URL="redis://127.0.0.1:6399/0",
        ALLOWED_HOSTS="pay.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_bare_manage_py_runs_in_development_mode_and_wsgi_does_not() -> None:
    bare = _manage("makemigrations", "--check", "--dry-run")
    wsgi = subprocess.run(
        [sys.executable, "-c", "import paygate.wsgi"],
        cwd=ROOT, env={k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert bare.returncode == 0, bare.stderr
    assert "development mode" in bare.stderr
    assert wsgi.returncode != 0 and "SECRET_KEY is required" in wsgi.stderr


@pytest.mark.parametrize("url", ["sqlite:////srv/paygate/db.sqlite3", "sqlite:///db.sqlite3"])
def test_a_sqlite_url_gets_the_same_safe_options_as_the_default(url: str) -> None:
    from paygate.settings import SQLITE_OPTIONS, _database

    assert _database(url)["OPTIONS"] == SQLITE_OPTIONS
    assert _database(None)["OPTIONS"] == SQLITE_OPTIONS


def test_a_sqlite_url_may_lengthen_the_timeout_but_not_drop_immediate_or_wal() -> None:
    from paygate.settings import _database

    assert _database("sqlite:////srv/db.sqlite3?timeout=60")["OPTIONS"]["timeout"] == 60
    with pytest.raises(ImproperlyConfigured, match="IMMEDIATE"):
        _database("sqlite:////srv/db.sqlite3?transaction_mode=DEFERRED")
