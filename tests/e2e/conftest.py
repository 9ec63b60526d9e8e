"""Browser tests: Playwright driving the system's Chromium against a live server."""

from __future__ import annotations

import importlib.resources
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    if os.environ.get("PAYGATE_REQUIRE_BROWSER"):
        raise pytest.UsageError("PAYGATE_REQUIRE_BROWSER is set but no chromium binary is installed")
    skip = pytest.mark.skip(reason="chromium is not installed")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = importlib.resources.files("pytest_playwright_axe").joinpath("resources/axe.min.js").read_text()


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot for a reviewer's eyes: tests/e2e/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (axe is loaded by the
    test driver, outside the page's CSP, from the copy pytest-playwright-axe ships)."""
    page.evaluate(AXE)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
