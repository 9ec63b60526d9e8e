from django.apps import AppConfig


class PaygateConfig(AppConfig):
    name = "paygate"
    verbose_name = "PayGate"

    def ready(self) -> None:
        from django.tasks.signals import task_enqueued

        from paygate import checks  # noqa: F401  (registers the system checks)
        from paygate.wakeup import notify_workers

        task_enqueued.connect(notify_workers, dispatch_uid="paygate-notify-workers")
