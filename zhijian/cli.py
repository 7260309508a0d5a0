"""The ``zhijian`` console command: every management command runs through it."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhijian", *sys.argv[1:]])


if __name__ == "__main__":
    main()
