"""seed_demo: known demo users for each role, demo merchants with known logins, and demo payments.

Accounts are idempotent: those that already exist are left exactly as they are. Payments are
seeded once: when the demo merchants already have payments a second run skips them, unless
`--append` asks for another batch (new orders, payments, refunds, payouts and events over the
same period; each balance's ledger chain continues from its current value).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from merchants import services
from merchants.models import Merchant, Role, User
from payments.models import Payment
from payments.seeding import DEMO_MERCHANT_PASSWORD, DEMO_SHOPS, DemoShop, payments_seed


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    name: str
    role: str


DEMO_USERS = [
    DemoUser("admin@paygate.test", "paygate-admin-demo", "Ada Admin", Role.ADMIN),
    DemoUser("finance@paygate.test", "paygate-finance-demo", "Finn Finance", Role.FINANCE),
    DemoUser("merchant@paygate.test", DEMO_MERCHANT_PASSWORD, "Mia Merchant", Role.MERCHANT),
]
DEMO_BUSINESS_NAME = "Demo Store"
# Fixed so the printed credentials stay true across runs. Demo data only: never seed production.
DEMO_API_KEY_ID = "key_DemoMerchant00000001"
DEMO_API_SECRET = "sk_DemoSecretDoNotUseInProduction01"  # noqa: S105
DEFAULT_PAYMENTS = 300
DEFAULT_SEED = 42


class Command(BaseCommand):
    help = (
        "Create the demo users (admin, finance, merchant), more demo merchants and the demo merchant's "
        "API key, then N demo payments (every outcome, several currencies, regions and providers, over "
        "the past 90 days) with their refunds, payouts, ledger and events. Accounts are never changed "
        "once they exist; payments are skipped when the demo merchants already have some, unless "
        "--append. The same --seed gives the same data (public ids aside). For demos and development only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--payments", type=int, default=DEFAULT_PAYMENTS, help="How many payments (default 300).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default 42).")
        parser.add_argument("--days", type=int, default=90, help="Spread the payments over this many past days.")
        parser.add_argument(
            "--append", action="store_true", help="Seed payments even if the demo merchants already have some."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo logins and API secret are public: never on a real deployment.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords and API secret, so it refuses to run "
                "with DEBUG off. On a throwaway database, pass --force."
            )
        if options["payments"] < 0 or options["days"] < 1:
            self.stderr.write("--payments must be >= 0 and --days >= 1")
            sys.exit(2)
        self.seed_accounts()
        shops = self.seed_shops()
        self.seed_payments(shops, **{k: options[k] for k in ("payments", "seed", "days", "append")})
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    # -- accounts

    def seed_accounts(self) -> None:
        for demo in DEMO_USERS:
            created = self.ensure_user(demo)
            state = "created" if created else "exists"
            self.stdout.write(f"  {demo.role:<8} {demo.email:<24} {demo.password:<24} ({state})")
        merchant = Merchant.objects.get(user__email="merchant@paygate.test")
        self.stdout.write(f"  demo merchant {merchant.public_id}: API key {merchant.api_key_id}")
        if merchant.api_key_id == DEMO_API_KEY_ID:
            self.stdout.write(f"  API secret {DEMO_API_SECRET}")

    def ensure_user(self, demo: DemoUser) -> bool:
        if User.objects.all_with_deleted().filter(email=demo.email).exists():
            return False
        if demo.role == Role.MERCHANT:
            services.merchant_register(
                email=demo.email,
                password=demo.password,
                name=demo.name,
                business_name=DEMO_BUSINESS_NAME,
                api_key_id=DEMO_API_KEY_ID,
                api_secret=DEMO_API_SECRET,
            )
        else:
            services.operator_create(email=demo.email, password=demo.password, name=demo.name, role=demo.role)
        return True

    def seed_shops(self) -> list[tuple[Merchant, DemoShop]]:
        """The other demo merchants (same password as the demo merchant), so operator views have company."""
        shops = []
        for shop in DEMO_SHOPS:
            if not User.objects.all_with_deleted().filter(email=shop.email).exists():
                merchant, _ = services.merchant_register(
                    email=shop.email, password=DEMO_MERCHANT_PASSWORD, name=shop.name, business_name=shop.business_name
                )
                if merchant.auto_capture != shop.auto_capture:
                    merchant.auto_capture = shop.auto_capture
                    merchant.save(update_fields=["auto_capture", "updated_at"])
            merchant = Merchant.objects.select_related("user").filter(user__email=shop.email).first()
            if merchant is not None:  # a demo merchant that deleted its account takes no part
                shops.append((merchant, shop))
        others = ", ".join(shop.email for shop in DEMO_SHOPS[1:])
        self.stdout.write(f"  more merchants {others} (password {DEMO_MERCHANT_PASSWORD})")
        return shops

    # -- payments

    def seed_payments(
        self, shops: list[tuple[Merchant, DemoShop]], *, payments: int, seed: int, days: int, append: bool
    ) -> None:
        if payments == 0 or not shops:
            return
        existing = Payment.objects.all_with_deleted().filter(merchant__in=[m for m, _ in shops]).count()
        if existing and not append:
            self.stdout.write(
                f"  demo payments exist ({existing:,}); not seeding more (--append adds {payments:,} more)"
            )
            return
        reviewer = User.objects.filter(email="finance@paygate.test").first()
        bar = ProgressBar(self.stderr, total=payments)
        result = payments_seed(
            shops=shops, payments=payments, seed=seed, days=days, reviewer=reviewer, progress=bar.update
        )
        bar.finish()
        counts = ", ".join(f"{n:,} {label}" for label, n in result.counts.items())
        self.stdout.write(f"  seeded {result.payments:,} payments in {result.seconds:.1f}s: {counts}")


class ProgressBar:
    """A one-line progress bar redrawn in place: at each whole percent and at each new phase."""

    WIDTH = 30

    def __init__(self, stream: Any, *, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.started = time.monotonic()
        self.shown: tuple[int, str] | None = None

    def update(self, done: int, total: int | None = None, phase: str = "") -> None:
        percent = done * 100 // self.total
        if (percent, phase) == self.shown:
            return
        self.shown = (percent, phase)
        filled = self.WIDTH * done // self.total
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"\r  [{bar}] {percent:3d}%  {done:,}/{self.total:,} payments  {elapsed:.0f}s  {phase:<20}"
        self.stream.write(line, style_func=str, ending="")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("")
