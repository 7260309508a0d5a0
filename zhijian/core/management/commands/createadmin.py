"""zhijian createadmin USERNAME --unit CODE: the first system administrator of an installation.

Prints a random initial password once; it must be changed at first login (no default passwords).
"""

from django.core.management.base import BaseCommand, CommandError

from zhijian.core import context, roles, services
from zhijian.core.models import OrgUnit


class Command(BaseCommand):
    help = "Create a system administrator account with a random initial password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--unit", required=True, help="organisation unit code, e.g. 310000")
        parser.add_argument("--full-name", default="")

    def handle(self, *args, username, unit, full_name, **options):
        org = OrgUnit.objects.filter(code=unit).first()
        if org is None:
            raise CommandError(f"机构代码不存在：{unit}（先运行 zhijian orgs load）")
        with context.acting_as(context.cli_context()):
            try:
                user, initial = services.create_user(
                    username=username, unit=org, roles=[roles.SYSADMIN], full_name=full_name
                )
            except services.ServiceError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"{user.username}\t{initial}\t(首次登录须修改 / change at first login)")
