"""The daily counts move from analytics to payments, whose services write them.

The table is kept, with its rows and indexes: the model changes owner in the migration state
only, then the table is renamed from analytics_dailycount to payments_dailycount.
analytics 0003 removes the model from analytics' state.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0003_lean_indexes"),
        ("payments", "0007_attempt_fallback"),
        ("analytics", "0002_count_existing_rows"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DailyCount",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("day", models.DateField()),
                        ("currency", models.CharField(max_length=3)),
                        ("orders", models.BigIntegerField(default=0)),
                        ("payments", models.BigIntegerField(default=0)),
                        ("successful_payments", models.BigIntegerField(default=0)),
                        ("failed_payments", models.BigIntegerField(default=0)),
                        ("canceled_payments", models.BigIntegerField(default=0)),
                        ("captured", models.BigIntegerField(default=0)),
                        ("refunds", models.BigIntegerField(default=0)),
                        ("refunded", models.BigIntegerField(default=0)),
                        ("folded", models.BooleanField(default=False)),
                        (
                            "merchant",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="merchants.merchant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "analytics_dailycount",
                        "indexes": [
                            models.Index(fields=["merchant", "day", "currency"], name="dailycount_merchant_idx"),
                            models.Index(fields=["day"], name="dailycount_day_idx"),
                            models.Index(condition=models.Q(("folded", False)), fields=["id"], name="dailycount_delta_idx"),
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="dailycount", table=None),
    ]
