from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PendingPurge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("tags", models.TextField()),
                ("due", models.DateTimeField(db_index=True)),
            ],
            options={"db_table": "pagecache_pending_purge", "ordering": ["id"]},
        ),
    ]
