from django.db import migrations


def install(apps, schema_editor):
    from blog.purges import RULES
    from pagecache import triggers

    triggers.install(schema_editor, RULES)


def uninstall(apps, schema_editor):
    from blog.purges import RULES
    from pagecache import triggers

    triggers.uninstall(schema_editor, RULES)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_tags_search"),
        ("pagecache", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
