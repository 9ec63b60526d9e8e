"""Portal pages at scale: server time of every merchant portal page for the demo merchant, over
real HTTP against gunicorn, on the PostgreSQL database in DATABASE_URL.

    export DATABASE_URL=postgres://paygate:paygate@127.0.0.1:55433/bench_portal
    .venv/bin/python bench/portal_bench.py --seed 300          # the demo data
    .venv/bin/python bench/portal_bench.py --seed 1000000      # the demo merchant then holds ~40 %
    .venv/bin/python bench/portal_bench.py [--requests 15]     # measure an already seeded database

Logs in through the portal's own form (session cookie and CSRF token, as a browser does), warms
each page up, then times `--requests` sequential requests per page and prints p50/p95/max in
milliseconds. Targets: p50 < 150 ms with the demo data, < 300 ms for the merchant with 400,000 of
1,000,000 payments. `--json FILE` writes the numbers too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analytics_bench as shared  # noqa: E402 — the sibling bench's server and seeding helpers

MERCHANT = shared.MERCHANT


class Browser:
    """Cookies and CSRF over one loopback connection per request, as a person's browser."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept": "text/html"}
        if body is not None:
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/",
            }
        began = time.perf_counter()
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        data = response.read().decode(errors="replace")
        elapsed = (time.perf_counter() - began) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data, elapsed

    def login(self, email: str, password: str) -> None:
        _, page, _ = self.request("GET", "/portal/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = f"csrfmiddlewaretoken={token}&username={email}&password={password}"
        status, _, _ = self.request("POST", "/portal/login/", form)
        if status != 302:
            sys.exit(f"portal login as {email} failed: {status}")


def pages(browser: Browser) -> list[str]:
    _, listing, _ = browser.request("GET", "/portal/payments/?limit=20")
    payment = re.search(r"/portal/payments/(pay_\w+)/", listing).group(1)
    _, detail, _ = browser.request("GET", f"/portal/payments/{payment}/")
    email = re.search(r"<dt>Email</dt><dd>([^<]+)</dd>", detail).group(1)
    order = re.search(r"/portal/orders/(order_\w+)/", browser.request("GET", "/portal/orders/?limit=20")[1]).group(1)
    today = datetime.now(UTC).date()
    custom = f"/portal/?period=custom&since={today - timedelta(days=13)}&until={today}"
    deliveries = re.findall(
        r"/portal/developers/deliveries/(whd_\w+)/", browser.request("GET", "/portal/developers/")[1]
    )
    return [
        "/portal/",
        "/portal/?period=7d",
        "/portal/?period=today",
        custom,
        "/portal/payments/",
        "/portal/payments/?status=captured&currency=GBP",
        "/portal/payments/?sort=amount_desc&currency=GBP",  # amounts sort within one currency
        f"/portal/payments/?q={email}",
        "/portal/payments/?page=50",
        f"/portal/payments/{payment}/",
        "/portal/orders/",
        "/portal/orders/?status=paid&currency=USD",
        f"/portal/orders/{order}/",
        "/portal/orders/new/",
        "/portal/products/",
        "/portal/balance/",
        "/portal/developers/",
        *(f"/portal/developers/deliveries/{delivery}/" for delivery in deliveries[:1]),
        "/portal/developers/debugger/",
        "/portal/developers/request-bin/",
        "/portal/account/",
        "/portal/password/",
    ]


def measure(browser: Browser, path: str, requests: int) -> dict[str, float]:
    for _ in range(2):
        status, _, _ = browser.request("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
    times = sorted(browser.request("GET", path)[2] for _ in range(requests))
    return {"p50": statistics.median(times), "p95": times[round(0.95 * (len(times) - 1))], "max": times[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, metavar="N", help="migrate and seed N payments first")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page")
    parser.add_argument("--target", type=float, default=None, help="p50 target in ms (default: by data size)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to measure (see the docstring).")
    if args.seed:
        shared.manage("migrate", "--no-input", "-v", "0")
        seconds, _, out = shared.manage("seed_demo", "--force", "--payments", str(args.seed))
        print(f"seed_demo --payments {args.seed:,}: {seconds:.1f} s\n  {out.strip().splitlines()[-2]}")
    port = shared.free_port()
    results = {}
    with shared.gunicorn(port):
        browser = Browser(port)
        browser.login(*MERCHANT)
        _, _, _ = browser.request("GET", "/portal/")
        total = re.search(r"of (?:about )?([\d,]+)</span>", browser.request("GET", "/portal/payments/")[1])
        rows = int(total.group(1).replace(",", "")) if total else 0
        target = args.target or (150.0 if rows < 100_000 else 300.0)
        print(f"demo merchant: {rows:,} payments; target p50 < {target:.0f} ms\n")
        print(f"{'page':<52} {'p50':>8} {'p95':>8} {'max':>8}")
        for path in pages(browser):
            numbers = measure(browser, path, args.requests)
            results[path] = numbers
            flag = "" if numbers["p50"] < target else "  over target"
            print(f"{path:<52} {numbers['p50']:8.1f} {numbers['p95']:8.1f} {numbers['max']:8.1f}{flag}")
    under = sum(1 for numbers in results.values() if numbers["p50"] < target)
    print(f"\n{under} of {len(results)} pages under {target:.0f} ms at p50")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"merchant_payments": rows, "target": target, "pages": results}, indent=2)
        )


if __name__ == "__main__":
    main()
