"""Background work on Django's Tasks framework. Tasks are thin: they call services.

With the immediate backend (tests) they run inside the request; with the database backend a
`db_worker` runs them, and only there is the simulated provider latency slept.
"""

from __future__ import annotations

from django.tasks import TaskContext, task, task_backends
from django.tasks.backends.immediate import ImmediateBackend

from payments import services


def _in_worker(context: TaskContext) -> bool:
    return not isinstance(task_backends[context.task_result.backend], ImmediateBackend)


@task(takes_context=True)
def process_payment(context: TaskContext, payment_id: int, claim: str) -> None:
    services.payment_process(payment_id=payment_id, claim=claim, simulate_latency=_in_worker(context))


@task(takes_context=True)
def process_refund(context: TaskContext, refund_id: int) -> None:
    services.refund_process(refund_id=refund_id, simulate_latency=_in_worker(context))
