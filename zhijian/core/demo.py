"""Demo organisations and accounts for the embedded demo (ZHIJIAN_DEMO=1 only)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from . import roles, services
from .models import OrgUnit, User

DEMO_PASSWORD = "Zhijian@2026"  # noqa: S105 - demo mode (ZHIJIAN_DEMO=1) only

# username, full name, unit code, roles
DEMO_USERS = [
    ("admin", "系统管理员", "310000", [roles.SYSADMIN]),
    ("auditor", "审计员", "310000", [roles.AUDITOR]),
    ("city", "王市局", "310000", [roles.CITY_OFFICER]),
    ("pudong", "李浦东", "310115", [roles.DISTRICT_OFFICER]),
    ("songjiang", "陈松江", "310117", [roles.DISTRICT_OFFICER]),
    ("zhangjiang", "张所员", "310115125", [roles.STATION_INSPECTOR]),
    ("yexie", "赵所员", "310117120", [roles.STATION_INSPECTOR]),
]


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Create the organisation tree and the demo accounts; returns (username, name, unit)."""
    if not settings.DEMO_MODE:
        raise services.ServiceError("演示数据只能在演示模式（ZHIJIAN_DEMO=1）下加载。")
    if not OrgUnit.objects.exists():
        services.load_default_org_tree()
    created = []
    for index, (username, full_name, unit_code, role_codes) in enumerate(DEMO_USERS):
        unit = OrgUnit.objects.get(code=unit_code)
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = services.create_user(
                username=username,
                unit=unit,
                roles=role_codes,
                full_name=full_name,
                password=DEMO_PASSWORD,
                must_change_password=False,
                mobile=f"1380013{index:04d}",
            )
        created.append((username, full_name, unit.name))
    return created


# --- the synthetic city ----------------------------------------------------------------------

DEFAULT_ENTITIES = 20_000  # ./run demo is up in well under a minute on a small machine
DEFAULT_SEED = 2026


def load_demo_city(
    entities: int = DEFAULT_ENTITIES,
    seed: int = DEFAULT_SEED,
    *,
    reset: bool = False,
    ground_truth=None,
    progress=None,
    today=None,
):
    """Fill the registry with a synthetic city (see ``zhijian.demo.city``).

    Refuses to add a second city: if entities exist, nothing is generated (returns ``None``)
    unless ``reset`` is given, which first deletes every registry row. Writes one audit record
    for the whole generation (bulk writes fire no signals). Call inside ``acting_as``.
    """
    from zhijian.audit.services import log
    from zhijian.demo.city import delete_city, generate_city
    from zhijian.registry.location import clear_cache
    from zhijian.registry.models import Entity

    if not settings.DEMO_MODE:
        raise services.ServiceError("演示数据只能在演示模式（ZHIJIAN_DEMO=1）下加载。")
    if entities <= 0:
        return None
    if Entity.objects.exists():
        if not reset:
            return None
        delete_city()
    clear_cache()  # the organisation tree may just have been loaded
    if ground_truth is None:
        ground_truth = settings.VAR_DIR / "demo" / "ground_truth.json"
    result = generate_city(
        entities, seed, today=today, ground_truth=ground_truth, progress=progress
    )
    log(
        "import",
        object_type="registry.entity",
        detail={
            "generator": "demo",
            "entities": entities,
            "seed": seed,
            "rows": result.rows,
            "reset": reset,
        },
    )
    return result
