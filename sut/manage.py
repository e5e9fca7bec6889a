#!/usr/bin/env python
"""Django's command-line utility for the publication under test."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting that cannot work: one line, not a traceback
        print(f"manage.py: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
