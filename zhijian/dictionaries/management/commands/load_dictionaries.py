from django.core.management.base import BaseCommand

from zhijian.dictionaries.services import load_dictionaries


class Command(BaseCommand):
    help = (
        "Load the shipped division, industry and holiday dictionaries (idempotent). "
        "Calendar days already in the database are never changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="also update division/industry rows and re-seed missing calendar days",
        )
        parser.add_argument(
            "--jurisdiction", help="6-digit division code (default: settings.JURISDICTION)"
        )

    def handle(self, *args, force: bool = False, jurisdiction: str | None = None, **options):
        counts = load_dictionaries(force=force, jurisdiction=jurisdiction)
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count}")
