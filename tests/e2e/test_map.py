"""The analyst's map in a real browser (Debian's Chromium), against the real API and PostGIS.

What the map draws is checked through MapLibre's rendered features, not only the DOM.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from geojson_pydantic import Feature, FeatureCollection, Point
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from pyproj import Geod, Proj

from bluewatch.seed import synthetic
from tests.basemap_archive import vector_archive
from tests.conftest import RoleKeys, bearer, serving, settings_for
from tests.e2e.conftest import (
    ADMIN,
    ANALYST,
    ARTIFACTS,
    VIEWER,
    Console,
    screenshot,
    sign_in,
    wait_until_ready,
)
from tests.factories import camp, incident, square

RENDERED = """(layers) => {
  const map = window.bluewatch.map;
  return layers.filter((id) => map.getLayer(id)).flatMap((id) =>
    map.queryRenderedFeatures({ layers: [id] })
      .map((f) => ({ layer: id, id: f.id, ...f.properties })));
}"""
# The incidents the page holds in its GeoJSON source (what it draws, before clustering).
INCIDENTS = "window.bluewatch.map.getSource('incidents').serialize().data.features"
ROUTE_LAYERS = ["routes-active", "routes-planned", "routes-suspended", "routes-closed"]
INCIDENT_LAYERS = ["incidents", "incident-clusters"]
# The map has taken its container's new size (after the sheet or the panel changed it).
MAP_RESIZED = (
    "() => window.bluewatch.map.getCanvas().width === Math.round("
    "window.bluewatch.map.getContainer().clientWidth * window.devicePixelRatio)"
)


def rendered(page: Page, *layers: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(RENDERED, list(layers))
    return found


def incidents_loaded(page: Page) -> list[dict[str, Any]]:
    """The properties of the incidents in the page's GeoJSON source."""
    found: list[dict[str, Any]] = page.evaluate(f"() => {INCIDENTS}.map((f) => f.properties)")
    return found


def camp_inside(db: psycopg.Connection[tuple[object, ...]]) -> tuple[str, float, float]:
    row = db.execute(
        "SELECT name, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM camp "
        "WHERE classification = 'unclassified' ORDER BY id LIMIT 1"
    ).fetchone()
    assert row is not None
    return str(row[0]), float(str(row[1])), float(str(row[2]))


def raise_critical(
    live_server: str, role_keys: RoleKeys, db: psycopg.Connection[tuple[object, ...]], title: str
) -> int:
    """Post an incident inside a camp through the API; returns the critical alert's id."""
    _, lon, lat = camp_inside(db)
    feature = incident(lon, lat, title=title, severity=5, occurred_at=datetime.now(UTC).isoformat())
    response = httpx.post(
        f"{live_server}/api/v1/incidents", json=feature, headers=bearer(role_keys.analyst)
    )
    assert response.status_code == 201, response.text
    critical = [a for a in response.json()["alerts"] if a["properties"]["level"] == "critical"]
    assert len(critical) == 1
    return int(critical[0]["id"])


TOOLBAR_ITEMS = """() => [...document.querySelectorAll('.toolbar > *')]
  .filter((e) => e.offsetParent).map((e) => {
    const box = e.getBoundingClientRect();
    return { name: e.id || e.className, middle: box.top + box.height / 2, width: box.width };
  })"""


def toolbar_in_one_row(page: Page) -> list[dict[str, Any]]:
    """The toolbar's items when they stand in one row (middles within 8 px), else []."""
    items: list[dict[str, Any]] = page.evaluate(TOOLBAR_ITEMS)
    middles = [item["middle"] for item in items]
    assert items, "no toolbar found"
    return items if max(middles) - min(middles) < 8 else []


def use_tool(page: Page, tool: str) -> None:
    """Choose an item of the Add menu."""
    page.click("#add-button")
    page.click(tool)


def draw_and_save(
    page: Page,
    tool: str,
    vertices: list[tuple[int, int]],
    noun: str,
    name: str,
    choice: tuple[str, str],
    *,
    enter: bool = False,
) -> None:
    """Draw with ``tool`` by clicking the map, finish (button or Enter), name it, save."""
    use_tool(page, tool)
    for x, y in vertices:
        page.locator("#map").click(position={"x": x, "y": y})
    if enter:
        page.keyboard.press("Enter")
    else:
        page.click("#draw-finish")
    page.fill(f"#{noun}-form-name", name)
    page.select_option(f"#{noun}-form-{choice[0]}", choice[1])
    page.click(f"#{noun}-form button[type=submit]")
    expect(page.locator(f"#{noun}-form")).to_have_count(0)


def test_analyst_sees_the_scenario_on_the_map(page: Page) -> None:
    sign_in(page, ANALYST)
    assert rendered(page, "camps-fill"), "no camp perimeter drawn"
    assert rendered(page, *ROUTE_LAYERS), "no route drawn"
    assert rendered(page, *INCIDENT_LAYERS), "no incident drawn"
    rings = rendered(page, "zone-rings")
    assert {ring["distance_m"] for ring in rings} == {2000, 5000, 10000}
    assert rendered(page, "places"), "no town labelled"
    assert rendered(page, "alerts", "alerts-lesser")
    # The scenario holds strictly confidential records, and the analyst may see them.
    expect(page.locator("#banner-top")).to_have_text("UN STRICTLY CONFIDENTIAL")
    expect(page.locator("#banner-bottom")).to_have_text("UN STRICTLY CONFIDENTIAL")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    screenshot(page, "main-view")


def test_new_alert_appears_live_is_acknowledged_and_stays_so(
    page: Page, live_server: str, role_keys: RoleKeys, scenario_db: Any
) -> None:
    sign_in(page, ANALYST)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    alert_id = raise_critical(live_server, role_keys, scenario_db, "Mortar rounds inside the camp")
    item = page.locator(f"li.alert-critical[data-alert-id='{alert_id}']")
    expect(item).to_be_visible()  # how fast is measured by bench W8, not asserted here
    expect(page.locator("#critical-flash")).to_contain_text("Critical alert")
    screenshot(page, "alert-panel", "#panel")

    item.locator("button.ack").click()
    item.locator("input[aria-label='Acknowledge note']").fill("QRF informed")
    item.locator("button.ack-confirm").click()
    expect(item).to_have_attribute("data-status", "acknowledged")
    row = scenario_db.execute(
        "SELECT status, acknowledged_by, acknowledge_note FROM alert WHERE id = %s", (alert_id,)
    ).fetchone()
    assert row == ("acknowledged", ANALYST.username, "QRF informed")
    # Issue 18, defect 11: who acknowledged, and their note, are on the row.
    expect(item.locator(".accountability")).to_contain_text(f"Acknowledged by {ANALYST.username}")
    expect(item.locator(".accountability q")).to_have_text("QRF informed")

    page.reload()
    wait_until_ready(page)
    reloaded = page.locator(f"li[data-alert-id='{alert_id}']")
    expect(reloaded).to_have_attribute("data-status", "acknowledged")
    expect(reloaded.locator("button.ack")).to_have_count(0)


def test_an_alert_missed_while_the_stream_was_cut_arrives_exactly_once(
    page: Page, live_server: str, role_keys: RoleKeys, scenario_db: Any
) -> None:
    sign_in(page, ANALYST)
    connection = page.locator("#connection")
    expect(connection).to_have_attribute("data-state", "live")
    resumed: list[str] = []
    page.on(
        "request",
        lambda request: resumed.append(request.url) if "last_event_id=" in request.url else None,
    )

    page.context.set_offline(True)
    expect(connection).to_have_attribute("data-state", "offline")
    alert_id = raise_critical(live_server, role_keys, scenario_db, "Shots fired at the gate")
    # The alert exists now, and the page (offline, as checked above) has not heard of it.
    assert page.locator(f"li[data-alert-id='{alert_id}']").count() == 0

    page.context.set_offline(False)
    expect(connection).to_have_attribute("data-state", "live", timeout=10_000)
    item = page.locator(f"li[data-alert-id='{alert_id}']")
    expect(item).to_have_count(1, timeout=5000)
    assert resumed, "the stream did not resume with Last-Event-ID"
    event_id = scenario_db.execute(
        "SELECT id FROM event WHERE type = 'alert.created' AND alert_id = %s", (alert_id,)
    ).fetchone()[0]
    # A later alert arrives after any duplicate could have: the stream is in order.
    later = raise_critical(live_server, role_keys, scenario_db, "Second burst at the gate")
    expect(page.locator(f"li[data-alert-id='{later}']")).to_have_count(1)
    delivered: list[int] = page.evaluate("() => window.bluewatch.delivered")
    assert delivered.count(int(event_id)) == 1
    expect(item).to_have_count(1)


def test_a_viewer_cannot_act_and_sees_nothing_above_their_clearance(page: Page) -> None:
    sign_in(page, VIEWER)
    expect(page.locator("li.alert").first).to_be_visible()
    expect(page.locator("button.ack")).to_have_count(0)
    expect(page.locator("button.resolve")).to_have_count(0)
    expect(page.locator("#add-button")).to_have_count(0)
    expect(page.locator("#add-incident")).to_have_count(0)
    expect(page.locator("#export-geojson")).to_have_count(0)  # a briefing only (below)
    shown = rendered(page, *INCIDENT_LAYERS, "camps-fill", *ROUTE_LAYERS, "alerts", "alerts-lesser")
    assert shown
    # Clusters carry the highest rank of their members; single features their marking.
    assert all(feature["cls_rank"] == 0 for feature in shown)
    loaded = {incident["classification"] for incident in incidents_loaded(page)}
    assert loaded == {"unclassified"}
    expect(page.locator("#banner-top")).to_have_text("UNCLASSIFIED")


def test_export_downloads_the_view_as_valid_geojson(page: Page) -> None:
    sign_in(page, ANALYST)
    page.click("#export-button")
    with page.expect_download() as download:
        page.click("#export-geojson")
    path = download.value.path()
    document = json.loads(path.read_text())
    collection = FeatureCollection[Feature[Point, dict[str, Any]]].model_validate(document)
    assert collection.features
    west, south, east, north = (
        float(v)
        for v in page.evaluate("() => window.bluewatch.exportFilters().get('bbox')").split(",")
    )
    for feature in collection.features:
        assert feature.geometry is not None
        lon, lat = feature.geometry.coordinates[:2]
        assert west <= lon <= east and south <= lat <= north


def test_an_analyst_adds_an_incident_and_sees_server_errors_beside_the_field(
    page: Page, scenario_db: Any, console: Console
) -> None:
    sign_in(page, ANALYST)
    console.allowed.append("422")  # the refused save, on purpose
    use_tool(page, "#add-incident")
    page.locator("#map").click(position={"x": 400, "y": 300})
    form = page.locator("#incident-form")
    expect(form).to_be_visible()
    page.fill("#incident-form-title", "x" * 201)  # the server allows 200 characters
    page.select_option("#incident-form-category", "ied")
    page.click("#incident-form button[type=submit]")
    expect(page.locator("#incident-form-title-error")).to_contain_text("200")
    expect(page.locator("#incident-form-title")).to_have_attribute("aria-invalid", "true")
    count = "SELECT count(*) FROM incident WHERE category = 'ied' AND title LIKE 'IED found%%'"
    assert scenario_db.execute(count).fetchone() == (0,)

    page.fill("#incident-form-title", "IED found on the verge")
    page.click("#incident-form button[type=submit]")
    expect(form).to_have_count(0)
    assert scenario_db.execute(count).fetchone() == (1,)


def test_an_analyst_draws_a_route(page: Page, scenario_db: Any) -> None:
    sign_in(page, ANALYST)
    vertices = [(300, 250), (420, 320), (520, 300)]
    draw_and_save(page, "#add-route", vertices, "route", "MSR Tango", ("status", "active"))
    row = scenario_db.execute(
        "SELECT status, ST_NPoints(geom) FROM route WHERE name = 'MSR Tango'"
    ).fetchone()
    assert row == ("active", 3)


def test_session_expiry_returns_to_sign_in_and_keeps_the_view(
    page: Page, scenario_db: Any, console: Console
) -> None:
    sign_in(page, ANALYST, "/?at=29.20000,-1.65000,10.00&window=24h&severity_min=3")
    view = page.url
    page.click("#filters-button")
    page.select_option("#severity-min", "4")
    expect(page).to_have_url(re.compile(r"severity_min=4"))
    scenario_db.execute("UPDATE user_session SET expires_at = now() - interval '1 second'")
    console.allowed.append("401")  # the request that found the session gone
    # No action is needed: the open alert stream re-checks its credential and the page
    # learns that the session has ended.
    expect(page.locator("#signin")).to_be_visible(timeout=15_000)
    expect(page.locator("#signin-note")).to_contain_text("session has ended")
    page.fill("#signin-username", ANALYST.username)
    page.fill("#signin-password", "correct horse battery staple")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin")).to_be_hidden()
    assert page.url == view.replace("severity_min=3", "severity_min=4")
    centre = page.evaluate("() => window.bluewatch.map.getCenter().toArray()")
    assert abs(centre[0] - 29.2) < 1e-3 and abs(centre[1] + 1.65) < 1e-3
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def test_clicking_an_alert_flies_to_it_and_resolving_takes_a_note(
    page: Page, scenario_db: Any
) -> None:
    sign_in(page, ANALYST)
    page.select_option("#alert-level", "critical")
    items = page.locator("li.alert")
    expect(items.first).to_be_visible()
    assert page.locator("li.alert:not(.alert-critical)").count() == 0
    first = items.first
    alert_id = int(first.get_attribute("data-alert-id") or 0)
    row = scenario_db.execute(
        "SELECT ST_X(geom), ST_Y(geom), incident_id FROM alert WHERE id = %s", (alert_id,)
    ).fetchone()
    lon, lat, incident_id = float(row[0]), float(row[1]), row[2]

    first.locator("button.alert-open").click()
    page.wait_for_function(
        "([lon, lat]) => { const c = window.bluewatch.map.getCenter();"
        " return !window.bluewatch.map.isMoving() && Math.abs(c.lng - lon) < 1e-3"
        " && Math.abs(c.lat - lat) < 1e-3; }",
        arg=[lon, lat],
    )
    title = scenario_db.execute(
        "SELECT title FROM incident WHERE id = %s", (incident_id,)
    ).fetchone()[0]
    expect(page.locator("#sheet h2")).to_have_text(title)
    expect(page.locator("#sheet .incident-alerts li").first).to_be_visible()
    assert "alert_level=critical" in page.url

    first.locator("button.resolve").click()
    first.locator("input[aria-label='Resolve note']").fill("Patrol confirmed: no threat")
    first.locator("button.resolve-confirm").click()
    expect(page.locator(f"li[data-alert-id='{alert_id}']")).to_have_count(0)  # filter hides it
    stored = scenario_db.execute(
        "SELECT status, resolve_note FROM alert WHERE id = %s", (alert_id,)
    ).fetchone()
    assert stored == ("resolved", "Patrol confirmed: no threat")


def test_time_window_playback_filters_and_layers_shape_the_view_and_the_url(page: Page) -> None:
    sign_in(page, ANALYST)
    week = len(incidents_loaded(page))
    page.select_option("#window", "6h")
    expect(page).to_have_url(re.compile(r"window=6h"))
    page.wait_for_function(f"() => {INCIDENTS}.length < {week}")
    recent = incidents_loaded(page)
    assert recent and len(recent) < week

    page.locator("#playback").fill("0")
    page.wait_for_function(f"() => {INCIDENTS}.length === 0")
    expect(page.locator("#playback-time")).not_to_have_text("now")
    page.locator("#playback").fill("100")
    page.wait_for_function(f"() => {INCIDENTS}.length === {len(recent)}")

    page.click("#filters-button")
    page.select_option("#severity-min", "4")
    expect(page).to_have_url(re.compile(r"severity_min=4"))
    page.wait_for_function(
        f"() => {INCIDENTS}.length > 0 && {INCIDENTS}.every((f) => f.properties.severity >= 4)"
    )
    page.click("#filters-button")

    page.click("#layers-button")
    page.uncheck("#layer-camps")
    expect(page).to_have_url(re.compile(r"hide=camps"))
    page.wait_for_function(
        "() => window.bluewatch.map.queryRenderedFeatures({ layers: ['camps-fill'] }).length === 0"
    )

    shared = page.url
    page.goto(shared)
    wait_until_ready(page)
    expect(page.locator("#window")).to_have_value("6h")
    expect(page.locator("#layer-camps")).not_to_be_checked()
    severe = incidents_loaded(page)
    assert severe, "the shared view holds incidents"
    assert all(f["severity"] >= 4 for f in severe)


def test_an_admin_draws_a_camp_and_its_alert_rings_appear(page: Page, scenario_db: Any) -> None:
    sign_in(page, ADMIN, "/?at=29.60000,-1.20000,11.00")
    vertices = [(400, 250), (560, 250), (560, 400), (400, 400)]
    draw_and_save(
        page, "#add-camp", vertices, "camp", "TOB Kibumba", ("kind", "team_site"), enter=True
    )
    row = scenario_db.execute(
        "SELECT id, ST_NPoints(geom), kind FROM camp WHERE name = 'TOB Kibumba'"
    ).fetchone()
    assert row is not None and row[1:] == (5, "team_site")
    page.wait_for_function(
        "(id) => window.bluewatch.map.getSource('zones').serialize().data.features"
        ".filter((f) => f.properties.target_id === id).length === 3",
        arg=row[0],
    )


def test_an_analyst_moves_a_route_vertex(page: Page, scenario_db: Any) -> None:
    route_id, lon, lat = scenario_db.execute(
        "SELECT id, ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM route "
        "WHERE classification = 'unclassified' ORDER BY id LIMIT 1"
    ).fetchone()
    sign_in(page, ANALYST, f"/?at={lon:.5f},{lat:.5f},12.00")
    page.evaluate(f"() => window.bluewatch.openRecord('routes', {route_id})")
    page.click("#edit-record")
    expect(page.locator("#route-form")).to_be_visible()
    page.wait_for_function(MAP_RESIZED)  # the sheet narrowed the map
    start = page.evaluate(
        "([lon, lat]) => window.bluewatch.map.project([lon, lat])", [float(lon), float(lat)]
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    # The vertex handle is drawn under the pointer before the drag starts.
    page.wait_for_function(
        "(p) => window.bluewatch.map.queryRenderedFeatures([p.x, p.y],"
        " { layers: ['draft-vertices'] }).length > 0",
        arg=start,
    )
    page.mouse.move(box["x"] + start["x"], box["y"] + start["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + start["x"] + 60, box["y"] + start["y"] + 40, steps=8)
    page.mouse.up()
    page.click("#route-form button[type=submit]")
    expect(page.locator("#route-form")).to_have_count(0)
    moved = scenario_db.execute(
        "SELECT ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM route WHERE id = %s",
        (route_id,),
    ).fetchone()
    assert float(moved[0]) > float(lon) and float(moved[1]) < float(lat)


def test_controls_have_names_and_the_map_fits_an_ops_room_screen(page: Page) -> None:
    sign_in(page, ANALYST)
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, a[href]')]
          .filter((el) => el.offsetParent !== null)
          .filter((el) => !(el.getAttribute('aria-label') || (el.labels && el.labels.length)
                             || el.textContent.trim() || el.getAttribute('title')))
          .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
    assert focused in {"BUTTON", "SELECT", "INPUT", "A"}
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("() => document.querySelector('#map').clientWidth > 1366")
    panel = page.locator("#panel").bounding_box()
    assert panel is not None and panel["x"] + panel["width"] <= 1920
    screenshot(page, "ops-room-1920")


def test_a_large_window_is_drawn_from_vector_tiles(
    page: Page, scenario_db: Any, database_url: str
) -> None:
    synthetic.load(database_url, 6000, seed=7)  # a year of incidents: over the 5,000 limit
    now = datetime.now(UTC)
    year = f"{(now - timedelta(days=366)).isoformat()}/{now.isoformat()}".replace("+00:00", "Z")
    sign_in(page, ANALYST, f"/?window={year}")
    page.wait_for_function(
        "() => window.bluewatch.map.queryRenderedFeatures({ layers: ['incident-tiles-cells'] })"
        ".length > 0"
    )
    cells = rendered(page, "incident-tiles-cells")
    assert sum(int(cell["count"]) for cell in cells) > 1000
    assert {cell["classification"] for cell in cells} <= {
        "unclassified", "confidential", "strictly_confidential"
    }  # fmt: skip
    assert incidents_loaded(page) == []
    expect(page.locator("#banner-top")).to_have_text("UN STRICTLY CONFIDENTIAL")


PULSE_OFFSETS = """() => {
  const map = window.bluewatch.map;
  const box = map.getContainer().getBoundingClientRect();
  const alerts = map.getSource('alerts').serialize().data.features;
  return [...document.querySelectorAll('.pulse')].map((el) => {
    const alert = alerts.find((a) => String(a.id) === el.dataset.alertId);
    const at = map.project(alert.geometry.coordinates);
    const r = el.getBoundingClientRect();
    return { id: el.dataset.alertId, dx: r.left + r.width / 2 - box.left - at.x,
             dy: r.top + r.height / 2 - box.top - at.y };
  });
}"""


def test_critical_pulses_sit_on_their_alerts_at_every_screen_size(
    page: Page, live_server: str, role_keys: RoleKeys, scenario_db: Any
) -> None:
    """Issue 18, defect 1: the pulse animation replaced MapLibre's positioning transform,
    so every pulse sat in the map's top-left corner."""
    sign_in(page, ANALYST)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    alert_id = raise_critical(live_server, role_keys, scenario_db, "Shelling at the gate")
    pulse = page.locator(f".pulse[data-alert-id='{alert_id}']")
    expect(pulse).to_have_count(1)
    page.locator(f"li[data-alert-id='{alert_id}']").click()  # flies there
    page.wait_for_function("() => !window.bluewatch.map.isMoving()")
    for width, height in ((1920, 1080), (1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(
            "(w) => window.bluewatch.map.getCanvas().clientWidth <= w"
            " && !window.bluewatch.map.isMoving()", arg=width,
        )  # fmt: skip
        offsets = page.evaluate(PULSE_OFFSETS)
        assert offsets and any(o["id"] == str(alert_id) for o in offsets)
        for offset in offsets:  # mid-animation the ring grows about its centre only
            assert abs(offset["dx"]) <= 2 and abs(offset["dy"]) <= 2, (width, offset)
        screenshot(page, f"critical-pulse-{width}x{height}")
    # Symbols are placed after the map stops moving (collision and fade run on a timer):
    # wait, bounded by the default timeout, until the alert's symbol is placed.
    page.wait_for_function(
        "(id) => window.bluewatch.map.queryRenderedFeatures({ layers: ['alerts'] })"
        ".some((f) => f.id === id)", arg=alert_id,
    )  # fmt: skip
    symbols = page.evaluate(CRITICAL_SYMBOLS)
    assert symbols["critical"] == {"type": "symbol", "icon": "alert-critical"}
    assert alert_id in symbols["drawn"]
    # No incident marker (nor any other layer) is drawn with the critical symbol.
    assert symbols["others"] and "alert-critical" not in symbols["others"]


CRITICAL_SYMBOLS = """() => {
  const map = window.bluewatch.map;
  const layer = map.getLayer('alerts');
  const others = map.getStyle().layers.filter((l) => l.id !== 'alerts' && l.type === 'symbol')
    .map((l) => JSON.stringify(l.layout?.['icon-image'] ?? null));
  return {
    critical: { type: layer.type, icon: map.getLayoutProperty('alerts', 'icon-image') },
    drawn: map.queryRenderedFeatures({ layers: ['alerts'] }).map((f) => f.id),
    others,
  };
}"""


PANEL_ROWS = """() => [...document.querySelectorAll('#alert-list li.alert')].map((li) => {
  const r = li.getBoundingClientRect();
  return { level: li.className.match(/alert-(critical|warning|watch)/)[1], top: r.top,
           height: r.height, occurred: li.querySelector('time.occurred')?.getAttribute('datetime'),
           occurredText: li.querySelector('time.occurred')?.textContent,
           raised: li.querySelector('time.raised')?.textContent };
})"""
LEVEL = {"critical": 2, "warning": 1, "watch": 0}


def test_the_panel_puts_critical_first_in_compact_rows_with_both_times(page: Page) -> None:
    """Issue 18, defects 2 and 3: newest first only (11 warnings before the first
    critical), ~130 px rows, only the raising time, and times without their zone."""
    sign_in(page, ANALYST)
    rows = page.evaluate(PANEL_ROWS)
    levels = [LEVEL[r["level"]] for r in rows]
    assert 2 in levels and 1 in levels  # the scenario has both: the order can be seen
    assert levels == sorted(levels, reverse=True)
    list_box = page.locator("#alert-list").bounding_box()
    assert list_box is not None
    visible = [r for r in rows if r["top"] + r["height"] <= list_box["y"] + list_box["height"]]
    assert len(visible) >= 7, [r["height"] for r in rows[:8]]  # at 1366x768
    for row in rows:
        assert row["occurred"] and row["raised"].startswith("raised ")
        assert re.fullmatch(r"Occ (\d\d? [A-Z][a-z]{2} )?\d\d:\d\dZ", row["occurredText"])

    page.select_option("#alert-order", "occurred")
    expect(page).to_have_url(re.compile(r"alert_order=occurred"))
    occurred = [r["occurred"] for r in page.evaluate(PANEL_ROWS)]
    assert occurred == sorted(occurred, reverse=True)
    assert len(set(occurred)) > 1
    screenshot(page, "alert-panel-compact", "#panel")

    page.click("#user-button")
    page.select_option("#time-convention", "local")
    first = page.locator("#alert-list li.alert time.occurred").first
    expect(first).to_have_text(
        re.compile(r"^Occ (\d\d? [A-Z][a-z]{2} )?\d\d:\d\d UTC[+-]\d\d:\d\d$")
    )
    page.reload()
    wait_until_ready(page)  # the choice is remembered
    expect(first).to_have_text(re.compile(r"UTC[+-]\d\d:\d\d$"))


def test_a_custom_window_is_typed_in_zulu_and_a_malformed_one_is_refused(page: Page) -> None:
    """Issue 18, defect 3: the custom window took browser-local time in US format."""
    sign_in(page, ANALYST)
    page.select_option("#window", "custom")
    expect(page.locator("#window-zone")).to_have_text("Z")
    before = page.url
    page.fill("#window-from", "11/20/2026, 09:00 AM")
    page.click("#window-apply")
    expect(page.locator("#window-error")).to_contain_text("YYYY-MM-DD HH:MM (Z)")
    expect(page.locator("#window-from")).to_have_attribute("aria-invalid", "")
    assert page.url == before
    start = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d 06:00")
    end = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d 18:30")
    page.fill("#window-from", start)
    page.fill("#window-to", end)
    page.click("#window-apply")
    iso = "{}T{}:00.000Z"
    wanted = f"window={iso.format(*start.split())}/{iso.format(*end.split())}"
    expect(page).to_have_url(re.compile(re.escape(wanted)))
    expect(page.locator("#custom-range")).to_be_hidden()


MAP_ALERTS = "window.bluewatch.map.getSource('alerts').serialize().data.features"


def test_alerts_on_the_map_follow_the_window_playback_and_panel_filters(
    page: Page, scenario_db: Any
) -> None:
    """Issue 18, defect 9: the alert layer ignored the window, playback and the panel's
    filters; active filters left no mark; an empty map said nothing."""
    sign_in(page, ANALYST)
    week = page.evaluate(f"() => {MAP_ALERTS}.map((f) => f.properties.occurred_at)")
    cutoff = datetime.now(UTC) - timedelta(hours=6)
    recent = [t for t in week if datetime.fromisoformat(t) >= cutoff]
    assert 0 < len(recent) < len(week)  # the scenario spreads alerts over the week
    expect(page.locator("#view-summary")).to_have_text("last 7 d")
    page.select_option("#window", "6h")
    page.wait_for_function(f"() => {MAP_ALERTS}.length === {len(recent)}")
    expect(page.locator("#view-summary")).to_have_text("last 6 h")

    page.locator("#playback").fill("0")  # the window's start: nothing had happened yet
    page.wait_for_function(f"() => {MAP_ALERTS}.length === 0")
    expect(page.locator("#view-summary")).to_contain_text("played back to")
    page.locator("#playback").fill("100")
    page.wait_for_function(f"() => {MAP_ALERTS}.length === {len(recent)}")

    page.select_option("#alert-level", "critical")
    page.wait_for_function(
        f"() => {MAP_ALERTS}.length > 0"
        f" && {MAP_ALERTS}.every((f) => f.properties.level === 'critical')"
    )
    expect(page.locator("#view-summary")).to_contain_text("alerts critical")
    page.click("#filters-button")
    page.select_option("#severity-min", "4")
    expect(page.locator("#filters-button")).to_have_text("Filters (2)")
    expect(page.locator("#view-summary")).to_contain_text("severity ≥ 4")
    page.click("#filters-button")  # closes the popover
    expect(page.locator("#filters")).to_be_hidden()
    screenshot(page, "filters-marked")
    page.click("#clear-filters")
    wait_until_ready(page)
    expect(page.locator("#filters-button")).to_have_text("Filters")
    expect(page.locator("#clear-filters")).to_have_count(0)
    assert "severity_min" not in page.url and "alert_level" not in page.url
    assert "window=6h" in page.url  # the window is not a filter: it stays

    page.goto("/?window=2020-01-01T00:00:00.000Z/2020-01-02T00:00:00.000Z")
    wait_until_ready(page)
    expect(page.locator("#empty-map")).to_be_visible()
    expect(page.locator("#empty-map")).to_have_text(
        "No incidents in the window 2020-01-01 00:00Z – 2020-01-02 00:00Z."
    )
    page.goto("/")
    wait_until_ready(page)
    expect(page.locator("#empty-map")).to_be_hidden()


def test_lake_kivu_is_drawn_and_a_local_pmtiles_archive_adds_street_detail(
    page: Page, browser: Browser, database_url: str, tmp_path: Path
) -> None:
    """Issue 18, defect 8: Lake Kivu was missing beside Goma at zoom 11, and there was no
    way to show street-level detail offline."""
    sign_in(page, ANALYST, "/?at=29.15000,-1.75000,11.00")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('lakes').length > 0")
    lake = page.evaluate(LAKE_AT, [29.15, -1.85])  # a point in Lake Kivu, south of Goma
    assert lake, "no Natural Earth lake drawn under a point of Lake Kivu"
    screenshot(page, "lake-kivu-z11")

    archive = vector_archive(tmp_path / "mission.pmtiles", 29.2228, -1.6792, "Avenue du Lac")
    with serving(settings_for(database_url, basemap_pmtiles=archive)) as detailed:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=detailed)
        try:
            other = context.new_page()
            errors: list[str] = []
            other.on("pageerror", lambda error: errors.append(str(error)))
            sign_in(other, ANALYST, "/?at=29.22280,-1.67920,12.50")
            other.wait_for_function(
                "() => window.bluewatch.map.queryRenderedFeatures({ layers: ['archive-roads'] })"
                ".some((f) => f.properties.name === 'Avenue du Lac')",
                timeout=20_000,
            )
            water = other.evaluate(
                "() => window.bluewatch.map.queryRenderedFeatures({ layers: ['archive-water'] })"
                ".length"
            )
            assert water > 0
            screenshot(other, "pmtiles-archive-z12")
            assert errors == []
        finally:
            context.close()


LAKE_AT = """([lon, lat]) => {
  const map = window.bluewatch.map;
  map.jumpTo({ center: [lon, lat], zoom: 11 });
  return map.queryRenderedFeatures(map.project([lon, lat]), { layers: ['lakes'] }).length > 0;
}"""


def test_incidents_and_camps_changed_elsewhere_appear_and_leave_live(
    page: Page, live_server: str, role_keys: RoleKeys, scenario_db: Any
) -> None:
    """Issue 18, defect 5: an incident posted far from any camp was still missing 8 s
    later (the map only changed when an alert was raised)."""
    sign_in(page, ANALYST)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    analyst = bearer(role_keys.analyst)
    far = incident(27.5, -3.9, title="Lone report", occurred_at=datetime.now(UTC).isoformat())
    posted = httpx.post(f"{live_server}/api/v1/incidents", json=far, headers=analyst)
    assert posted.status_code == 201 and posted.json()["alerts"] == []  # no alert to carry it
    incident_id = posted.json()["id"]
    page.wait_for_function(f"(id) => {INCIDENTS}.some((f) => f.id === id)", arg=incident_id)

    admin = bearer(role_keys.admin)
    assert (
        httpx.delete(f"{live_server}/api/v1/incidents/{incident_id}", headers=admin).status_code
        == 204
    )
    page.wait_for_function(f"(id) => !{INCIDENTS}.some((f) => f.id === id)", arg=incident_id)

    new_camp = camp(square(27.5, -3.9), name="TOB Uvira", classification="unclassified")
    made = httpx.post(f"{live_server}/api/v1/camps", json=new_camp, headers=admin)
    assert made.status_code == 201, made.text
    page.wait_for_function(
        "(id) => window.bluewatch.map.getSource('camps').serialize().data.features"
        ".some((f) => f.id === id)",
        arg=made.json()["id"],
    )


def test_adding_an_incident_guides_with_a_bar_a_pin_and_typed_coordinates(
    page: Page, scenario_db: Any
) -> None:
    """Issue 18, defect 7: nothing visible after "Add incident", no pin, no typed
    coordinates, and a raw "String should have at least 1 character"."""
    sign_in(page, ANALYST)
    use_tool(page, "#add-incident")
    expect(page.locator("#pick-bar")).to_be_visible()
    expect(page.locator("#pick-bar")).to_contain_text("Click the map where the incident happened")
    page.click("#pick-type")
    expect(page.locator("#pick-bar")).to_be_hidden()
    expect(page.locator("[data-pin='incident']")).to_have_count(1)
    page.fill("#incident-form-latitude", "-1.5")
    page.fill("#incident-form-longitude", "29.1")
    pin = page.evaluate(PIN_AT)
    assert pin == [29.1, -1.5]  # the pin followed the typed coordinates
    page.fill("#incident-form-latitude", "-95")
    page.click("#incident-form button[type=submit]")  # no title, latitude out of range
    expect(page.locator("#incident-form-title-error")).to_have_text("Title is required.")
    expect(page.locator("#incident-form-latitude-error")).to_contain_text("from -90 to 90")
    assert scenario_db.execute(
        "SELECT count(*) FROM incident WHERE title = 'Typed'"
    ).fetchone() == (0,)
    page.fill("#incident-form-title", "Typed")
    page.fill("#incident-form-latitude", "-1.5")
    page.click("#incident-form button[type=submit]")
    expect(page.locator("#incident-form")).to_have_count(0)
    expect(page.locator("[data-pin='incident']")).to_have_count(0)
    row = scenario_db.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE title = 'Typed'"
    ).fetchone()
    assert row is not None and (float(row[0]), float(row[1])) == (29.1, -1.5)


PIN_AT = """() => document.querySelector("[data-pin='incident']").dataset.lnglat
  .split(",").map(Number)"""


def test_an_analyst_verifies_moves_and_an_admin_deletes_an_incident(
    page: Page, browser: Browser, live_server: str, scenario_db: Any
) -> None:
    """Issue 18, defect 6: incidents could not be edited, verified, dismissed or deleted
    in the map, and the sheet showed no coordinates."""
    incident_id, lon, lat = scenario_db.execute(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM incident WHERE status = 'reported'"
        " AND classification = 'unclassified' ORDER BY id LIMIT 1"
    ).fetchone()
    sign_in(page, ANALYST, f"/?at={lon:.5f},{lat:.5f},13.00")
    page.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
    expect(page.locator("#sheet dl")).to_contain_text(f"{float(lat):.5f}, {float(lon):.5f}")
    expect(page.locator("#delete-incident")).to_have_count(0)  # analysts do not delete
    page.click("#verify-incident")
    expect(page.locator("#verify-incident")).to_have_count(0)
    status = "SELECT status FROM incident WHERE id = %s"
    assert scenario_db.execute(status, (incident_id,)).fetchone() == ("verified",)

    page.click("#edit-incident")
    expect(page.locator("#incident-form")).to_be_visible()
    page.wait_for_function(MAP_RESIZED)
    pin = page.locator("[data-pin='incident']").bounding_box()
    assert pin is not None
    grip = (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2)
    page.mouse.move(*grip)
    page.mouse.down()
    page.mouse.move(grip[0] + 80, grip[1] + 40, steps=8)
    page.mouse.up()
    moved_lon = float(page.input_value("#incident-form-longitude"))
    assert moved_lon > float(lon)  # dragging the pin wrote the coordinates
    page.click("#incident-form button[type=submit]")
    expect(page.locator("#incident-form")).to_have_count(0)
    stored = scenario_db.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE id = %s", (incident_id,)
    ).fetchone()
    assert float(stored[0]) == pytest.approx(moved_lon, abs=1e-6)
    assert float(stored[1]) < float(lat)

    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server)
    try:
        admin = context.new_page()
        sign_in(admin, ADMIN)
        admin.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
        admin.click("#delete-incident")
        admin.click("#delete-confirm")
        expect(admin.locator("#sheet")).to_be_hidden()
    finally:
        context.close()
    count = "SELECT count(*) FROM incident WHERE id = %s"
    assert scenario_db.execute(count, (incident_id,)).fetchone() == (0,)
    page.wait_for_function(f"(id) => !{INCIDENTS}.some((f) => f.id === id)", arg=incident_id)


BOXES = """(ids) => Object.fromEntries(ids.map((s) => {
  const el = document.querySelector(s);
  const r = el && el.getBoundingClientRect();
  return [s, r && r.width ? [r.left, r.top, r.right, r.bottom] : null];
}))"""
LAYER_ORDER = "() => window.bluewatch.map.getStyle().layers.map((l) => l.id)"


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_nothing_covers_what_an_analyst_reads_at_1366_and_1024(
    page: Page, scenario_db: Any
) -> None:
    """Issue 18, defect 10: markers over town labels, alert rings over cluster counts,
    the coordinate readout under the attribution, the toolbar wrapping, the Layers
    popover over half the map, an uncollapsible panel at 1024 with the sheet open."""
    sign_in(page, ANALYST)
    order = page.evaluate(LAYER_ORDER)
    for below, above in (
        ("incidents", "places"),
        ("alerts", "places"),
        ("alerts-lesser", "incident-cluster-count"),
        ("alerts", "incident-cluster-count"),
    ):
        assert order.index(below) < order.index(above), (below, above)  # fmt: skip
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 768})
        page.mouse.move(300, 400)  # the readout shows the cursor's position
        boxes = page.evaluate(
            BOXES, ["#coords", ".maplibregl-ctrl-attrib", ".maplibregl-ctrl-scale"]
        )
        assert boxes["#coords"] and not _overlap(boxes["#coords"], boxes[".maplibregl-ctrl-attrib"])
        assert not _overlap(boxes["#coords"], boxes[".maplibregl-ctrl-scale"])
        assert toolbar_in_one_row(page), (width, page.evaluate(TOOLBAR_ITEMS))
        page.click("#layers-button")
        layers = page.locator("#layers").bounding_box()
        map_box = page.locator("#map").bounding_box()
        assert layers is not None and map_box is not None
        assert layers["width"] * layers["height"] < 0.35 * map_box["width"] * map_box["height"]
        page.click("#layers-button")

    incident_id = scenario_db.execute(
        "SELECT id FROM incident WHERE classification = 'unclassified' LIMIT 1"
    ).fetchone()[0]
    page.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
    expect(page.locator("#sheet")).to_be_visible()
    narrow = page.locator("#map").bounding_box()
    assert narrow is not None
    page.click("#panel-toggle")
    expect(page.locator("#panel-toggle")).to_have_attribute("aria-expanded", "false")
    page.wait_for_function(
        f"() => document.querySelector('#map').clientWidth > {narrow['width'] + 250}"
    )
    expect(page.locator("#alert-list")).to_be_hidden()
    screenshot(page, "panel-collapsed-1024")
    page.reload()
    wait_until_ready(page)  # remembered
    expect(page.locator("#panel-toggle")).to_have_attribute("aria-expanded", "false")
    page.click("#panel-toggle")
    expect(page.locator("#alert-list")).to_be_visible()


def test_a_night_theme_and_a_density_view(page: Page) -> None:
    """Issue 18: a night theme for a 24/7 operations room (system or switch) and a
    heatmap of the window's incidents."""
    sign_in(page, ANALYST)
    page.click("#layers-button")
    page.wait_for_function(
        "() => window.bluewatch.map.loaded() && !window.bluewatch.map.isMoving()"
    )
    before = page.evaluate(MAP_PIXELS)
    page.check("#layer-density")
    expect(page).to_have_url(re.compile(r"density=1"))
    page.click("#layers-button")
    assert (
        page.evaluate(
            "() => window.bluewatch.map.getLayoutProperty('incident-density', 'visibility')"
        )
        == "visible"
    )
    page.wait_for_function(
        "() => window.bluewatch.map.loaded() && !window.bluewatch.map.isMoving()"
    )
    after = page.evaluate(MAP_PIXELS)
    assert _changed_share(before, after) > 0.008  # the heatmap is drawn, not only switched on
    page.click("#layers-button")
    page.uncheck("#layer-density")  # the control: off again, the map is as it was
    page.click("#layers-button")
    page.wait_for_function(SETTLED)
    assert _changed_share(before, page.evaluate(MAP_PIXELS)) < 0.002
    page.click("#layers-button")
    page.check("#layer-density")
    page.click("#layers-button")

    page.click("#user-button")
    page.select_option("#theme", "night")
    expect(page.locator("html")).to_have_attribute("data-theme", "night")
    sea = page.evaluate("() => window.bluewatch.map.getPaintProperty('sea', 'background-color')")
    assert sea == "#0c2233"
    panel = page.evaluate(
        "() => getComputedStyle(document.querySelector('#panel')).backgroundColor"
    )
    assert panel == "rgb(22, 32, 42)"
    page.click("#user-button")  # closes the menu
    expect(page.locator("#user-menu")).to_be_hidden()
    for width, height in ((1920, 1080), (1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("() => !window.bluewatch.map.isMoving()")
        screenshot(page, f"night-density-{width}x{height}")
    page.reload()
    wait_until_ready(page)
    expect(page.locator("html")).to_have_attribute("data-theme", "night")  # remembered


SETTLED = "() => window.bluewatch.map.loaded() && !window.bluewatch.map.isMoving()"
MAP_PIXELS = """() => {
  const source = window.bluewatch.map.getCanvas();
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 90;
  const context = canvas.getContext('2d');
  context.drawImage(source, 0, 0, 160, 90);
  return Array.from(context.getImageData(0, 0, 160, 90).data);
}"""


def _changed_share(before: list[int], after: list[int]) -> float:
    """The share of (downsampled) map pixels whose colour changed noticeably."""
    assert len(before) == len(after) > 0
    pixels = range(0, len(before), 4)
    changed = sum(
        1 for i in pixels if sum(abs(before[i + k] - after[i + k]) for k in range(3)) > 40
    )
    return changed / len(pixels)


DRAFT_VERTICES = """() => window.bluewatch.map.getSource('draft').serialize().data.features
  .filter((f) => f.geometry.type === 'Point').map((f) => f.geometry.coordinates)"""


def _shown_number(text: str, unit: str) -> float:
    found = re.search(rf"([\d,.]+) {unit}", text)
    assert found, text
    return float(found.group(1).replace(",", ""))


def test_measuring_a_distance_and_an_area_agrees_with_the_ellipsoid(page: Page) -> None:
    """Issue 18: measure distance and area; a drawn route shows its length."""
    geod = Geod(ellps="WGS84")
    sign_in(page, VIEWER, "/?at=29.30000,-1.50000,9.00")  # viewers measure too
    page.click("#measure-button")
    page.click("#measure-distance")
    expect(page.locator("#draw-hint")).to_have_text("Click the map to measure a distance")
    for x, y in ((300, 300), (600, 380), (700, 200)):
        page.locator("#map").click(position={"x": x, "y": y})
    vertices = page.evaluate(DRAFT_VERTICES)
    assert len(vertices) == 3
    lons, lats = [v[0] for v in vertices], [v[1] for v in vertices]
    reference = geod.line_length(lons, lats) / 1000
    shown = _shown_number(page.locator("#draw-hint").inner_text(), "km")
    assert abs(shown - reference) / reference < 0.007, (shown, reference)
    expect(page.locator("#draw-finish")).to_be_hidden()
    page.click("#draw-cancel")  # "Done"
    expect(page.locator("#draw-bar")).to_be_hidden()
    assert page.evaluate(DRAFT_VERTICES) == []

    page.click("#measure-button")
    page.click("#measure-area")
    for x, y in ((300, 300), (600, 300), (600, 500)):
        page.locator("#map").click(position={"x": x, "y": y})
    vertices = page.evaluate(DRAFT_VERTICES)
    lons, lats = [v[0] for v in vertices], [v[1] for v in vertices]
    area, _ = geod.polygon_area_perimeter(lons, lats)
    shown = _shown_number(page.locator("#draw-hint").inner_text(), "km²")
    assert abs(shown - abs(area) / 1e6) / (abs(area) / 1e6) < 0.007
    screenshot(page, "measure-area")
    page.keyboard.press("Escape")
    expect(page.locator("#draw-bar")).to_be_hidden()


def test_a_route_being_drawn_shows_its_length(page: Page) -> None:
    sign_in(page, ANALYST, "/?at=29.30000,-1.50000,9.00")
    use_tool(page, "#add-route")
    for x, y in ((300, 300), (600, 380)):
        page.locator("#map").click(position={"x": x, "y": y})
    expect(page.locator("#draw-hint")).to_contain_text("2 vertices · ")
    vertices = page.evaluate(DRAFT_VERTICES)
    reference = Geod(ellps="WGS84").line_length([v[0] for v in vertices], [v[1] for v in vertices])
    shown = _shown_number(page.locator("#draw-hint").inner_text(), "km")
    assert abs(shown - reference / 1000) / (reference / 1000) < 0.007


CENTRE = "() => { const c = window.bluewatch.map.getCenter(); return [c.lng, c.lat]; }"


def _flown_to(page: Page, lon: float, lat: float, tolerance: float) -> None:
    page.wait_for_function(
        "([lon, lat, t]) => { const m = window.bluewatch.map; const c = m.getCenter();"
        " return !m.isMoving() && Math.abs(c.lng - lon) < t && Math.abs(c.lat - lat) < t; }",
        arg=[lon, lat, tolerance],
    )


def test_go_to_a_place_a_camp_or_coordinates_in_any_notation(page: Page, scenario_db: Any) -> None:
    """Issue 18: go to a place (places file, layer names) or typed coordinates, decimal,
    DMS or MGRS; the cursor and the sheet in the chosen notation."""
    sign_in(page, ANALYST)
    page.fill("#goto", "Ben")
    expect(page.locator("#goto-results")).to_contain_text("Beni · place")
    page.keyboard.press("Enter")
    _flown_to(page, 29.4731, 0.4911, 0.01)

    name, west, south, east, north = scenario_db.execute(
        "SELECT name, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM camp"
        " WHERE classification = 'unclassified' ORDER BY id LIMIT 1"
    ).fetchone()
    page.fill("#goto", str(name)[2:10])  # part of the name
    page.locator("#goto-results button", has_text=str(name)).click()
    _flown_to(page, (float(west) + float(east)) / 2, (float(south) + float(north)) / 2, 0.01)

    page.fill("#goto", "1°40′45″S 29°13′22″E")
    page.keyboard.press("Enter")
    _flown_to(page, 29.2228, -1.6792, 0.001)

    page.fill("#goto", "Nowhere at all")
    expect(page.locator("#goto-results")).to_contain_text("not a position")

    page.click("#user-button")
    page.select_option("#notation", "mgrs")
    page.click("#user-button")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    grid = page.locator("#coords").inner_text()
    zone_band, square, easting, northing = grid.split(" ")
    assert re.fullmatch(r"[A-HJ-NP-Z]{2}", square)
    lon, lat = page.evaluate(CENTRE)
    utm = Proj(proj="utm", zone=int(zone_band[:-1]), ellps="WGS84", south=lat < 0)
    x, y = utm(lon, lat)
    # The grid's digits are the UTM easting and northing within its 100 km square (pyproj).
    assert abs(int(easting) - int(x) % 100_000) <= 2 and abs(int(northing) - int(y) % 100_000) <= 2
    page.fill("#goto", grid)
    page.keyboard.press("Enter")
    _flown_to(page, lon, lat, 0.0005)


TABLE_IDS = (
    "() => [...document.querySelectorAll('#table-body tr')].map((tr) => Number(tr.dataset.id))"
)


def test_the_incident_table_searches_sorts_flies_and_exports_what_it_shows(page: Page) -> None:
    """Issue 18: a sortable incident table with text search over titles and descriptions,
    the map's filters, click to fly, and export of the selection."""
    sign_in(page, ANALYST)
    loaded = page.evaluate(f"() => {INCIDENTS}.map((f) => ({{ id: f.id, ...f.properties }}))")
    page.click("#table-button")
    expect(page.locator("#incident-table")).to_be_visible()
    assert sorted(page.evaluate(TABLE_IDS)) == sorted(f["id"] for f in loaded)

    words = [w for f in loaded for w in str(f["title"]).split() if len(w) > 4]
    word = max(set(words), key=words.count)  # a word some titles share, not all
    wanted = {
        f["id"] for f in loaded
        if word.lower() in f"{f['title']}\n{f.get('description') or ''}".lower()
    }  # fmt: skip
    assert 0 < len(wanted) < len(loaded)
    page.fill("#table-search", word.upper())  # any case
    page.wait_for_function(f"() => {TABLE_IDS}().length === {len(wanted)}")
    assert set(page.evaluate(TABLE_IDS)) == wanted

    page.click("th[data-column='severity'] button")  # descending first
    page.click("th[data-column='severity'] button")  # then ascending
    expect(page.locator("th[data-column='severity']")).to_have_attribute("aria-sort", "ascending")
    severity = {f["id"]: f["severity"] for f in loaded}
    shown = [severity[i] for i in page.evaluate(TABLE_IDS)]
    assert shown == sorted(shown)
    screenshot(page, "incident-table")

    with page.expect_download() as download:
        page.click("#table-export")
    exported = json.loads(download.value.path().read_text())
    assert {f["id"] for f in exported["features"]} == wanted  # the server's CASEI search agrees

    first = page.evaluate(TABLE_IDS)[0]
    page.locator(f"#table-body tr[data-id='{first}']").click()
    title = next(f["title"] for f in loaded if f["id"] == first)
    expect(page.locator("#sheet h2")).to_have_text(title)


def _first_pixel(png: bytes) -> tuple[int, int, int]:
    """The top-left pixel of a PNG (its first row's first pixel is the same under every
    filter type); and the image's size is checked by the caller through IHDR."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data = 8, b""
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(data)
    return raw[1], raw[2], raw[3]


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_briefing_snapshot_as_png_and_pdf_carries_the_marking(page: Page) -> None:
    """Issue 18: the current view as PNG and PDF with classification banners top and
    bottom, legend, scale bar, north arrow, time window and generation time (Z)."""
    sign_in(page, ANALYST)
    expect(page.locator("#banner-top")).to_have_text("UN STRICTLY CONFIDENTIAL")
    canvas = page.evaluate(
        "() => [window.bluewatch.map.getCanvas().width, window.bluewatch.map.getCanvas().height]"
    )
    page.click("#export-button")
    with page.expect_download() as download:
        page.click("#briefing-png")
    assert re.fullmatch(r"bluewatch-briefing-\d{8}-\d{4}Z\.png", download.value.suggested_filename)
    png = download.value.path().read_bytes()
    width, height = _png_size(png)
    assert width == canvas[0] and height > canvas[1]  # the map, plus banners and a title line
    assert _first_pixel(png) == (0xB0, 0x00, 0x20)  # the strictly confidential banner
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "briefing.png").write_bytes(png)

    page.click("#export-button")
    with page.expect_download() as download:
        page.click("#briefing-pdf")
    document = PdfReader(download.value.path())
    assert len(document.pages) == 1
    text = document.pages[0].extract_text()
    assert text.count("UN STRICTLY CONFIDENTIAL") == 2  # top and bottom
    resources: Any = document.pages[0]["/Resources"]
    xobject = resources["/XObject"]["/Im1"].get_object()
    assert (xobject["/Width"], xobject["/Height"]) == (width, height)
    assert xobject["/Filter"] == "/DCTDecode"


def test_a_viewer_may_take_a_briefing_but_not_export_data(page: Page) -> None:
    sign_in(page, VIEWER)
    page.click("#export-button")
    expect(page.locator("#briefing-png")).to_be_visible()
    expect(page.locator("#export-geojson")).to_have_count(0)
    expect(page.locator("#export-bundle")).to_have_count(0)


CATALOGUE = Path(__file__).parents[2] / "frontend" / "src" / "messages" / "fr.ts"
# The page's text outside what is marked translate="no" (names, titles, markings) and
# MapLibre's attribution (the names of data sources): text nodes and what is read aloud.
PAGE_TEXTS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skipped = (element) =>
    !element || element.closest('[translate=no], script, .maplibregl-ctrl-attrib');
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (/[A-Za-z]/.test(text) && !skipped(node.parentElement)) found.push(text);
  }
  for (const element of document.body.querySelectorAll('[title], [placeholder], [aria-label]')) {
    if (skipped(element)) continue;
    for (const name of ['title', 'placeholder', 'aria-label']) {
      const value = element.getAttribute(name);
      if (value && /[A-Za-z]/.test(value)) found.push(value);
    }
  }
  return found;
}"""


def english_left(texts: list[str]) -> list[str]:
    """The texts that are a message of the catalogue still in English (where its French
    differs), whole or as a template with its {placeholders} filled."""
    pairs = re.findall(
        r'^\s*"((?:[^"\\]|\\.)*)":\s*"((?:[^"\\]|\\.)*)"', CATALOGUE.read_text(), re.M | re.S
    )
    english = [key for key, french in pairs if key != french]
    assert len(english) > 200  # the catalogue was read
    templates = [
        re.compile("".join(".+" if part.startswith("{") else re.escape(part)
                           for part in re.split(r"(\{\w+\})", key)))
        for key in english if "{" in key
    ]  # fmt: skip
    plain = set(english)
    return [t for t in texts if t in plain or any(p.fullmatch(t) for p in templates)]


def test_the_page_speaks_french_when_chosen_and_remembers_the_choice(
    page: Page, scenario_db: Any
) -> None:
    """Issue 18: MONUSCO and MINUSCA work in French. A browser that prefers French gets
    the page in French from the sign-in on (every text from the catalogue, alert headlines
    in French); the user menu switches language, and the choice is remembered."""
    page.add_init_script(
        "Object.defineProperty(navigator, 'languages', { get: () => ['fr-CD', 'fr'] });"
    )
    page.goto("/")
    expect(page.locator("#signin-form button[type=submit]")).to_have_text("Se connecter")
    expect(page.locator("#signin-note")).to_have_text("Connectez-vous à la carte de la mission.")
    sign_in(page, ANALYST)
    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(page.locator("#filters-button")).to_have_text("Filtres")
    expect(page.locator("#connection")).to_have_text("en direct")

    # Open what is built on demand, then read the whole page.
    page.click("#add-button")
    page.click("#export-button")
    page.click("#user-button")
    page.click("#table-button")
    first = page.locator("#alert-list li.alert").first
    first.locator("button.ack").click()
    expect(first.locator("input.note")).to_have_attribute(
        "placeholder", "Note (facultative) : qui s'en charge"
    )
    alert_id = int(first.get_attribute("data-alert-id") or 0)
    french, english = scenario_db.execute(
        "SELECT headline_fr, headline FROM alert WHERE id = %s", (alert_id,)
    ).fetchone()
    assert french and french != english
    expect(first.locator(".headline")).to_have_text(french)
    incident_id = scenario_db.execute(
        "SELECT id FROM incident WHERE classification = 'unclassified' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    page.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
    expect(page.locator("#sheet dl.details dt").first).to_have_text("Survenu")
    texts = page.evaluate(PAGE_TEXTS)
    assert len(texts) > 150, len(texts)  # the menus, the table, the sheet and the panel
    assert english_left(texts) == []
    # The positive control: the same reading finds English in an English page.
    assert english_left(["Sign out", "Filters (2)", "Se déconnecter"]) == [
        "Sign out",
        "Filters (2)",
    ]

    page.keyboard.press("Escape")
    for width, height in ((1920, 1080), (1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert toolbar_in_one_row(page), (width, page.evaluate(TOOLBAR_ITEMS))  # French too
        screenshot(page, f"french-{width}x{height}")

    page.click("#user-button")
    with page.expect_navigation():
        page.select_option("#language", "en")
    wait_until_ready(page)
    expect(page.locator("#filters-button")).to_have_text("Filters")
    expect(page.locator("#alert-list li.alert .headline").first).not_to_have_text(french)
    page.reload()
    wait_until_ready(page)  # remembered, though the browser prefers French
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("#connection")).to_have_text("live")


def test_an_admin_sees_and_changes_a_rule_s_settings_on_the_map(
    page: Page, scenario_db: Any, console: Console
) -> None:
    """Issue 19: admins see each rule's settings and change them on the map (cooldown,
    bands, instructions); analysts have no rules screen; refusals are said at the field."""
    console.allowed.append("422")  # the refused save, on purpose
    sign_in(page, ANALYST)
    page.click("#user-button")
    expect(page.locator("#rules-open")).to_be_hidden()
    with page.expect_navigation():
        page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    sign_in(page, ADMIN)
    page.click("#user-button")
    page.click("#rules-open")
    rules = page.locator("#sheet li.rule")
    # Camp and route proximity, surge, camp and route baselines and coverage (off).
    expect(rules).to_have_count(7)
    camp_id = scenario_db.execute(
        "SELECT id FROM rule WHERE kind = 'proximity' AND params->>'target' = 'camp'"
    ).fetchone()[0]
    row = page.locator(f"#sheet li.rule[data-rule-id='{camp_id}']")
    expect(row.locator(".rule-summary")).to_have_text(
        "critical ≤ 2.0 km, warning ≤ 5.0 km, watch ≤ 10.0 km"
    )
    row.locator("button.rule-edit").click()
    expect(page.locator("#rule-form-cooldown_minutes")).to_have_value("0")
    screenshot(page, "rule-form")

    page.fill("#rule-form-cooldown_minutes", "soon")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#rule-form-cooldown_minutes-error")).to_contain_text("must be a number")
    page.fill("#rule-form-cooldown_minutes", "99999999")  # past the server's 7 days
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#rule-form-cooldown_minutes-error")).not_to_be_empty()
    stored = scenario_db.execute("SELECT params FROM rule WHERE id = %s", (camp_id,)).fetchone()
    assert stored[0].get("cooldown_minutes", 0) == 0  # refused: nothing changed

    page.fill("#rule-form-cooldown_minutes", "60")
    expect(page.locator("#rule-form-dwell_minutes")).to_have_value("0")
    page.fill("#rule-form-dwell_minutes", "30")
    page.fill("#rule-form-bands", "critical 1500; warning 5000; watch 10000")
    page.click("#rule-form button[type=submit]")
    expect(row.locator(".rule-summary")).to_have_text(
        "critical ≤ 1.5 km, warning ≤ 5.0 km, watch ≤ 10.0 km · grouped for 60 min"
        " · after 30 min of activity"
    )
    params = scenario_db.execute("SELECT params FROM rule WHERE id = %s", (camp_id,)).fetchone()[0]
    assert (params["cooldown_minutes"], params["dwell_minutes"]) == (60, 30)
    assert [band["distance_m"] for band in params["bands"]] == [1500, 5000, 10000]
    # The map's alert rings follow the rule.
    page.wait_for_function(
        "() => window.bluewatch.map.getSource('zones').serialize().data.features"
        ".some((f) => f.properties.distance_m === 1500)"
    )
    screenshot(page, "rules-screen", "#sheet")


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768), (1024, 768)])
def test_an_incident_shows_its_evacuation_routes_and_the_10_1_2_verdict(
    page: Page, scenario_db: Any, width: int, height: int
) -> None:
    """Issue 20: the incident sheet lists the facilities reachable by road, fastest first,
    with level and time, and the 10-1-2 steps; the routes are drawn on the map (the
    fastest boldest) over the roads and facilities, and leave with the sheet."""
    incident_id, lon, lat = scenario_db.execute(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM incident WHERE classification = 'unclassified'"
        " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(29.2228, -1.6792), 4326) LIMIT 1"
    ).fetchone()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, ANALYST, f"/?at={lon:.5f},{lat:.5f},11.00")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('roads').length > 0")
    assert rendered(page, "roads-line") and rendered(page, "facilities-circle")
    page.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
    expect(page.locator("#casevac .timeline li")).to_have_count(3)
    listed = page.locator("#casevac .casevac-routes li")
    expect(listed.first).to_be_visible()
    assert "Level 2 hospital Goma" in " ".join(listed.all_inner_texts())
    expect(page.locator("#casevac .timeline [data-step='surgery']")).to_contain_text("✓")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('casevac').length > 0")
    page.wait_for_function(MAP_RESIZED)
    drawn = rendered(page, "casevac-line")
    assert drawn and min(f["rank"] for f in drawn) == 0  # the fastest is among those drawn
    screenshot(page, f"casevac-{width}x{height}")
    page.click("#sheet .close")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('casevac').length === 0")


def test_the_medical_coverage_rings_are_drawn_on_demand(page: Page) -> None:
    """Issue 20: the Layers menu's medical coverage draws the 10-1-2 rings (10 minutes to
    any facility, 60 and 120 to level 2) from /coverage; off by default, kept in the URL."""
    sign_in(page, ANALYST, "/?at=29.22280,-1.67920,9.00")
    assert not rendered(page, "coverage-fill")  # off until asked for
    page.click("#layers-button")
    page.check("#layer-coverage")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('coverage').length >= 3")
    page.wait_for_function(
        "() => window.bluewatch.map.queryRenderedFeatures({layers: ['coverage-fill']}).length > 0"
    )
    minutes = {f["minutes"] for f in rendered(page, "coverage-fill")}
    assert minutes == {10, 60, 120}
    assert "coverage=1" in page.url
    page.keyboard.press("Escape")
    screenshot(page, "coverage-rings")


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768), (1024, 768)])
def test_an_analyst_tasks_a_unit_and_moves_its_task_to_completed(
    page: Page, scenario_db: Any, live_server: str, role_keys: RoleKeys, width: int, height: int
) -> None:
    """Issue 20: from an alert in the panel, an analyst opens "Task": the available units,
    fastest by road first, each with its time; sends one with a note; the alert is
    acknowledged and the task's line shows the unit and its step; each step button moves
    it on (timed on the server) until completed. A task made elsewhere arrives live."""
    alert_id, lon, lat = scenario_db.execute(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM alert WHERE status = 'open'"
        " AND target_name = 'MONUSCO Force HQ Goma' ORDER BY level DESC, distance_m LIMIT 1"
    ).fetchone()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, ANALYST, f"/?at={lon:.5f},{lat:.5f},11.00")
    page.wait_for_function("() => window.bluewatch.map.querySourceFeatures('units').length > 0")
    assert rendered(page, "units-symbol")
    row = page.locator(f"#alert-list li[data-alert-id='{alert_id}']")
    row.scroll_into_view_if_needed()
    row.locator("button.task").click()
    options = row.locator(".unit-options li")
    expect(options.first).to_be_visible()
    names = options.locator(".unit").all_inner_texts()
    assert names[0] in ("QRF Goma", "Medical team Goma"), names
    assert "Engineers Beni" not in names  # resting
    expect(options.first.locator(".reach")).to_contain_text("by road")
    screenshot(page, f"tasking-{width}x{height}")

    row.locator(".task-note").fill("Secure the north gate")
    options.first.locator("button.send-unit").click()
    task = row.locator("li.task")
    expect(task).to_have_count(1)
    expect(task).to_have_attribute("data-status", "tasked")
    expect(task.locator(".unit")).to_have_text(names[0])
    expect(row).to_have_attribute("data-status", "acknowledged")
    for step in ("en_route", "on_scene", "completed"):
        task.locator(f"button[data-step='{step}']").click()
        expect(task).to_have_attribute("data-status", step)
    expect(task.locator("button")).to_have_count(0)
    times = scenario_db.execute(
        "SELECT tasked_at, en_route_at, on_scene_at, completed_at, note FROM task"
    ).fetchall()
    assert len(times) == 1 and times[0][4] == "Secure the north gate"
    assert list(times[0][:4]) == sorted(times[0][:4])

    # A task made elsewhere (another analyst, by API) arrives in the panel live.
    unit_id = scenario_db.execute("SELECT id FROM unit WHERE name = 'QRF Beni'").fetchone()[0]
    made = httpx.post(
        f"{live_server}/api/v1/alerts/{alert_id}/tasks",
        json={"unit_id": unit_id},
        headers=bearer(role_keys.admin),
    )
    assert made.status_code == 201, made.text
    expect(row.locator("li.task")).to_have_count(2)
    expect(row.locator("li.task[data-status='tasked'] .unit")).to_have_text("QRF Beni")
    screenshot(page, f"tasked-{width}x{height}")


def test_the_incident_sheet_sends_a_unit_to_one_of_its_alerts(page: Page, scenario_db: Any) -> None:
    """Issue 20: the incident sheet, beside the CASEVAC routes, offers "Send a unit" for
    each alert of the incident not yet resolved: the units fastest by road first; the one
    sent is said there, and its task appears under the alert in the panel (the stream)."""
    incident_id, alert_id = scenario_db.execute(
        "SELECT a.incident_id, a.id FROM alert a JOIN incident i ON i.id = a.incident_id"
        " WHERE a.status = 'open' AND a.target_name = 'MONUSCO Force HQ Goma'"
        " ORDER BY a.level DESC, a.distance_m LIMIT 1"
    ).fetchone()
    sign_in(page, ANALYST)
    page.evaluate(f"() => window.bluewatch.openIncident({incident_id})")
    item = page.locator(f"#sheet .incident-alerts li[data-incident-alert='{alert_id}']")
    item.locator("button.send-a-unit").click()
    first = item.locator(".unit-options li").first
    expect(first).to_be_visible()
    name = first.locator(".unit").inner_text()
    first.locator("button.send-unit").click()
    expect(item.locator(".sent")).to_have_text(f"{name} tasked.")
    row = page.locator(f"#alert-list li[data-alert-id='{alert_id}']")
    expect(row.locator("li.task .unit")).to_have_text(name)
    assert scenario_db.execute(
        "SELECT count(*) FROM task WHERE alert_id = %s", (alert_id,)
    ).fetchone() == (1,)
    screenshot(page, "sheet-send-a-unit")
