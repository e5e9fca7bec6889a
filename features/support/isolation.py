"""Scenarios never share state: an empty database, an empty memcached, an empty nginx first level."""

from functools import cache

from support import memcached, purges

# Made by migrate and changed by no scenario. Django's flush empties them too, then its
# post_migrate remakes them: 5 to 10 times the time of emptying the rest (60 ms on SQLite, 150 ms
# on PostgreSQL, a scenario).
KEPT = {"django_content_type", "auth_permission"}


def reset(stack):
    stack.heal()  # a program a failed scenario left down or frozen is running again
    purges.settle()  # none of the last scenario's purges lands in this one
    empty_database()
    memcached.flush(stack.memcached)
    stack.clear_l1()


@cache
def _emptied(alias):
    """The tables emptied before each scenario, and the statements that restart their ids."""
    from django.core.management.color import no_style
    from django.db import connections

    connection = connections[alias]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    tables = sorted(set(tables) - KEPT)
    sequences = [s for s in connection.introspection.sequence_list() if s["table"] in tables]
    restart = connection.ops.sequence_reset_by_name_sql(no_style(), sequences)
    quote = connection.ops.quote_name
    return [f"DELETE FROM {quote(table)}" for table in tables] + list(restart)


def empty_database(alias="default"):
    """Every table but KEPT emptied and its ids restarted, in one transaction (foreign keys are
    checked at its end)."""
    from django.db import connections, transaction

    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        for statement in _emptied(alias):
            cursor.execute(statement)
