"""The platform's default contact timeline: a talk every 90 days, a visit every year, and contact
every 180 days for members abroad. Organisations adjust them with rules of their own."""

from django.db import migrations

DEFAULTS = [("talk", "mobile", 90), ("visit", "mobile", 365), ("any", "abroad", 180)]


def add_defaults(apps, schema_editor):
    rule = apps.get_model("care", "ContactRule")
    for kind, audience, days in DEFAULTS:
        rule.objects.get_or_create(organization=None, kind=kind, audience=audience, defaults={"interval_days": days})


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
