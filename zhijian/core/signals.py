from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .services import sync_roles


@receiver(post_migrate)
def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    # Run once, after the last app of the project has migrated (permissions exist then).
    if app_config is not None and app_config.label == "audit":
        sync_roles()
