"""The level of a stationed unit's node (驻区单位): a child of the street or community where it sits."""

from django.db import migrations


def forwards(apps, schema_editor):
    Level = apps.get_model("orgs", "Level")
    Level.objects.get_or_create(code="unit", defaults={"name": "驻区单位", "rank": 45})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_org_office_phone")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
