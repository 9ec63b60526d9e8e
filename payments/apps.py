from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from payments import receivers  # noqa: F401  (connects to the signals of the apps below)
