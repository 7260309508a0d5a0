"""Masking of personal data (个人信息脱敏).

Every page, API response and export shows personal data masked by default; showing it
unmasked needs the permission ``core.unmask_personal_data`` and writes an audit record
(see ``reveal``).
"""

from __future__ import annotations

UNMASK_PERMISSION = "core.unmask_personal_data"


def _keep_ends(value: str | None, start: int, end: int) -> str:
    """Keep ``start`` leading and ``end`` trailing characters; stars in between."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= start + end:
        return "*" * len(value)
    return value[:start] + "*" * (len(value) - start - end) + value[-end:]


def mask_id_number(value: str | None) -> str:
    """Citizen ID number: first 3 and last 4 kept, e.g. 310***********123X."""
    return _keep_ends(value, 3, 4)


def mask_mobile(value: str | None) -> str:
    """Mainland mobile number: first 3 and last 4 kept, e.g. 138****5678."""
    return _keep_ends(value, 3, 4)


def mask_name(value: str | None) -> str:
    """A person's name: the family name kept, e.g. 张** (two-character names: 张*)."""
    if not value:
        return ""
    value = str(value)
    return value[0] + "*" * max(1, len(value) - 1)


def mask_generic(value: str | None, keep_start: int = 1, keep_end: int = 1) -> str:
    """Any other personal string (addresses, e-mail, bank accounts)."""
    return _keep_ends(value, keep_start, keep_end)


MASKERS = {
    "id_number": mask_id_number,
    "mobile": mask_mobile,
    "phone": mask_mobile,
    "name": mask_name,
}


def mask(kind: str, value: str | None) -> str:
    return MASKERS.get(kind, mask_generic)(value)


def can_unmask(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(UNMASK_PERMISSION))


def reveal(user, obj, field: str) -> str:
    """The unmasked value of ``obj.field`` for a user allowed to see it; audited.

    Raises PermissionDenied for anyone else.
    """
    from django.core.exceptions import PermissionDenied

    from zhijian.audit.services import log

    if not can_unmask(user):
        raise PermissionDenied("没有查看未脱敏个人信息的权限。")
    if field not in getattr(obj, "personal_fields", ()):
        raise PermissionDenied("该字段不是可查看的个人信息字段。")
    log("unmask", obj=obj, detail={"field": field})
    return getattr(obj, field) or ""
