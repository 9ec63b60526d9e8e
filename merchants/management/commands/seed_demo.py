"""seed_demo: known demo users for each role and a demo merchant with a known API key.

Idempotent: accounts that already exist are left exactly as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand

from merchants import services
from merchants.models import Merchant, Role, User


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    name: str
    role: str


DEMO_USERS = [
    DemoUser("admin@paygate.test", "paygate-admin-demo", "Ada Admin", Role.ADMIN),
    DemoUser("finance@paygate.test", "paygate-finance-demo", "Finn Finance", Role.FINANCE),
    DemoUser("merchant@paygate.test", "paygate-merchant-demo", "Mia Merchant", Role.MERCHANT),
]
DEMO_BUSINESS_NAME = "Demo Store"
# Fixed so the printed credentials stay true across runs. Demo data only: never seed production.
DEMO_API_KEY_ID = "key_DemoMerchant00000001"
DEMO_API_SECRET = "sk_DemoSecretDoNotUseInProduction01"  # noqa: S105


class Command(BaseCommand):
    help = (
        "Create the demo users (admin, finance, merchant) and the demo merchant's API key. "
        "Running it again changes nothing. For demos and development only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for demo in DEMO_USERS:
            created = self.ensure_user(demo)
            state = "created" if created else "exists"
            self.stdout.write(f"  {demo.role:<8} {demo.email:<24} {demo.password:<24} ({state})")
        merchant = Merchant.objects.get(user__email="merchant@paygate.test")
        self.stdout.write(f"  demo merchant {merchant.public_id}: API key {merchant.api_key_id}")
        if merchant.api_key_id == DEMO_API_KEY_ID:
            self.stdout.write(f"  API secret {DEMO_API_SECRET}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

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
