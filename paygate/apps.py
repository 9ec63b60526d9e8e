from django.apps import AppConfig


class PaygateConfig(AppConfig):
    name = "paygate"
    verbose_name = "PayGate"

    def ready(self) -> None:
        from paygate import checks  # noqa: F401  (registers the system checks)
