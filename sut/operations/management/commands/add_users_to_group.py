"""`manage.py add_users_to_group GROUP [--all | --username U... | --email-domain D] [--create]`.

Bulk inserts into the membership table (never a save per user), so tens of thousands of users
take a few queries; running it twice adds nobody twice.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

BATCH = 5000


class Command(BaseCommand):
    help = "Add users to a group in bulk; report how many were added and how many already belonged."

    def add_arguments(self, parser):
        parser.add_argument("group")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--all", action="store_true", help="every active user")
        who.add_argument("--username", nargs="+", metavar="U", help="these users")
        who.add_argument("--email-domain", metavar="D", help="users whose email address is at this domain")
        parser.add_argument("--create", action="store_true", help="create the group if it does not exist")

    def handle(self, *args, **options):
        users = get_user_model().objects.filter(is_active=True)
        if options["username"]:
            users = users.filter(username__in=options["username"])
            missing = set(options["username"]) - set(users.values_list("username", flat=True))
            if missing:
                raise CommandError(f"no such user(s): {', '.join(sorted(missing))}")
        elif options["email_domain"]:
            users = users.filter(email__iendswith="@" + options["email_domain"].lstrip("@"))
        with transaction.atomic():
            group = self._group(options["group"], options["create"])
            added, already = add_to_group(group, users.values_list("pk", flat=True))
        self.stdout.write(f"{added} added to {group.name}, {already} already belonged")
        return f"{added} {already}"

    @staticmethod
    def _group(name, create):
        if create:
            return Group.objects.get_or_create(name=name)[0]
        try:
            return Group.objects.get(name=name)
        except Group.DoesNotExist:
            raise CommandError(f"no group {name!r} (--create makes it)") from None


def add_to_group(group, user_ids):
    """(added, already) after adding the users to the group with bulk inserts."""
    membership = get_user_model().groups.through
    wanted = set(user_ids)
    # The group's members, read whole: an IN list of tens of thousands of ids is over SQLite's limit.
    already = wanted & set(membership.objects.filter(group=group).values_list("user_id", flat=True))
    rows = [membership(user_id=pk, group_id=group.pk) for pk in sorted(wanted - already)]
    membership.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows), len(already)
