"""Tracking codes stored as hashes, step 1: add the hash and prefix columns and hash existing codes.

Step 2 (0005, its own transaction) drops the clear codes and makes the hash unique."""

import hashlib

from django.db import migrations, models


def _hash(code: str) -> str:
    # Same as zongheng.demands.models.hash_code (a migration keeps its own copy).
    return hashlib.sha256(f"zongheng-demand-code:{code}".encode()).hexdigest()


def hash_existing(apps, schema_editor):
    for model_name in ("Demand", "DemandFollower"):
        model = apps.get_model("demands", model_name)
        rows = list(model.objects.only("pk", "code"))
        for row in rows:
            row.code_hash, row.code_prefix = _hash(row.code), row.code[:6]
        model.objects.bulk_update(rows, ["code_hash", "code_prefix"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('demands', '0003_client_hit'),
    ]

    operations = [
        migrations.AddField(
            model_name='demand', name='code_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='demand', name='code_prefix',
            field=models.CharField(db_index=True, default='', editable=False, max_length=6,
                                   verbose_name='查询码前缀'),
        ),
        migrations.AddField(
            model_name='demandfollower', name='code_hash',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='demandfollower', name='code_prefix',
            field=models.CharField(db_index=True, default='', max_length=6),
        ),
        migrations.RunPython(hash_existing, migrations.RunPython.noop),
    ]
