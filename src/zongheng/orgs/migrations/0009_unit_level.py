"""The level of a stationed unit's node (驻区单位): a child of the street or community where it sits."""

from django.db import migrations


LEVELS = [("unit", "驻区单位", 45)]


def forwards(apps, schema_editor):
    Level = apps.get_model("orgs", "Level")
    for code, name, rank in LEVELS:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_org_office_phone")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
