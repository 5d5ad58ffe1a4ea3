"""The usual frequency of 三会一课: 党员大会 and 党课 quarterly, 支委会, 党小组会 and 主题党日 monthly,
组织生活会 and 民主评议党员 yearly. Organisations adjust them with rules of their own."""

from django.db import migrations

DEFAULTS = {
    "assembly": "quarter",
    "lecture": "quarter",
    "committee": "month",
    "group": "month",
    "theme_day": "month",
    "life": "year",
    "appraisal": "year",
}


def add_defaults(apps, schema_editor):
    rule = apps.get_model("meetings", "MeetingRule")
    for kind, period in DEFAULTS.items():
        rule.objects.get_or_create(organization=None, kind=kind, defaults={"period": period})


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
