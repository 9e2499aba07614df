"""Tracking codes stored as hashes, step 2: the clear codes go; follower ratings kept apart,
one rate-limit bucket per client (a locked row) and failed tracking lookups counted."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('demands', '0004_hash_tracking_codes'),
    ]

    operations = [
        migrations.RemoveField(model_name='demand', name='code'),

        migrations.RemoveField(model_name='demandfollower', name='code'),
        migrations.AlterField(
            model_name='demand', name='code_hash',
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name='demand', name='code_prefix',
            field=models.CharField(db_index=True, editable=False, max_length=6, verbose_name='查询码前缀'),
        ),
        migrations.AlterField(
            model_name='demandfollower', name='code_hash',
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name='demandfollower', name='code_prefix',
            field=models.CharField(db_index=True, max_length=6),
        ),
        migrations.AddField(
            model_name='demandfollower', name='rating',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='关注者评分'),
        ),
        migrations.AddField(
            model_name='demandfollower', name='rating_comment',
            field=models.CharField(blank=True, max_length=500, verbose_name='关注者评价'),
        ),
        migrations.AddField(
            model_name='demandfollower', name='rated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='关注者评价时间'),
        ),
        migrations.CreateModel(
            name='ClientBucket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client', models.CharField(max_length=64, unique=True)),
                ('touched_at', models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.AddField(
            model_name='clienthit', name='kind',
            field=models.CharField(default='submit', max_length=8),
        ),
        migrations.AlterField(
            model_name='clienthit', name='at',
            field=models.DateTimeField(db_index=True),
        ),
    ]
