"""The SSRF rule and the settings behind webhooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from paygate.settings import _webhook_retry_schedule
from webhooks.safety import DnsFailure, UrlRefused, check_url, is_public_address, parse_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2002:7f00:1::1",
        "0.0.0.0",  # noqa: S104 — the address under test, not a bind
    ],
)  # fmt: skip
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com", "//example.com/x", "https://u:p@example.com/"],
)
def test_only_plain_http_and_https_urls_are_accepted(url: str) -> None:
    with pytest.raises(UrlRefused):
        parse_url(url)


def test_check_url_refuses_loopback_unless_allowed(settings) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(UrlRefused, match="private"):
        check_url("http://localhost:8080/hook")

    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    target = check_url("http://localhost:8080/hook?a=1#frag")
    assert (target.host, target.port, target.path) == ("localhost", 8080, "/hook?a=1")
    assert "127.0.0.1" in target.addresses


def test_check_url_reports_a_host_that_does_not_resolve() -> None:
    with pytest.raises(DnsFailure):
        check_url("https://no-such-host.invalid/")


def test_retry_schedule_setting_takes_a_preset_or_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCHEDULE", raising=False)
    assert _webhook_retry_schedule("SCHEDULE") == [0, 60, 300, 1800, 7200]
    monkeypatch.setenv("SCHEDULE", "fast")
    assert _webhook_retry_schedule("SCHEDULE") == [0, 1, 2, 4, 8]
    monkeypatch.setenv("SCHEDULE", "0, 5, 10")
    assert _webhook_retry_schedule("SCHEDULE") == [0, 5, 10]
    for bad in ["slow", "0,-1", "1.5", ","]:
        monkeypatch.setenv("SCHEDULE", bad)
        with pytest.raises(ImproperlyConfigured):
            _webhook_retry_schedule("SCHEDULE")


def test_a_claim_shorter_than_the_timeout_stops_start_up() -> None:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= {"DEBUG": "true", "PAYGATE_WEBHOOK_TIMEOUT": "30", "PAYGATE_WEBHOOK_CLAIM_SECONDS": "20"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert "PAYGATE_WEBHOOK_CLAIM_SECONDS must be longer than PAYGATE_WEBHOOK_TIMEOUT" in result.stderr
