from django.db import migrations

from payments.providers import DEFAULT_PROFILES


def create_providers(apps, schema_editor):
    ProviderProfile = apps.get_model("payments", "ProviderProfile")
    for profile in DEFAULT_PROFILES:
        ProviderProfile.objects.get_or_create(name=profile["name"], defaults=profile)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(create_providers, migrations.RunPython.noop)]
