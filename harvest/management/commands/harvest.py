"""`python sut/manage.py harvest`: the same command as the `harvest` console script."""

import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the acceptance suite (Lettuce's interface on behave); see `harvest --help`."

    def run_from_argv(self, argv):
        from harvest.cli import main

        sys.exit(main(argv[2:], prog=f"{argv[0]} harvest"))
