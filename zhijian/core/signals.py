from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .services import sync_roles


@receiver(post_migrate)
def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    # Run once, after the last installed app has had its permissions created.
    if app_config is not None and app_config is list(apps.get_app_configs())[-1]:
        sync_roles()
