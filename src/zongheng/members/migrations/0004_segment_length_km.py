"""A segment's length (``Segment.length_km``), so the kilometres of levee claimed are added up from records;
segments already cut by 桩号 ("K12+000–K12+500") get the length their name states."""

import re
from decimal import Decimal

from django.db import migrations, models

CHAINAGE = re.compile(r"^K(\d+)\+(\d{3})–K(\d+)\+(\d{3})$")


def lengths_from_names(apps, schema_editor):  # type: ignore[no-untyped-def]
    Segment = apps.get_model("members", "Segment")
    found = []
    for pk, name in Segment.objects.filter(name__startswith="K", length_km__isnull=True).values_list("pk", "name"):
        m = CHAINAGE.match(name)
        a, b = (int(m[1]) * 1000 + int(m[2]), int(m[3]) * 1000 + int(m[4])) if m else (0, 0)
        if b > a:
            found.append(Segment(pk=pk, length_km=(Decimal(b - a) / 1000).quantize(Decimal("0.001"))))
    Segment.objects.bulk_update(found, ["length_km"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_activities_cancel_reason_walk_in"),
    ]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="length_km",
            field=models.DecimalField(blank=True, decimal_places=3, help_text="堤段等按长度划分的段填写；岗位不填",
                                      max_digits=8, null=True, verbose_name="长度（公里）"),
        ),
        migrations.RunPython(lengths_from_names, migrations.RunPython.noop),
    ]
