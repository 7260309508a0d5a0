"""Automatic audit records: model writes, many-to-many changes, logins and lockouts.

Audited models are the models of the project's apps (modules under ``zhijian.``) plus Django's
auth ``Group`` and ``Permission``, except the audit app's own models, auto-created
many-to-many tables, and models that opt out with ``audit_exclude = True`` (high-volume or
derived data: job queues, caches, computed indicators, …). Receivers are connected per audited
model (``connect_model_signals``), so other models keep Django's fast bulk delete.

What a record holds:

* create / delete: ``{field: value}`` snapshot of the concrete fields;
* update: ``{field: [before, after]}`` of the fields that changed. The old values are read in
  ``pre_save`` with one query (only the ``update_fields`` if given). A save that changes
  nothing writes no record. ``last_login``, ``auto_now`` fields and a model's
  ``audit_ignore_fields`` are not compared (``last_login`` is covered by the login record);
* many-to-many (e.g. a user's roles ``groups``, a station's ``streets``):
  ``{name: [before_pks, after_pks]}`` plus ``detail`` ``{"added": [...], "removed": [...]}``
  with the objects' names, recorded on the object whose manager was used;
* values: JSON-safe (dates and times ISO, times of day ISO, Decimal and UUID as text, foreign
  keys as the pk, files as their name), text longer than 1000 characters cut;
* personal data (a model's ``personal_fields``) masked: the audit log must not become a leak;
* secrets (``password`` and a model's ``audit_secret_fields``) never stored: "(已设置)" in
  snapshots, ``["(不记录)", "(已修改)"]`` in updates.

``QuerySet.update``, ``bulk_create`` and ``bulk_update`` send no signals: callers log a summary
with ``services.log("import", …)`` (see services.py).
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.auth import signals as auth_signals
from django.db import connections
from django.db.models import signals
from django.dispatch import receiver

from zhijian.core import context

from . import services
from .canonical import format_time

EXTRA_AUDITED = {"auth.group", "auth.permission"}
ALWAYS_IGNORED = {"last_login"}
SECRET_FIELDS = {"password"}

_audited: dict[type, bool] = {}
_field_cache: dict[type, tuple] = {}
_m2m_names: dict[tuple[type, type, bool], str | None] = {}
_SKIP = object()


def is_audited(model) -> bool:
    try:
        return _audited[model]
    except KeyError:
        pass
    meta = model._meta
    result = (
        not meta.auto_created
        and meta.app_label != "audit"
        and not getattr(model, "audit_exclude", False)
        and (
            model.__module__.startswith("zhijian.")
            or meta.concrete_model._meta.label_lower in EXTRA_AUDITED
        )
    )
    _audited[model] = result
    return result


def _fields(model):
    """(snapshot fields, compared fields, personal names, secret names) of a model."""
    try:
        return _field_cache[model]
    except KeyError:
        pass
    concrete = [
        f
        for f in model._meta.concrete_fields
        if not (f.remote_field is not None and getattr(f.remote_field, "parent_link", False))
    ]
    ignored = ALWAYS_IGNORED | set(getattr(model, "audit_ignore_fields", ()))
    compared = [f for f in concrete if f.name not in ignored and not getattr(f, "auto_now", False)]
    personal = set(getattr(model, "personal_fields", ()))
    secret = SECRET_FIELDS | set(getattr(model, "audit_secret_fields", ()))
    _field_cache[model] = result = (concrete, compared, personal, secret)
    return result


def _python(field, value):
    """The value in its Python type, so that "1" and 1 or two time zones compare equal."""
    if value is None:
        return None
    try:
        return field.to_python(value)
    except Exception:  # noqa: BLE001 - an odd value is compared as it is
        return value


def serialise(value):
    """A JSON-safe form of a field value (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return services.cut(value)
    if isinstance(value, float):
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else str(value)
        )
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    if isinstance(value, dict | list):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return f"(二进制数据 {len(bytes(value))} 字节)"
    return services.cut(str(value))


def _shown(name, value, personal, secret, *, snapshot: bool):
    if name in secret:
        if snapshot:
            return services.SECRET_SET if value else ""
        return None  # handled by the caller
    value = serialise(value)
    if name in personal:
        return services.mask(name, value)
    return value


NOT_LOADED = "(未加载)"


def snapshot(instance) -> dict:
    """``{field: value}`` of an instance; fields deferred by ``only()`` are not fetched."""
    concrete, _compared, personal, secret = _fields(type(instance))
    deferred = instance.get_deferred_fields()
    return {
        f.name: NOT_LOADED
        if f.attname in deferred
        else _shown(f.name, f.value_from_object(instance), personal, secret, snapshot=True)
        for f in concrete
    }


def _lock_if_transaction(using: str) -> None:
    """Take the chain lock before the audited row (PostgreSQL; see services.py)."""
    connection = connections[using]
    if connection.in_atomic_block and connection.features.has_select_for_update:
        services.lock_chain(using)


# --- model writes ----------------------------------------------------------------------------


def _pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if not is_audited(sender):
        return
    if instance.pk is None or (instance._state.adding and sender._meta.pk.has_default()):
        # Certainly an insert. (A new instance with an explicit pk may update an existing
        # row, so its old values are read like any update's.)
        instance.__dict__["_audit_before"] = None
        _lock_if_transaction(using)
        return
    _concrete, compared, _personal, _secret = _fields(sender)
    if update_fields is not None:
        wanted = set(update_fields)
        compared = [f for f in compared if f.name in wanted or f.attname in wanted]
    if not compared:
        instance.__dict__["_audit_before"] = _SKIP
        return
    _lock_if_transaction(using)
    before = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*(f.attname for f in compared))
        .first()
    )
    instance.__dict__["_audit_before"] = (compared, before)


def _post_save(sender, instance, created=False, raw=False, using=None, **kwargs):
    if not is_audited(sender):
        return
    state = instance.__dict__.pop("_audit_before", None)
    if created:
        services.log("create", obj=instance, changes=snapshot(instance), using=using)
        return
    if state is _SKIP or state is None:
        return
    compared, before = state
    if before is None:
        services.log("update", obj=instance, changes=snapshot(instance), using=using)
        return
    _concrete, _all, personal, secret = _fields(sender)
    current = {f.attname: f.value_from_object(instance) for f in compared}
    expressions = [name for name, value in current.items() if hasattr(value, "resolve_expression")]
    if expressions:
        # F() expressions were computed by the database: read the values it stored.
        stored = sender._base_manager.using(using).filter(pk=instance.pk).values(*expressions)
        current.update(stored.first() or {})
    changes = {}
    for f in compared:
        old = _python(f, before[f.attname])
        new = _python(f, current[f.attname])
        if old == new:
            continue
        if f.name in secret:
            changes[f.name] = [services.SECRET_HIDDEN, services.SECRET_CHANGED]
        else:
            changes[f.name] = [
                _shown(f.name, old, personal, secret, snapshot=False),
                _shown(f.name, new, personal, secret, snapshot=False),
            ]
    if changes:
        services.log("update", obj=instance, changes=changes, using=using)


def _pre_delete(sender, instance, using=None, **kwargs):
    """Load fields deferred by ``only()`` while the row exists, for the snapshot and text."""
    if not is_audited(sender):
        return
    deferred = instance.get_deferred_fields()
    if deferred and instance.pk is not None:
        instance.refresh_from_db(using=using, fields=list(deferred))


def _post_delete(sender, instance, using=None, **kwargs):
    if not is_audited(sender):
        return
    services.log("delete", obj=instance, changes=snapshot(instance), using=using)


# --- many-to-many ----------------------------------------------------------------------------


def _m2m_name(model, through, reverse: bool) -> str | None:
    key = (model, through, reverse)
    if key not in _m2m_names:
        name = None
        for f in model._meta.get_fields():
            if not f.many_to_many:
                continue
            if not reverse and not f.auto_created and f.remote_field.through is through:
                name = f.name
                break
            if reverse and f.auto_created and f.through is through:
                name = f.get_accessor_name()
                break
        _m2m_names[key] = name
    return _m2m_names[key]


def _related_pks(instance, name: str, using: str) -> set:
    return set(getattr(instance, name).using(using).values_list("pk", flat=True))


def _m2m_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if action not in {
        "pre_add",
        "post_add",
        "pre_remove",
        "post_remove",
        "pre_clear",
        "post_clear",
    }:
        return
    name = _m2m_name(type(instance), sender, reverse)
    if name is None or instance.pk is None:
        return
    stash = instance.__dict__.setdefault("_audit_m2m", {})
    if action.startswith("pre_"):
        _lock_if_transaction(using)
        stash[name] = _related_pks(instance, name, using)
        return
    before = stash.pop(name, None)
    if before is None:
        return
    after = _related_pks(instance, name, using)
    added, removed = after - before, before - after
    if not added and not removed:
        return
    names = {
        obj.pk: str(obj) for obj in model._base_manager.using(using).filter(pk__in=added | removed)
    }
    services.log(
        "update",
        obj=instance,
        changes={name: [_sorted(before), _sorted(after)]},
        detail={
            "added": [names.get(pk, str(pk)) for pk in _sorted(added)],
            "removed": [names.get(pk, str(pk)) for pk in _sorted(removed)],
        },
        using=using,
    )


def _sorted(pks) -> list:
    return sorted((serialise(pk) for pk in pks), key=lambda v: (isinstance(v, str), v))


# --- connecting ------------------------------------------------------------------------------


def connect_model_signals() -> None:
    """Connect the write receivers to every audited model (called from AuditConfig.ready)."""
    for model in apps.get_models():
        if not is_audited(model):
            continue
        uid = f"audit:{model._meta.label_lower}"
        signals.pre_save.connect(_pre_save, sender=model, weak=False, dispatch_uid=uid)
        signals.post_save.connect(_post_save, sender=model, weak=False, dispatch_uid=uid)
        signals.pre_delete.connect(_pre_delete, sender=model, weak=False, dispatch_uid=uid)
        signals.post_delete.connect(_post_delete, sender=model, weak=False, dispatch_uid=uid)
        for f in model._meta.local_many_to_many:
            through = f.remote_field.through
            if isinstance(through, str):
                continue
            signals.m2m_changed.connect(
                _m2m_changed,
                sender=through,
                weak=False,
                dispatch_uid=f"audit:m2m:{through._meta.label_lower}",
            )


# --- logins, logouts, failures, lockouts ------------------------------------------------------


def _request_context(request, user=None, username: str = "") -> context.ActorContext:
    current = context.current()
    ip = ""
    if request is not None:
        from zhijian.core.middleware import client_ip

        ip = client_ip(request)
    elif current is not None:
        ip = current.ip
    if current is not None:
        channel = current.channel
    elif request is not None:
        channel = "api" if getattr(request, "path", "").startswith("/api/") else "web"
    else:
        channel = "system"
    if user is not None:
        return context.context_for_user(user, ip=ip, channel=channel)
    return context.ActorContext(None, username, None, "", ip, channel)


def _user_label() -> str:
    from django.contrib.auth import get_user_model

    return get_user_model()._meta.label_lower


def _account(username: str):
    """The account a username names (for its unit), or None."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    return (
        User._default_manager.filter(**{User.USERNAME_FIELD: username[:150]})
        .select_related("unit")
        .first()
    )


@receiver(auth_signals.user_logged_in, dispatch_uid="audit:login")
def _logged_in(sender, request, user, **kwargs):
    actor = _request_context(request, user)
    services.log("login", obj=user, actor=actor)
    if context.current() is not None:
        # Later writes of the same request are the new user's (the middleware restores the
        # previous context when the request ends).
        context.set_current(actor)


@receiver(auth_signals.user_logged_out, dispatch_uid="audit:logout")
def _logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    actor = _request_context(request, user)
    services.log("logout", obj=user, actor=actor)
    if context.current() is not None:
        context.set_current(context.ActorContext(None, "", None, "", actor.ip, actor.channel))


def _attempt(action: str, username: str, request, *, ip: str = "", detail=None) -> None:
    username = (username or "")[:150]
    account = _account(username)
    ctx = _request_context(request, username=username)
    unit = getattr(account, "unit", None)
    ctx = context.ActorContext(
        None,
        username,
        unit.pk if unit else None,
        unit.code if unit else "",
        ip or ctx.ip,
        ctx.channel,
    )
    if account is not None:
        services.log(action, obj=account, actor=ctx, detail=detail)
    else:
        services.log(
            action,
            object_type=_user_label(),
            object_repr=username,
            actor=ctx,
            detail=detail or {"unknown_user": True},
        )


@receiver(auth_signals.user_login_failed, dispatch_uid="audit:login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials``; only the username is used.
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD
    username = str(credentials.get(field) or credentials.get("username") or "")
    _attempt("login_failed", username, request)


def connect_axes_signals() -> None:
    """Audit django-axes lockouts (5 failures lock the account and the address)."""
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover - axes is a dependency
        return

    def _locked_out(sender=None, request=None, username=None, ip_address=None, **kwargs):
        _attempt(
            "lockout",
            str(username or ""),
            request,
            ip=ip_address or "",
            detail={"ip_address": ip_address or ""},
        )

    user_locked_out.connect(_locked_out, weak=False, dispatch_uid="audit:lockout")
