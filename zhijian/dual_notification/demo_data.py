"""Demo data of dual notification (``zhijian demo`` runs ``build`` after the synthetic city).

Runs the matching over the newest entities of the demo city (at most ``LIMIT``), adds two
department users (卫健委 and 交通委, password as the other demo accounts), and lets them sign
for, answer and claim a few notifications, so that every state appears. Idempotent:
nothing is added once any event exists.
"""

from __future__ import annotations

from django.db import transaction

LIMIT = 1500
DEMO_MEMBERS = (("wjw", "卫健委联络员", "WJW"), ("jtw", "交通委联络员", "JTW"))


def build(stdout=None) -> str | None:
    from zhijian.core import context
    from zhijian.core import services as core_services
    from zhijian.core.demo import DEMO_PASSWORD
    from zhijian.core.models import OrgUnit, User
    from zhijian.registry.models import Entity

    from . import services
    from .models import Department, DepartmentMember, Notification, ScopeEvent

    city = OrgUnit.objects.filter(kind=OrgUnit.Kind.CITY).order_by("path").first()
    if city is None or not Entity.objects.exists() or ScopeEvent.objects.exists():
        return None  # no city yet, or the demo (or real use) has already matched entities
    services.seed_defaults()
    with context.acting_as(context.cli_context()):
        rules = services.rules_in_force()
        newest = list(
            Entity.objects.filter(status=services.ACTIVE_STATUS)
            .exclude(scope_events__kind=ScopeEvent.Kind.ESTABLISHED)
            .order_by("-established_on", "-pk")[:LIMIT]
        )
        created = 0
        for entity in newest:
            _event, new = services.notify_for_entity(
                entity, ScopeEvent.Kind.ESTABLISHED, rules=rules
            )
            created += new
        members = []
        with transaction.atomic():
            for username, name, code in DEMO_MEMBERS:
                department = Department.objects.filter(code=code).first()
                if department is None:
                    continue
                user = User.objects.filter(username=username).first()
                if user is None:
                    user, _ = core_services.create_user(
                        username=username, unit=city, roles=[], full_name=name,
                        password=DEMO_PASSWORD, must_change_password=False,
                    )  # fmt: skip
                if not DepartmentMember.objects.filter(user=user, department=department).exists():
                    services.add_member(user, department)
                members.append((user, department))
        for user, department in members:
            sent = Notification.objects.filter(
                department=department, state=Notification.State.SENT
            ).order_by("pk")
            if Notification.objects.filter(department=department, read_at__isnull=False).exists():
                continue  # acted already
            ids = list(sent.values_list("pk", flat=True)[:6])
            for index, pk in enumerate(ids):
                notice = Notification.objects.get(pk=pk)
                if index < 2:
                    services.mark_read(notice, user)
                elif index < 4:
                    services.give_feedback(notice, user, Notification.Feedback.LICENSED)
                elif index < 5:
                    services.give_feedback(notice, user, Notification.Feedback.UNDER_REVIEW)
            unmatched = ScopeEvent.objects.filter(matched=False).exclude(
                notifications__department=department
            )
            for event in unmatched.order_by("pk")[:1]:
                services.claim(event, user, department=department)
    total = Notification.objects.count()
    open_cases = ScopeEvent.objects.filter(matched=False, notifications__isnull=True).count()
    return f"双告知：新增告知事项 {created} 件，告知记录共 {total} 条，待认领 {open_cases} 件"
