"""Default categories, deadline rules and China's official holiday calendar (data, editable)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from zongheng.demands.defaults import install

    install(apps.get_model("demands", "Category"), apps.get_model("demands", "DeadlineRule"),
            apps.get_model("demands", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
