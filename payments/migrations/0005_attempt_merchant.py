import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_merchant(apps, schema_editor):
    ProviderAttempt = apps.get_model("payments", "ProviderAttempt")
    Payment = apps.get_model("payments", "Payment")
    ProviderAttempt.objects.filter(merchant__isnull=True).update(
        merchant_id=Subquery(Payment.objects.filter(pk=OuterRef("payment_id")).values("merchant_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0001_initial"),
        ("payments", "0004_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="providerattempt",
            name="merchant",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="merchants.merchant",
            ),
        ),
        migrations.RunPython(fill_merchant, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="providerattempt",
            name="merchant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="merchants.merchant"
            ),
        ),
        migrations.AddIndex(
            model_name="providerattempt",
            index=models.Index(
                fields=["merchant", "created_at", "provider", "result", "latency_ms", "region", "currency", "sequence", "payment"],
                name="attempt_merchant_period_idx",
            ),
        ),
    ]
