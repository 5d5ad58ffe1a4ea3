"""The tags every deployment starts with; organisations may add more."""

from django.db import migrations

TAGS = ("主题教育", "党史", "二十大精神", "党章党规", "业务技能", "安全生产", "法律", "志愿服务")


def add_tags(apps, schema_editor):
    Tag = apps.get_model("learning", "Tag")
    for name in TAGS:
        Tag.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
