"""Scenarios never share state: an empty database, an empty memcached, an empty nginx first level."""

from django.core.management import call_command

from support import memcached


def reset(stack):
    stack.heal()  # a program a failed scenario left down or frozen is running again
    call_command("flush", interactive=False, verbosity=0)
    memcached.flush(stack.memcached)
    stack.clear_l1()
