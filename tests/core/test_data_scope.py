"""The data-scope walk: every URL pattern and API route, as a district user and a station user.

Both users hold every permission of the platform (so that no 403 hides a leak) but belong to
one unit. Records exist in every scoped model in the user's own area and in another district.
For every route we request the list, exports and JSON forms, and every parameterised route with
the ids of the other district's records (GET and POST), and assert:
- no identifying string of another district's record appears in any body (HTML, JSON, CSV, XLSX);
- list pages and API lists count only records in scope;
- object routes with another district's ids answer 404/403 (never 200 with the record), and
  POSTs change nothing there.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.scope_world import FACTORIES
from zhijian.core.models import Role
from zhijian.core.scope import scoped_models

SKIP_PREFIXES = ("admin/", "static/")  # Django admin: superusers only (checked separately)


def route_text(pattern) -> str:
    """A route as ``path/<conv:name>/``, also for regex patterns (DRF routers)."""
    text = str(pattern).lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<str:\1>", text)
    return text.replace("\\.", ".")


def iter_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry, prefix + route_text(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + route_text(entry.pattern), entry


def label_of(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


@pytest.fixture
def world(org, make_user):
    """Two records per scoped model in our district (one at our station) and one elsewhere."""
    all_perm_role = Role.objects.create(code="all_permissions", name="测试：全部权限")
    all_perm_role.permissions.set(Permission.objects.all())
    district_user = make_user("walker_district", org["pudong"])
    station_user = make_user("walker_station", org["zhangjiang"])
    for user in (district_user, station_user):
        user.groups.add(all_perm_role)
    missing = [label_of(m) for m in scoped_models() if label_of(m) not in FACTORIES]
    assert not missing, f"scoped models without a factory in tests/scope_world.py: {missing}"
    foreign, foreign_ids, own_station_only, own_ids = [], {}, [], {}
    for label, make in FACTORIES.items():
        obj, _markers = make(org["zhangjiang"], f"OWNSTATION{label.split('.')[1].upper()}")
        own_ids[label] = obj.pk
        obj, markers = make(org["huamu"], f"OWNDISTRICT{label.split('.')[1].upper()}")
        own_station_only.extend(markers)
        obj, markers = make(org["yexie"], f"FOREIGN{label.split('.')[1].upper()}")
        foreign.extend(markers)
        foreign_ids[label] = obj.pk
    # The other district's units are foreign too (by name: their codes are public division
    # codes that the shared division dictionary lists for everybody).
    foreign += ["松江区市场监督管理局", "叶榭市场监督管理所"]
    return {
        "district_user": district_user,
        "station_user": station_user,
        "foreign_markers": foreign,
        "district_markers": own_station_only,  # in 浦东 but not at the 张江 station
        "foreign_ids": foreign_ids,
        "own_ids": own_ids,  # visible to both walkers
    }


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


def concrete_urls(route: str, world) -> list[tuple[str, bool]]:
    """Concrete URLs for a route pattern: (url, uses_foreign_ids)."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return [("/" + route, False)]
    names = {name for _converter, name in params}
    if {"app_label", "model_name"} <= names:
        # A generic object route: try each scoped model with its own records and fields.
        return [url for model in scoped_models() for url in fill(route, params, world, model)]
    return fill(route, params, world, None)


def fill(route, params, world, model) -> list[tuple[str, bool]]:
    values = []
    for converter, name in params:
        converter = converter or "str"
        if model is not None and name == "app_label":
            values.append([model._meta.app_label])
        elif model is not None and name == "model_name":
            values.append([model._meta.model_name])
        elif model is not None and name == "field":
            values.append(sorted(getattr(model, "personal_fields", ())) or ["name"])
        elif model is not None and converter in ("int", "str") and name in ("pk", "id"):
            label = label_of(model)
            values.append([str(world["foreign_ids"][label]), str(world["own_ids"][label])])
        elif converter == "int":
            values.append(sorted(object_ids(world)))
        elif converter in ("str", "slug"):
            values.append(sorted(str_vocabulary(name, world)))
        else:
            pytest.fail(f"the scope walk cannot fill <{converter}:{name}> in {route}; extend it")
    urls = []
    for combo in itertools.product(*values):
        url = route
        for (converter, name), value in zip(params, combo, strict=True):
            url = re.sub(rf"<(?:{converter}:)?{name}>", value, url, count=1)
        urls.append(("/" + url, True))
    return urls


def str_vocabulary(name: str, world) -> set[str]:
    """Values to try for a string URL parameter, narrowed by its name when it is a known one."""
    models = scoped_models()
    by_name = {
        "app_label": {m._meta.app_label for m in models},
        "model_name": {m._meta.model_name for m in models},
        "field": set().union(*(getattr(m, "personal_fields", ()) for m in models)),
    }
    if name in by_name:
        return by_name[name]
    return set().union(*by_name.values()) | object_ids(world)


def object_ids(world) -> set[str]:
    return {str(pk) for pk in (*world["foreign_ids"].values(), *world["own_ids"].values())}


def view_model(url: str):
    match = resolve(url.split("?")[0])
    cls = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    model = getattr(cls, "model", None)
    if model is None and getattr(cls, "queryset", None) is not None:
        model = cls.queryset.model
    return model


def in_scope_count(model, user) -> int:
    """Records in the user's subtree, counted without the mechanism under test."""
    prefix = user.unit.path
    paths = model._default_manager.all().values_list(model.scope_path, flat=True)
    return sum(1 for path in paths if path and path.startswith(prefix))


def listing_problems(response, url, user) -> list[str]:
    """A list page or API list counts only records in scope."""
    model = view_model(url)
    if model is None or not getattr(model, "scope_path", None):
        return []
    in_scope = in_scope_count(model, user)
    problems = []
    ctx = getattr(response, "context", None)
    paginator = ctx.get("paginator") if ctx else None
    if paginator is not None and paginator.count > in_scope:
        problems.append(f"GET {url} counts {ctx['paginator'].count} > {in_scope} in scope")
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(response.content)
        if isinstance(data, dict) and "count" in data and data["count"] > in_scope:
            problems.append(f"GET {url} counts {data['count']} > {in_scope} in scope")
    return problems


def snapshot_foreign(world):
    rows = {}
    for label, pk in world["foreign_ids"].items():
        model = apps.get_model(label)
        rows[label] = model.objects.filter(pk=pk).values().first()
    return rows


def walk(world, who) -> tuple[list[str], set[str]]:
    """Request every route as ``who``; return the problems found and the routes covered."""
    user = world[who]
    client = Client()
    client.force_login(user)
    markers = list(world["foreign_markers"])
    if who == "station_user":
        markers += world["district_markers"]
    before = snapshot_foreign(world)
    problems, answered = [], set()
    for route, pattern in iter_patterns():
        if route.startswith(SKIP_PREFIXES) or pattern.name == "logout":  # logout ends the walk
            continue
        for url, foreign_ids in concrete_urls(route, world):
            variants = [url]
            if not foreign_ids:
                variants += [f"{url}?export=csv", f"{url}?export=xlsx", f"{url}?format=json"]
            for variant in variants:
                for method in ("get", "post"):
                    response = getattr(client, method)(variant)
                    if method == "post":  # a POST may reset the walker's own password
                        type(user).objects.filter(pk=user.pk).update(must_change_password=False)
                        client.force_login(type(user).objects.get(pk=user.pk))
                    if response.status_code >= 500:
                        problems.append(f"{method.upper()} {variant} → {response.status_code}")
                    elif response.status_code == 200:
                        text = body_text(response)
                        leaked = [m for m in markers if m in text]
                        if leaked:
                            problems.append(f"{method.upper()} {variant} leaks {leaked}")
                        if method == "get":
                            problems += listing_problems(response, variant, user)
                            answered.add(route)
    if snapshot_foreign(world) != before:
        problems.append("a POST changed another district's record")
    return problems, answered


@pytest.mark.parametrize("who", ["district_user", "station_user"])
def test_no_route_leaks_another_district(world, who):
    problems, answered = walk(world, who)
    assert not problems, "\n".join(problems)
    # The walk really reached the pages and API lists (a 200 answer, not a redirect).
    assert {"units/", "users/", "audit/", "api/v1/units/", "api/v1/users/"} <= answered
    assert {"api/v1/audit-records/", "api/v1/units/<str:pk>/"} <= answered


def test_the_walk_catches_a_leak(world, monkeypatch):
    """If a route forgot the data scope, the walk would say so (listing, count and export)."""
    from zhijian.core.views import UserListView

    monkeypatch.setattr(UserListView, "base_queryset", lambda self: self.model.objects.all())
    problems, _ = walk(world, "district_user")
    assert any(p.startswith("GET /users/ leaks") for p in problems)
    assert any("/users/?export=csv leaks" in p for p in problems)
    assert any("/users/?export=xlsx leaks" in p for p in problems)
    assert any(p.startswith("GET /users/ counts") for p in problems)


def test_scope_walk_checks_every_scoped_model():
    labels = {label_of(m) for m in scoped_models()}
    assert labels <= set(FACTORIES)
    assert {"core.orgunit", "core.user", "audit.auditrecord"} <= labels


def test_admin_site_is_for_superusers_only(world):
    client = Client()
    user = world["district_user"]
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get("/admin/core/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_visible_to_is_a_prefix_of_the_unit_path(org, make_user):
    from zhijian.core.models import OrgUnit

    district = make_user("d", org["pudong"])
    station = make_user("s", org["zhangjiang"])
    city = make_user("c", org["city"])
    assert set(OrgUnit.objects.visible_to(district).values_list("code", flat=True)) == {
        "310115",
        "310115125",
        "310115016",
    }
    assert set(OrgUnit.objects.visible_to(station).values_list("code", flat=True)) == {"310115125"}
    assert OrgUnit.objects.visible_to(city).count() == OrgUnit.objects.count()
    anonymous = type("Anon", (), {"is_authenticated": False})()
    assert OrgUnit.objects.visible_to(anonymous).count() == 0
