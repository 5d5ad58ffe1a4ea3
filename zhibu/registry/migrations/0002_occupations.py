"""The starting list of occupations; deployments extend it as rows."""

from django.db import migrations

OCCUPATIONS = [
    ("courier", "快递员", "Courier"),
    ("rider", "外卖骑手", "Delivery rider"),
    ("ride_hailing_driver", "网约车司机", "Ride-hailing driver"),
    ("truck_driver", "货车司机", "Truck driver"),
    ("sorter", "分拣员", "Parcel sorter"),
    ("station_keeper", "快递驿站店主", "Parcel station keeper"),
    ("manager", "企业管理人员", "Manager"),
    ("clerk", "办公室职员", "Office clerk"),
    ("technician", "专业技术人员", "Technician"),
    ("social_worker", "社会组织工作者", "Social organisation worker"),
    ("self_employed", "个体经营者", "Self-employed"),
    ("other", "其他", "Other"),
]


def add(apps, schema_editor):
    Occupation = apps.get_model("registry", "Occupation")
    for order, (code, name, name_en) in enumerate(OCCUPATIONS, start=1):
        Occupation.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10})


def remove(apps, schema_editor):
    apps.get_model("registry", "Occupation").objects.filter(code__in=[row[0] for row in OCCUPATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
