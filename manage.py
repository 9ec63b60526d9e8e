#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paygate.settings")
    # A bare checkout (neither DEBUG nor SECRET_KEY set) runs commands in development mode, so
    # `manage.py makemigrations` and friends work out of the box. Saying DEBUG=false without a
    # SECRET_KEY still stops with an error, and the WSGI/ASGI entry points never fall back.
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "true"
        print("manage.py: DEBUG and SECRET_KEY are unset; running in development mode.", file=sys.stderr)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
