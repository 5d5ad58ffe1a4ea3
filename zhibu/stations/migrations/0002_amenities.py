"""The starting list of amenities; deployments extend it as rows."""

from django.db import migrations

AMENITIES = [
    ("water", "饮水", "Drinking water", "cup-straw"),
    ("hot_meal", "热饭", "Meal heating", "fire"),
    ("charging", "充电", "Phone and battery charging", "battery-charging"),
    ("rest", "休息", "Seats to rest", "house-heart"),
    ("toilet", "卫生间", "Toilet", "droplet"),
    ("reading", "阅读区", "Reading corner", "book"),
    ("umbrella", "雨具", "Umbrellas and raincoats", "umbrella"),
    ("first_aid", "医药箱", "First-aid kit", "bandaid"),
    ("wifi", "无线网络", "Wi-Fi", "wifi"),
    ("air_conditioning", "空调", "Air conditioning", "snow"),
    ("repair", "修车工具", "Bike repair tools", "tools"),
    ("parking", "电动车停放", "E-bike parking", "bicycle"),
]


def add(apps, schema_editor):
    Amenity = apps.get_model("stations", "Amenity")
    for order, (code, name, name_en, icon) in enumerate(AMENITIES, start=1):
        Amenity.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "icon": icon, "sort_order": order * 10}
        )


def remove(apps, schema_editor):
    apps.get_model("stations", "Amenity").objects.filter(code__in=[row[0] for row in AMENITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
