"""Domain operations on organisation units, users and roles: the only place that changes them."""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OrgUnit, Role, User
from .roles import ROLE_PERMISSIONS, ROLES

ORG_DATA_DIR = Path(__file__).resolve().parent / "data"


class ServiceError(Exception):
    """A domain rule refused the operation; the message is for the user (Chinese)."""


# --- roles -----------------------------------------------------------------------------------


def sync_roles() -> None:
    """Create the roles of roles.py and give each exactly its declared permissions."""
    for code, role_def in ROLES.items():
        role, _created = Role.objects.get_or_create(
            code=code,
            defaults={"name": str(role_def.name), "description": str(role_def.description)},
        )
        wanted = ROLE_PERMISSIONS.get(code, set())
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        role.permissions.set(perms)


# --- organisation units ----------------------------------------------------------------------


@transaction.atomic
def save_unit(unit: OrgUnit) -> OrgUnit:
    """Save a unit, keeping its path and the paths of its whole subtree consistent."""
    if unit.parent_id:
        parent = OrgUnit.objects.get(pk=unit.parent_id)
        if unit.pk and (parent.pk == unit.pk or parent.path.startswith(unit.path or "\0")):
            raise ServiceError(_("不能把机构移到它自己或其下级机构之下。"))
        expected = {
            OrgUnit.Kind.CITY: None,
            OrgUnit.Kind.DISTRICT: OrgUnit.Kind.CITY,
            OrgUnit.Kind.STATION: OrgUnit.Kind.DISTRICT,
        }[unit.kind]
        if parent.kind != expected:
            raise ServiceError(
                _("%(kind)s的上级机构必须是%(parent)s。")
                % {"kind": unit.get_kind_display(), "parent": OrgUnit.Kind(expected).label}
                if expected
                else _("市局不能有上级机构。")
            )
    elif unit.kind != OrgUnit.Kind.CITY:
        raise ServiceError(_("区局和市场监管所必须有上级机构。"))
    old_path = None
    if unit.pk:
        old_path = OrgUnit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
    unit.path = unit.compute_path()
    unit.save()
    if old_path and old_path != unit.path:
        for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    return unit


def load_org_tree(data: dict) -> int:
    """Create or update the unit tree from a structure like zhijian/core/data/org_310000.json.

    ``{"code", "name", "kind", "division", "streets": [...], "children": [...]}``
    Returns the number of units written. Existing units (by code) are updated in place.
    """
    from zhijian.dictionaries.models import Division

    count = 0

    def walk(node: dict, parent: OrgUnit | None, order: int) -> None:
        nonlocal count
        unit = OrgUnit.objects.filter(code=node["code"]).first() or OrgUnit(code=node["code"])
        unit.name = node["name"]
        unit.short_name = node.get("short_name", "")
        unit.kind = node["kind"]
        unit.parent = parent
        unit.sort_order = order
        division_code = node.get("division")
        unit.division = (
            Division.objects.filter(code=division_code).first() if division_code else None
        )
        save_unit(unit)
        if node.get("streets"):
            unit.streets.set(Division.objects.filter(code__in=node["streets"]))
        count += 1
        for i, child in enumerate(node.get("children", [])):
            walk(child, unit, i)

    with transaction.atomic():
        walk(data, None, 0)
    return count


def default_org_tree_file(jurisdiction: str | None = None) -> Path:
    return ORG_DATA_DIR / f"org_{jurisdiction or settings.JURISDICTION}.json"


def load_default_org_tree() -> int:
    path = default_org_tree_file()
    if not path.exists():
        raise ServiceError(
            _("没有找到辖区%(code)s的机构数据文件%(path)s，请先用 zhijian orgs generate 生成。")
            % {"code": settings.JURISDICTION, "path": path}
        )
    return load_org_tree(json.loads(path.read_text(encoding="utf-8")))


def generate_org_tree(jurisdiction: str) -> dict:
    """A default tree for a jurisdiction, read from the shipped division data.

    One district bureau per current district and one station per street, town or special area
    (development zone, farm), which is how most Chinese cities organise their stations; edit
    the resulting file to merge or rename stations, then load it with ``zhijian orgs load``.
    """
    from zhijian.dictionaries.datafiles import read_divisions

    rows = [r for r in read_divisions(jurisdiction) if r.valid_to is None]
    by_code = {r.code: r for r in rows}
    root = by_code[jurisdiction]
    city_name = root.name
    tree = {
        "code": jurisdiction,
        "name": f"{city_name}市场监督管理局",
        "short_name": "市局",
        "kind": OrgUnit.Kind.CITY,
        "division": jurisdiction,
        "children": [],
    }
    districts = {}
    for row in rows:
        if row.level == "district":
            districts[row.code] = {
                "code": row.code,
                "name": f"{city_name}{row.name}市场监督管理局",
                "short_name": row.name,
                "kind": OrgUnit.Kind.DISTRICT,
                "division": row.code,
                "children": [],
            }
            tree["children"].append(districts[row.code])
    for row in rows:
        if row.level == "street" and row.parent_code in districts:
            district = districts[row.parent_code]
            short = row.name
            for suffix in ("街道", "镇", "乡"):
                short = short.removesuffix(suffix)
            district["children"].append(
                {
                    "code": row.code,
                    "name": f"{district['short_name']}市场监督管理局{short}市场监督管理所",
                    "short_name": f"{short}所",
                    "kind": OrgUnit.Kind.STATION,
                    "streets": [row.code],
                }
            )
    return tree


def station_for_street(street_code: str) -> OrgUnit | None:
    """The home station of a street or town (the station whose area covers it)."""
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.STATION, streets__code=street_code).first()


# --- users -----------------------------------------------------------------------------------


def generate_initial_password(length: int = 14) -> str:
    """A random password meeting the rules (all four classes)."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*-_"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


@transaction.atomic
def create_user(
    *,
    username: str,
    unit: OrgUnit | None,
    roles: list[str],
    full_name: str = "",
    password: str | None = None,
    must_change_password: bool = True,
    **fields,
) -> tuple[User, str]:
    """Create an account. Returns the user and the initial password to hand over."""
    from django.contrib.auth.password_validation import validate_password

    if User.objects.filter(username=username).exists():
        raise ServiceError(_("用户名“%(u)s”已被使用。") % {"u": username})
    user = User(username=username, unit=unit, full_name=full_name, **fields)
    initial = password or generate_initial_password()
    validate_password(initial, user)
    user.set_password(initial)
    user.must_change_password = must_change_password
    user.password_changed_at = None if must_change_password else timezone.now()
    user.save()
    set_roles(user, roles)
    return user, initial


def set_roles(user: User, role_codes: list[str]) -> None:
    unknown = set(role_codes) - set(ROLES)
    if unknown:
        raise ServiceError(_("未知角色：%(r)s") % {"r": "、".join(sorted(unknown))})
    user.groups.set(Role.objects.filter(code__in=role_codes))


def change_password(user: User, new_password: str) -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


def reset_password(user: User) -> str:
    """An administrator resets a password: a new random one that must be changed at login."""
    new = generate_initial_password()
    user.set_password(new)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return new
