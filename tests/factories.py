"""factory-boy factories for the models; services are used where a row needs its invariants."""

from __future__ import annotations

import factory

from merchants.keys import hash_api_secret, new_api_key_id, new_webhook_secret
from merchants.models import Merchant, Role, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.MERCHANT
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def apply_role(self, create: bool, extracted: object, **kwargs: object) -> None:
        self.apply_role()
        if create:
            self.save()


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    user = factory.SubFactory(UserFactory, role=Role.MERCHANT)
    business_name = factory.Faker("company")
    api_key_id = factory.LazyFunction(new_api_key_id)
    api_secret_hash = factory.LazyFunction(lambda: hash_api_secret("sk_factory"))
    webhook_secret = factory.LazyFunction(new_webhook_secret)
