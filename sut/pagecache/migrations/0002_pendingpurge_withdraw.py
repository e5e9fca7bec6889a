from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pagecache", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="pendingpurge",
            name="withdraw",
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
