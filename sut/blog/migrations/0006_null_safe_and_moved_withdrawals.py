"""The triggers again: a cleared publication time is a withdrawal, a changed slug withdraws the old address."""

from django.db import migrations


def install(apps, schema_editor):
    from blog.purges import RULES
    from pagecache import triggers

    triggers.uninstall(schema_editor, RULES)
    triggers.install(schema_editor, RULES)


class Migration(migrations.Migration):
    dependencies = [("blog", "0005_withdrawal_triggers")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
