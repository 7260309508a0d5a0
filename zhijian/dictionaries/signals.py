"""Signal handlers: load the dictionaries after ``migrate``, drop caches on changes."""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import workdays
from .models import CalendarDay, CalendarYear, Division, Industry

logger = logging.getLogger(__name__)

_TABLES = {model._meta.db_table for model in (CalendarDay, CalendarYear, Division, Industry)}


def load_after_migrate(sender, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs) -> None:
    """post_migrate handler (connected for this app only): every fresh DB gets the data."""
    if not _TABLES.issubset(connections[using].introspection.table_names()):
        return  # migrated backwards, or not yet migrated
    from .services import load_dictionaries

    counts = load_dictionaries(using=using)
    if verbosity >= 2 and any(counts.values()):
        print(f"  Loaded dictionaries: {counts}")


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def calendar_changed(sender, **kwargs) -> None:
    workdays.clear_cache()


@receiver(post_save, sender=Division)
@receiver(post_delete, sender=Division)
@receiver(post_save, sender=Industry)
@receiver(post_delete, sender=Industry)
def dictionary_changed(sender, **kwargs) -> None:
    from .services import clear_caches

    clear_caches()
