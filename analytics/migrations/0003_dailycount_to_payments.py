"""The daily counts now belong to payments (payments 0008 took over the table): analytics keeps
no model of its own, only the read side."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_count_existing_rows"),
        ("payments", "0008_dailycount_from_analytics"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="DailyCount")]),
    ]
