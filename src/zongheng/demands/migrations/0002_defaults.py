"""Default categories, deadline rules and China's official holiday calendar (data, editable)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from zongheng.demands.calendar_data import calendar_rows
    from zongheng.demands.defaults import CATEGORIES, rule_rows

    Category = apps.get_model("demands", "Category")
    DeadlineRule = apps.get_model("demands", "DeadlineRule")
    CalendarDay = apps.get_model("demands", "CalendarDay")
    for order, (code, name, keywords) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "keywords": keywords, "order": order})
    for code, urgency, clock, response, resolution in rule_rows():
        DeadlineRule.objects.get_or_create(
            category=Category.objects.get(code=code), urgency=urgency,
            defaults={"clock": clock, "response_minutes": response, "resolution_minutes": resolution},
        )
    for day, is_workday, note in calendar_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"is_workday": is_workday, "note": note})


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
