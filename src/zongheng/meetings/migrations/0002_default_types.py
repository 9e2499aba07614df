from django.db import migrations


def forwards(apps, schema_editor):
    from zongheng.meetings.defaults import install

    install(apps.get_model("meetings", "MeetingType"), apps.get_model("orgs", "Level"))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("orgs", "0002_default_levels")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
