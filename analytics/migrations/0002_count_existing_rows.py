from django.db import migrations


def count_existing_rows(apps, schema_editor):
    """Fill the daily counts from the orders, payments and refunds already there."""
    from payments.counts import FIGURES, tally_rows

    DailyCount = apps.get_model("analytics", "DailyCount")
    tally = tally_rows(
        order_model=apps.get_model("payments", "Order"),
        payment_model=apps.get_model("payments", "Payment"),
        refund_model=apps.get_model("payments", "Refund"),
    )
    DailyCount.objects.bulk_create(
        (
            DailyCount(
                merchant_id=merchant_id, day=day, currency=currency, folded=True, **{n: figures[n] for n in FIGURES}
            )
            for (merchant_id, day, currency), figures in tally.items()
        ),
        batch_size=2_000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("payments", "0007_attempt_fallback"),
    ]

    operations = [migrations.RunPython(count_existing_rows, migrations.RunPython.noop)]
