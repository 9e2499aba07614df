from django.db import migrations


def forwards(apps, schema_editor):
    from zongheng.members.defaults import install

    install(apps.get_model("members", "PointItem"), apps.get_model("members", "RuleSet"),
            apps.get_model("members", "PointRule"))


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
