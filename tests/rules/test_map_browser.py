"""The warning statistics' district map: vendored ECharts and the Shanghai map are served by
the platform itself; in a real browser the city officer sees both districts' numbers on a
desktop, a district officer only their own on a phone; a click (a second tap on a phone)
opens the warning list of that district; no request ever leaves the server."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from tests.conftest import make_unit
from tests.scope_world import _entity
from zhijian.core.models import OrgUnit
from zhijian.rules import engine, services, statistics
from zhijian.rules.definitions import all_rules

VENDOR = Path(__file__).resolve().parents[2] / "zhijian" / "static" / "vendor"
ASSETS = ["vendor/echarts/echarts.min.js", "vendor/maps/shanghai.js", "rules/district_map.js"]
# A point well inside 浦东新区 (惠南, away from the label at the district's centre).
PUDONG = [121.72, 31.05]


@pytest.fixture
def warnings_(org):
    """One warning in 浦东 (张江), one in 松江 (叶榭), both of this year."""
    for unit, tag in ((org["zhangjiang"], "浦东高额"), (org["yexie"], "松江高额")):
        entity = _entity(unit, tag)
        entity.registered_capital = 500000
        entity.save()
    engine.run_rule(all_rules()["very_high_registered_capital"], dt.date.today())


# --------------------------------------------------------------------------- without a browser


def test_vendored_assets_are_served_and_match_the_readme(client):
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for path in ASSETS:
        found = finders.find(path)
        assert found, f"{path} is not a static file"
        response = client.get(static(path))
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(("text/javascript", "application/javascript"))
        body = b"".join(response.streaming_content)
        assert body == Path(found).read_bytes()
        if path.startswith("vendor/"):  # pinned by scripts/vendor-assets.sh
            name = path.removeprefix("vendor/")
            digest = hashlib.sha256(body).hexdigest()
            assert re.search(rf"\| `{re.escape(name)}` \|.*\| `{digest}` \|", readme), name
    assert "Apache-2.0" in readme and "MIT" in readme and "审图号" in readme
    assert (VENDOR / "echarts" / "LICENSE").exists() and (VENDOR / "echarts" / "NOTICE").exists()
    assert (
        b'registerMap("\xe4\xb8\x8a\xe6\xb5\xb7"' in (VENDOR / "maps" / "shanghai.js").read_bytes()
    )


@pytest.mark.django_db
def test_map_names_come_from_the_division_code(org, people):
    historic = make_unit("310108", "闸北区市场监督管理局", OrgUnit.Kind.DISTRICT, org["city"])
    unknown = make_unit("310199", "临港新片区市场监督管理局", OrgUnit.Kind.DISTRICT, org["city"])
    rows = statistics.by_district(services.visible_warnings(people["city"]), people["city"])
    names = {r["code"]: r["map_name"] for r in rows}
    assert names == {
        "310115": "浦东新区",
        "310117": "松江区",
        historic.code: "静安区",  # abolished 2015: its successor is on the map
        unknown.code: "临港新片区",  # not a division: the unit name without the bureau suffix
    }


@pytest.mark.django_db
def test_page_passes_only_the_scoped_districts_to_the_external_script(client, people, warnings_):
    client.force_login(people["pudong"])
    response = client.get(reverse("rules:statistics"))
    page = response.content.decode()
    for path in ASSETS:
        assert f'<script src="{static(path)}" defer></script>' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page) == []  # no inline
    data = json.loads(re.search(r'id="district-map-data"[^>]*>(.*?)</script>', page, re.S)[1])
    year = dt.date.today().year
    assert data == [{
        "code": "310115", "name": "浦东新区市场监督管理局", "map_name": "浦东新区",
        "total": 1, "open": 1,
        "url": f"/warnings/?district=310115&as_of_from={year}-01-01&as_of_to={year}-12-31",
    }]  # fmt: skip
    assert 'data-testid="by-district"' in page  # the table stays, as the accessible fallback


# --------------------------------------------------------------------------- in a browser


def _record_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _open_map(page, base):
    page.goto(f"{base}/warnings/statistics/")
    page.wait_for_selector("[data-testid=district-map] canvas")
    page.wait_for_function(
        "() => { const c = echarts.getInstanceByDom(document.getElementById('district-map'));"
        " return c && c.getOption().series[0].data.length > 0; }"
    )


def _map_values(page) -> dict[str, int]:
    """District -> value on the map (getOption() lists every region; those without data
    have no value)."""
    return page.evaluate(
        "() => Object.fromEntries(echarts.getInstanceByDom(document.getElementById("
        "'district-map')).getOption().series[0].data.filter(d => d.value != null)"
        ".map(d => [d.name, d.value]))"
    )


def _painted_share(page) -> float:
    """Share of the map canvas's pixels that are painted (not transparent)."""
    return page.evaluate(
        """() => {
          const canvas = document.querySelector('[data-testid=district-map] canvas');
          const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
          return painted / (canvas.width * canvas.height);
        }"""
    )


def _point(page, lng_lat) -> tuple[float, float]:
    """Page coordinates of a longitude/latitude on the map."""
    x, y = page.evaluate(
        "(p) => echarts.getInstanceByDom(document.getElementById('district-map'))"
        ".convertToPixel({seriesIndex: 0}, p)",
        lng_lat,
    )
    box = page.locator("[data-testid=district-map]").bounding_box()
    return box["x"] + x, box["y"] + y


def _only_local(urls: list[str], base: str) -> None:
    assert urls, "no request was recorded"
    outside = [u for u in urls if not u.startswith(base + "/")]
    assert outside == [], f"requests left the server: {outside}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_city_officer_sees_every_district_and_clicks_into_one(
    live_server, desktop, people, warnings_
):
    page = desktop
    urls = _record_requests(page)
    sign_in(page, live_server.url, "city")
    page.wait_for_selector("[data-testid=todo-count]")
    _open_map(page, live_server.url)
    assert _map_values(page) == {"浦东新区": 1, "松江区": 1}
    assert _painted_share(page) > 0.2
    box = page.locator("[data-testid=district-map]").bounding_box()
    assert box["width"] > 450 and box["height"] >= 400
    table = page.locator("[data-testid=by-district]")
    assert table.is_visible() and "浦东新区市场监督管理局" in table.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "warning-map-desktop")

    x, y = _point(page, PUDONG)
    page.mouse.move(x, y)
    page.locator("[data-testid=district-map] >> text=点击查看该区预警").wait_for()
    tip = page.inner_text("[data-testid=district-map]")
    assert "浦东新区" in tip and "预警 1" in tip and "待处置 1" in tip
    screenshot(page, "warning-map-tooltip-desktop")
    page.mouse.click(x, y)
    page.wait_for_url("**/warnings/?district=310115*")
    page.wait_for_selector("text=浦东高额有限公司")
    assert "松江高额有限公司" not in page.content()
    _only_local(urls, live_server.url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_officer_sees_only_the_own_district_on_a_phone(
    live_server, phone, people, warnings_
):
    page = phone
    urls = _record_requests(page)
    sign_in(page, live_server.url, "pudong")
    page.wait_for_selector("[data-testid=todo-count]")
    _open_map(page, live_server.url)
    assert _map_values(page) == {"浦东新区": 1}  # 松江区 is drawn, without a value
    assert _painted_share(page) > 0.2
    box = page.locator("[data-testid=district-map]").bounding_box()
    assert 300 <= box["width"] <= 390 and box["height"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "warning-map-phone")
    page.locator("[data-testid=district-map]").scroll_into_view_if_needed()

    x, y = _point(page, PUDONG)
    page.touchscreen.tap(x, y)  # first tap: the tooltip, with the hint to tap again
    page.locator("[data-testid=district-map] >> text=再点一次查看该区预警").wait_for()
    assert page.url.endswith("/warnings/statistics/")
    screenshot(page, "warning-map-tooltip-phone")
    page.touchscreen.tap(x, y)
    page.wait_for_url("**/warnings/?district=310115*")
    page.wait_for_selector("text=浦东高额有限公司")
    _only_local(urls, live_server.url)
