"""Demo data in bulk: the rows the services would write for N payments, without calling them N times.

`payments_seed` generates orders, payments in every outcome, their provider attempts (with
fallbacks and retries), refunds (full, partial, failed), weekly payouts, the ledger and the events,
spread over the past `days` days for several merchants, and writes them in batches: `COPY` on
PostgreSQL, `bulk_create` elsewhere. It replays the same decisions the services take:

- outcomes come from `payments.providers.simulate_attempt` / `simulate_refund` with the providers'
  profiles (and the documented test cards' scenarios), tried in a routing order, with the risk
  rules of `payments.risk` (review and block thresholds, blocked cards) in front;
- fees come from `payments.services.capture_fee`; statuses follow `PAYMENT_TRANSITIONS`;
- every change writes the events the service writes, with `data` shaped exactly like the API
  output at that moment (the last event of an object equals its serializer output);
- ledger entries are written in time order with a running before/after chain per balance, so
  `verify_ledger` holds and each balance equals the sum of its entries.

Everything random comes from one `random.Random(seed)`, so the same seed and the same `now`
give the same data — except the public ids, which stay unguessable (drawn from the OS's CSPRNG,
like `paygate.lib.ids.new_id`, but in batches: `new_id` costs ~13 µs an id, which alone would
take two minutes for the ~10 million ids of a million payments).

All of it runs in one transaction: an interrupted run leaves nothing behind. On PostgreSQL a
writer thread streams the COPYs while the next batch is generated, and a large seed loads the
tables without their secondary indexes and constraints and rebuilds them before committing —
into a fresh database with COPY FREEZE, so that no VACUUM pass follows.
Events get no webhook deliveries (the services make one only for merchants with a webhook URL,
and seeded events are history, not news).

The package, by its parts: `demo` (the demo shops and the shape of their traffic), `formats`
(times and their text), `ids` (public ids and primary keys), `writer` (COPY / bulk_create and
the bulk-load mode), `generator` (the histories, batch by batch), `sink` (ledger chain, payouts,
events, writes) and `run` (the entry point, `payments_seed`). Names that start with `_` are the
package's own, shared between its modules; the tuning constants (`generator.BATCH_PAYMENTS`,
`run.BULK_LOAD_THRESHOLD`) are read where they are defined.
"""

from payments.seeding.demo import DEMO_MERCHANT_PASSWORD, DEMO_SHOPS, DemoShop
from payments.seeding.generator import _Batch
from payments.seeding.ids import public_ids
from payments.seeding.run import SeedResult, payments_seed
from payments.seeding.sink import _Sink
from payments.seeding.writer import TABLES

__all__ = [
    "DEMO_MERCHANT_PASSWORD",
    "DEMO_SHOPS",
    "TABLES",
    "DemoShop",
    "SeedResult",
    "_Batch",
    "_Sink",
    "payments_seed",
    "public_ids",
]
