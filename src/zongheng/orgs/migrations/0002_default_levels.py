"""The default levels of the tree. Levels are data: a deployment may add or rename them."""

from django.db import migrations

LEVELS = [
    ("city", "市", 10), ("district", "区", 20), ("street", "街道", 30), ("township", "乡", 31),
    ("community", "社区", 40), ("village", "村", 41), ("grid", "网格", 50), ("household", "党员中心户", 60),
]


def forwards(apps, schema_editor):
    Level = apps.get_model("orgs", "Level")
    for code, name, rank in LEVELS:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
