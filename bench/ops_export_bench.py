"""The ops console at scale: each page's latency, and the CSV export's time to the first byte,
total time and peak memory of the process serving it, on a large seeded PostgreSQL database.

    export DATABASE_URL=postgres://paygate:paygate@127.0.0.1:55433/bench_export
    .venv/bin/python bench/ops_export_bench.py --seed 1000000   # once: migrate and seed
    .venv/bin/python bench/ops_export_bench.py                  # measure

Pages are timed in one Django process through the test client (no HTTP: the view, its queries and
its template), `--requests` times each after a warm-up; p50 and p95 in milliseconds, target p50 <
300 ms. The export runs in a fresh Django process with production-like settings (DEBUG off, so no query
log), as the demo admin through Django's test client: the response is consumed chunk by chunk as
the WSGI server would send it. Peak memory is the process's VmHWM before and after the export,
from /proc (Linux). Targets: first byte within a second, peak RSS under 250 MB for 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analytics_bench import PY, ROOT, manage, server_env  # noqa: E402

CHILD = r"""
import json, time
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from django.test import Client
from merchants.models import User
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="admin@paygate.test"))
before = peak_kb()
began = time.monotonic()
response = client.get(PATH)
chunks = iter(response.streaming_content)
first = next(chunks)
first_byte = time.monotonic() - began
size, lines = len(first), first.count(b"\n")
for chunk in chunks:
    size += len(chunk)
    lines += chunk.count(b"\n")
print(json.dumps({"path": PATH, "rows": lines - 1, "bytes": size, "first_byte_s": round(first_byte, 3),
                  "total_s": round(time.monotonic() - began, 1), "peak_rss_before_mb": round(before / 1024, 1),
                  "peak_rss_mb": round(peak_kb() / 1024, 1)}))
"""


PAGES = r"""
import json, statistics, time
from django.test import Client
from merchants.models import User
from payments.models import Payment, PaymentStatus
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="admin@paygate.test"))
payment = Payment.objects.filter(status=PaymentStatus.CAPTURED).order_by("-id").first().public_id
merchant = User.objects.get(email="merchant@paygate.test").merchant.public_id
urls = ["/ops/", "/ops/?period=30d", "/ops/review/", "/ops/payments/", "/ops/payments/?status=failed&currency=USD",
        "/ops/payments/?q=ava@example.com", f"/ops/payments/?merchant_id={merchant}", f"/ops/payments/{payment}/",
        "/ops/merchants/", f"/ops/merchants/{merchant}/", "/ops/providers/", "/ops/users/"]
rows = []
for url in urls:
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(REQUESTS):
        began = time.monotonic()
        client.get(url)
        times.append((time.monotonic() - began) * 1000)
    times.sort()
    rows.append({"url": url, "p50_ms": round(statistics.median(times), 1),
                 "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)})
print(json.dumps(rows))
"""


def pages(requests: int) -> list[dict]:
    done = subprocess.run(
        [PY, "manage.py", "shell", "-c", f"REQUESTS = {requests}\n{PAGES}"],
        cwd=ROOT, env=server_env(), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"pages failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: str) -> dict:
    code = f"PATH = {path!r}\n{CHILD}"
    done = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=server_env(), capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"export failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, metavar="N", help="migrate and seed N payments first")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to measure (see the docstring).")
    if args.seed:
        manage("migrate", "--no-input", "-v", "0")
        seconds, _, _ = manage("seed_demo", "--force", "--payments", str(args.seed))
        print(f"seed_demo --payments {args.seed:,}: {seconds:.1f} s")
    manage("collectstatic", "--no-input", "-v", "0")  # pages name their assets through the manifest
    print(f"{'page':<58} {'p50 ms':>8} {'p95 ms':>8}")
    for row in pages(args.requests):
        print(f"{row['url']:<58} {row['p50_ms']:>8} {row['p95_ms']:>8}")
    for path in ("/ops/payments/export.csv", "/ops/payments/export.csv?status=failed", "/ops/refunds/export.csv"):
        result = measure(path)
        print(
            f"{path}: {result['rows']:,} rows, {result['bytes'] / 1e6:.1f} MB, first byte {result['first_byte_s']} s, "
            f"total {result['total_s']} s, peak RSS {result['peak_rss_before_mb']} → {result['peak_rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
