from django.db import migrations


def install(apps, schema_editor):
    from blog.purges import RULES
    from pagecache import triggers

    triggers.uninstall(schema_editor, RULES)
    triggers.install(schema_editor, RULES)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0004_purge_triggers"),
        ("pagecache", "0002_pendingpurge_withdraw"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
