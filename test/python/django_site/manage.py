#!/usr/bin/env python3
"""Django's manage.py for the framework suite (test/frameworks_python_test.go,
TestDjango). The database comes from PGHOST, PGPORT and PGDATABASE."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fwsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
