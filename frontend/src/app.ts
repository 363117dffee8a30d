// The analyst's map: wires the map, the data, the live stream, the panel, the toolbar
// and the side sheet together, and keeps the URL in step with the view.

import type { FeatureCollection, Geometry, Position } from "geojson";
import * as maplibregl from "maplibre-gl";
import { type GeoJSONSource, type LngLatBoundsLike, type Map as MapLibreMap, type MapGeoJSONFeature } from "maplibre-gl";
import { AlertBook, type Alert } from "./alerts";
import { Api, ApiError, type SessionInfo } from "./api";
import { fromRank, highest, marking, type Classification } from "./classification";
import { byId, h } from "./dom";
import { NO_EARTH, basemapStyle, loadNaturalEarth, showNaturalEarth, type OnlineBasemap } from "./map/basemap";
import { DrawTool, type DrawKind } from "./map/draw";
import { addCategoryIcons } from "./map/icons";
import { DATA_LAYERS, EMPTY, ROUTE_LAYERS, addMissionLayers, setData, setGroupVisible, useIncidentTiles, withRank } from "./map/layers";
import { AlertPanel } from "./panel";
import { Sheet, type Role } from "./sheet";
import { AlertStream, type Envelope } from "./stream";
import { Toolbar } from "./toolbar";
import { LAYER_NAMES, fromQuery, incidentFilters, timeRange, toQuery, type ViewState } from "./view";

/** Above this many incidents in the window, they come as vector tiles instead of GeoJSON. */
const GEOJSON_LIMIT = 5000;

type Layer = "zones" | "camps" | "routes" | "incidents";
const LAYERS: Layer[] = ["zones", "camps", "routes", "incidents"];

interface MapConfig {
  basemap: OnlineBasemap | null;
  places: FeatureCollection;
}

/** A list response: a FeatureCollection with paging links. */
type ListPage = FeatureCollection & { links?: { rel: string; href: string }[] };

export class MissionMap {
  readonly view: ViewState = fromQuery(location.search);
  readonly book = new AlertBook();
  /** Event ids in the order the stream delivered them (each at most once). */
  readonly delivered: number[] = [];
  map!: MapLibreMap;
  private session: SessionInfo | null = null;
  private stream!: AlertStream<Alert>;
  private panel!: AlertPanel;
  private sheet!: Sheet;
  private draw!: DrawTool;
  private incidents: FeatureCollection = EMPTY;
  private tiles = false;
  private playbackInstant: Date | null = null;
  private picking = false;
  private sheetLevels: string[] = [];
  private readonly markers = new Map<number, maplibregl.Marker>();
  private refreshTimer: number | null = null;
  private drawDone: ((geometry: Geometry) => void) | null = null;
  readonly ready: Promise<void>;

  constructor(readonly api: Api, session: SessionInfo) {
    this.session = session;
    this.ready = this.start();
  }

  get role(): Role {
    return this.session?.role ?? "viewer";
  }

  private async start(): Promise<void> {
    byId("app").hidden = false;
    // Everything is asked for at once; the map starts while the answers arrive.
    const earth = loadNaturalEarth();
    const data = LAYERS.map((layer) => this.fetchLayer(layer));
    const alerts = this.api.get<{ features: Alert[] }>("/alerts", new URLSearchParams({ limit: "1000" }));
    const config = await this.api.get<MapConfig>("/map");
    this.map = new maplibregl.Map({
      container: "map",
      style: basemapStyle(NO_EARTH, config.places, config.basemap),
      center: this.view.center ?? [29.3, 0.2],
      zoom: this.view.zoom ?? 6,
      attributionControl: { compact: true },
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    this.map.addControl(new maplibregl.NavigationControl(), "top-left");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 140 }), "bottom-left");
    await new Promise<void>((resolve) => this.map.once("load", () => resolve()));
    addCategoryIcons(this.map);
    addMissionLayers(this.map);
    this.draw = new DrawTool(this.map);
    this.sheet = new Sheet({
      api: this.api,
      role: () => this.role,
      alertsFor: (id) => this.book.forIncident(id),
      onSaved: (layer) => {
        this.background(this.reload(layer));
        if (layer !== "incidents") this.background(this.reload("zones"));
      },
      startDrawing: (kind, initial, done) => this.startDrawing(kind, initial, done),
      stopDrawing: () => this.stopDrawing(),
      currentGeometry: () => this.draw.geometry(),
      onShown: (levels) => {
        this.sheetLevels = levels;
        this.updateBanner();
      },
    });
    this.panel = new AlertPanel({
      api: this.api,
      book: this.book,
      canAct: () => this.role !== "viewer",
      onSelect: (alert) => this.selectAlert(alert),
      onChanged: () => this.alertsChanged(),
      filters: () => ({ levels: this.view.alertLevels, statuses: this.view.alertStatuses }),
      onFilters: (levels, statuses) => {
        this.view.alertLevels = levels;
        this.view.alertStatuses = statuses;
        this.writeUrl();
        this.updateBanner();
      },
    });
    new Toolbar({
      view: this.view,
      onViewChange: (reload) => this.viewChanged(reload),
      onPlayback: (instant) => this.playback(instant),
    });
    this.roleTools();
    this.interactions();
    this.applyLayerVisibility();
    await Promise.all([
      ...LAYERS.map(async (layer, i) => this.applyLayer(layer, await data[i])),
      alerts.then((page) => this.showAlerts(page.features)),
      earth.then((loaded) => showNaturalEarth(this.map, loaded)),
    ]);
    if (this.view.center === null) this.fitToData();
    this.openLinkedAlert((await alerts).features);
    this.startStream();
    // The banner follows what is drawn: after each settled render, and when the panel
    // or the sheet changes (they are not part of the map).
    this.map.on("idle", () => this.updateBanner());
    this.updateBanner();
    this.map.on("moveend", () => {
      const centre = this.map.getCenter();
      this.view.center = [centre.lng, centre.lat];
      this.view.zoom = this.map.getZoom();
      this.writeUrl();
    });
    window.addEventListener("online", () => this.stream.retryNow());
    window.addEventListener("offline", () => this.stream.wentOffline());
    document.body.dataset.ready = "true";
  }

  // ---- session -------------------------------------------------------------------------

  /** The session ended: stop the feed and keep everything else, the view included. */
  suspend(): void {
    this.stream?.stop();
  }

  /** Signed in again after an expiry: carry on from the last event seen. */
  resume(session: SessionInfo): void {
    this.session = session;
    this.roleTools();
    this.panel.render();
    this.stream.start();
    this.background(Promise.all([this.reload("incidents"), this.reload("camps"), this.reload("routes"), this.reload("zones"), this.loadAlerts()]));
  }

  private roleTools(): void {
    const who = byId("who");
    const clearance = highest([this.session?.clearance]);
    who.textContent = `${this.session?.username ?? ""} · ${this.role} · cleared ${marking(clearance)}`;
    const edit = byId("edit-tools");
    edit.replaceChildren();
    if (this.role !== "viewer") {
      const addIncident = h("button", { type: "button", id: "add-incident" }, "Add incident");
      addIncident.addEventListener("click", () => this.pickPoint());
      const addRoute = h("button", { type: "button", id: "add-route" }, "Draw route");
      addRoute.addEventListener("click", () => this.sheet.newRoute());
      edit.append(addIncident, addRoute);
    }
    if (this.role === "admin") {
      const addCamp = h("button", { type: "button", id: "add-camp" }, "Draw camp");
      addCamp.addEventListener("click", () => this.sheet.newCamp());
      edit.append(addCamp);
    }
    const exports = byId("export-tools");
    exports.replaceChildren();
    if (this.role !== "viewer") {
      // The link follows the view: its address is filled in just before it is used.
      const links: [string, string, string][] = [
        ["export-geojson", "/export/incidents.geojson", "Export GeoJSON"],
        ["export-bundle", "/export/bundle.zip", "JMAC bundle"],
      ];
      for (const [id, path, text] of links) {
        const link = h("a", { id, class: "button", href: "#", download: "" }, text);
        const refresh = () => (link.href = this.api.url(path, this.exportFilters()));
        for (const event of ["focus", "mouseenter", "click"]) link.addEventListener(event, refresh);
        exports.append(link);
      }
    }
  }

  /** The filters of the current view, with the map's bounds, for exports. */
  exportFilters(): URLSearchParams {
    const params = incidentFilters(this.view, timeRange(this.view.window));
    const bounds = this.map.getBounds();
    const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value)).toFixed(5);
    params.set("bbox", [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90), clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(","));
    return params;
  }

  // ---- data ----------------------------------------------------------------------------

  reload(layer: Layer): Promise<void> {
    return this.fetchLayer(layer).then((data) => this.applyLayer(layer, data));
  }

  private fetchLayer(layer: Layer): Promise<ListPage> {
    if (layer === "zones") return this.api.get("/map/zones");
    const params = layer === "incidents" ? incidentFilters(this.view, timeRange(this.view.window)) : new URLSearchParams();
    params.set("limit", String(layer === "incidents" ? GEOJSON_LIMIT : 10_000));
    return this.api.get(`/${layer}`, params);
  }

  private applyLayer(layer: Layer, data: ListPage): void {
    if (layer !== "incidents") {
      setData(this.map, layer, layer === "zones" ? data : withRank(data));
      return;
    }
    this.tiles = (data.links ?? []).some((link) => link.rel === "next");
    if (this.tiles) {
      this.incidents = EMPTY;
      useIncidentTiles(this.map, this.tileJsonUrl());
    } else {
      this.incidents = withRank(data);
      useIncidentTiles(this.map, null);
    }
    this.showIncidents();
    this.applyLayerVisibility();
  }

  private tileJsonUrl(): string {
    const range = timeRange(this.view.window);
    const end = this.playbackInstant ?? range.end;
    return this.api.url("/tiles/incidents.json", incidentFilters(this.view, { start: range.start, end }));
  }

  private showIncidents(): void {
    if (this.tiles) return;
    const until = this.playbackInstant;
    const shown = until === null ? this.incidents : {
      ...this.incidents,
      features: this.incidents.features.filter((f) => new Date(String(f.properties?.occurred_at)) <= until),
    };
    setData(this.map, "incidents", shown);
  }

  private playback(instant: Date | null): void {
    this.playbackInstant = instant;
    if (this.tiles) useIncidentTiles(this.map, this.tileJsonUrl());
    else if (this.map) this.showIncidents();
  }

  private async loadAlerts(): Promise<void> {
    const page = await this.api.get<{ features: Alert[] }>("/alerts", new URLSearchParams({ limit: "1000" }));
    this.showAlerts(page.features);
  }

  private showAlerts(features: Alert[]): void {
    this.book.load(features);
    this.alertsChanged();
  }

  private alertsChanged(): void {
    this.panel.render();
    this.updateBanner();
    const shown = this.book.list([], ["open", "acknowledged"]);
    setData(this.map, "alerts", withRank({ type: "FeatureCollection", features: shown }));
    this.updatePulses(shown);
  }

  /** Open critical alerts pulse: an HTML marker each, animated by CSS (no map repaint).
   * MapLibre places a marker by the transform of its element, so the animation scales an
   * inner ring: animating the marker itself would replace its position. */
  private updatePulses(shown: Alert[]): void {
    const pulsing = new Set(shown.filter((a) => a.properties.level === "critical" && a.properties.status === "open").map((a) => a.id));
    for (const [id, marker] of this.markers) {
      if (!pulsing.has(id)) {
        marker.remove();
        this.markers.delete(id);
      }
    }
    for (const alert of shown) {
      if (!pulsing.has(alert.id) || this.markers.has(alert.id)) continue;
      const element = h("div", { class: "pulse", "aria-hidden": "true", "data-alert-id": String(alert.id) }, h("div", { class: "pulse-ring" }));
      const marker = new maplibregl.Marker({ element }).setLngLat(alert.geometry.coordinates as [number, number]).addTo(this.map);
      this.markers.set(alert.id, marker);
    }
  }

  private startStream(): void {
    this.stream = new AlertStream<Alert>({
      url: this.api.url("/alerts/stream"),
      onEvent: (envelope) => this.received(envelope),
      onState: (state) => this.panel.setConnection(state),
      onReset: () => this.background(this.loadAlerts()),
      // A break may be the session ending (the stream cannot show its 401): ask.
      onBreak: () => {
        this.api.currentSession().then((session) => session ?? this.api.expire(), () => undefined);
      },
    });
    this.panel.setConnection("connecting");
    this.stream.start();
  }

  private received(envelope: Envelope<Alert>): void {
    this.delivered.push(envelope.id);
    const change = this.book.apply(envelope);
    if (!change) return;
    this.alertsChanged();
    if (change.raisedCritical) this.panel.announce(change.alert);
    if (change.isNew) this.scheduleIncidentRefresh();
  }

  /** New alerts mean new incidents: fetch them, at most once a second. */
  private scheduleIncidentRefresh(): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = null;
      this.background(this.reload("incidents"));
    }, 1000);
  }

  // ---- interaction ---------------------------------------------------------------------

  private interactions(): void {
    const coords = byId("coords");
    this.map.on("mousemove", (event) => {
      coords.textContent = `${event.lngLat.lat.toFixed(5)}, ${event.lngLat.lng.toFixed(5)}`;
    });
    const clickable = ["incidents", "incident-clusters", "incident-tiles-points", "incident-tiles-cells", "camps-fill", ...ROUTE_LAYERS, "alerts", "alerts-lesser"];
    this.map.on("click", (event) => {
      if (this.draw.active) return;
      if (this.picking) {
        this.picking = false;
        this.map.getCanvas().style.cursor = "";
        this.sheet.newIncident([round(event.lngLat.lng), round(event.lngLat.lat)]);
        return;
      }
      const layers = clickable.filter((id) => this.map.getLayer(id));
      const [hit] = this.map.queryRenderedFeatures(event.point, { layers });
      if (hit) this.background(this.open(hit));
    });
    for (const id of clickable) {
      this.map.on("mouseenter", id, () => (this.map.getCanvas().style.cursor = "pointer"));
      this.map.on("mouseleave", id, () => (this.map.getCanvas().style.cursor = this.draw.active || this.picking ? "crosshair" : ""));
    }
    byId("draw-finish").addEventListener("click", () => this.finishDrawing());
    byId("draw-cancel").addEventListener("click", () => this.sheet.close());
    byId("draw-undo").addEventListener("click", () => this.draw.removeLast());
    document.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      if (event.key === "Escape" && (this.draw.active || this.picking)) {
        this.picking = false;
        this.sheet.close();
      }
      if (!this.draw.active || !["Enter", "Backspace"].includes(event.key)) return;
      event.preventDefault(); // Enter must not also submit the form that finishing opens
      if (event.key === "Enter") this.finishDrawing();
      else this.draw.removeLast();
    });
    byId("signout").addEventListener("click", async () => {
      this.stream.stop();
      await this.api.signOut().catch(() => undefined);
      location.reload();
    });
  }

  private async open(feature: MapGeoJSONFeature): Promise<void> {
    const layer = feature.layer.id;
    const properties = feature.properties ?? {};
    if (layer === "incident-clusters") {
      const source = this.map.getSource("incidents") as GeoJSONSource;
      const zoom = await source.getClusterExpansionZoom(Number(properties.cluster_id));
      this.map.easeTo({ center: pointOf(feature), zoom });
      return;
    }
    if (layer === "incident-tiles-cells") {
      this.map.easeTo({ center: pointOf(feature), zoom: 8.5 });
      return;
    }
    if (layer === "alerts" || layer === "alerts-lesser") {
      const alert = this.book.get(Number(feature.id));
      if (alert) this.selectAlert(alert);
      return;
    }
    const id = Number(feature.id ?? properties.id);
    if (layer === "camps-fill") await this.sheet.openRecord("camps", id);
    else if (layer.startsWith("routes-")) await this.sheet.openRecord("routes", id);
    else await this.sheet.openIncident(id);
  }

  /** Opens a camp's or route's details, as a click on it does. */
  openRecord(layer: "camps" | "routes", id: number): Promise<void> {
    return this.sheet.openRecord(layer, id);
  }

  /** Shows an alert: its incident in the sheet, then the map flies there (after the sheet
   * has narrowed the map, so the flight is not cut short by the resize). */
  /** A CAP message's <web> link (`/?alert=ID`) opens that alert, when the reader sees it. */
  private openLinkedAlert(alerts: Alert[]): void {
    const wanted = Number(new URLSearchParams(location.search).get("alert"));
    const linked = alerts.find((alert) => alert.id === wanted);
    if (linked) this.selectAlert(linked);
  }

  private selectAlert(alert: Alert): void {
    const incident = alert.properties.incident_id ?? alert.properties.incident_ids?.[0];
    const opened = incident ? this.sheet.openIncident(incident) : Promise.resolve();
    this.background(
      opened.finally(() =>
        requestAnimationFrame(() => {
          this.map.resize();
          this.map.flyTo({ center: alert.geometry.coordinates as [number, number], zoom: Math.max(this.map.getZoom(), 11), duration: 800 });
        }),
      ),
    );
  }

  private pickPoint(): void {
    this.sheet.close();
    this.picking = true;
    this.map.getCanvas().style.cursor = "crosshair";
    byId("announcer").textContent = "Click the map where the incident happened. Escape cancels.";
  }

  private startDrawing(kind: DrawKind, initial: Position[], done: (geometry: Geometry) => void): void {
    this.drawDone = done;
    this.draw.start(kind, initial, () => {
      byId("draw-hint").textContent = `${this.draw.vertices.length} vertices — click to add, drag to move`;
    });
    byId("draw-bar").hidden = false;
  }

  private finishDrawing(): void {
    const geometry = this.draw.geometry();
    if (!geometry) {
      byId("draw-hint").textContent = this.draw.kind === "Polygon" ? "A perimeter needs at least 3 vertices" : "A route needs at least 2 vertices";
      return;
    }
    byId("draw-bar").hidden = true;
    this.drawDone?.(geometry);
  }

  private stopDrawing(): void {
    this.draw?.stop();
    this.drawDone = null;
    byId("draw-bar").hidden = true;
  }

  /**
   * Work started by a click or an event. A 401 has already sent the user to sign-in;
   * anything else is said in the status line rather than lost.
   */
  private background(work: Promise<unknown>): void {
    work.then(() => (byId("status-line").textContent = ""), (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) return;
      const text = error instanceof Error ? error.message : "Something went wrong.";
      byId("announcer").textContent = text;
      byId("status-line").textContent = text;
    });
  }

  // ---- view ----------------------------------------------------------------------------

  private viewChanged(reloadData: boolean): void {
    this.writeUrl();
    this.applyLayerVisibility();
    if (reloadData) this.background(this.reload("incidents"));
  }

  private applyLayerVisibility(): void {
    for (const name of LAYER_NAMES) setGroupVisible(this.map, name, !this.view.hidden.includes(name));
    for (const marker of this.markers.values()) marker.getElement().hidden = this.view.hidden.includes("alerts");
  }

  private writeUrl(): void {
    history.replaceState(null, "", `${location.pathname}${toQuery(this.view)}`);
  }

  private fitToData(): void {
    const bounds = new maplibregl.LngLatBounds();
    for (const source of ["camps", "routes"]) {
      const data = (this.map.getSource(source) as GeoJSONSource | undefined)?.serialize().data;
      if (data && typeof data === "object" && "features" in data) {
        for (const feature of (data as FeatureCollection).features) extend(bounds, feature.geometry);
      }
    }
    for (const feature of this.incidents.features) extend(bounds, feature.geometry);
    if (!bounds.isEmpty()) this.map.fitBounds(bounds as LngLatBoundsLike, { padding: 40, duration: 0, maxZoom: 12 });
  }

  /** The highest classification of anything on screen: map features, panel and sheet. */
  onScreen(): Classification {
    const layers = DATA_LAYERS.filter((id) => this.map.getLayer(id) && this.map.getLayoutProperty(id, "visibility") !== "none");
    const found: unknown[] = this.map.queryRenderedFeatures({ layers }).map((f) =>
      f.properties?.cls_rank !== undefined ? fromRank(Number(f.properties.cls_rank)) : f.properties?.classification,
    );
    found.push(...this.panel.shown().slice(0, 300).map((a) => a.properties.classification), ...this.sheetLevels);
    return highest(found);
  }

  private updateBanner(): void {
    const level = this.onScreen();
    for (const id of ["banner-top", "banner-bottom"]) {
      const banner = byId(id);
      if (banner.dataset.level !== level) {
        banner.dataset.level = level;
        banner.textContent = marking(level);
      }
    }
  }

}

function pointOf(feature: MapGeoJSONFeature): [number, number] {
  const geometry = feature.geometry;
  return geometry.type === "Point" ? [geometry.coordinates[0], geometry.coordinates[1]] : [0, 0];
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function extend(bounds: maplibregl.LngLatBounds, geometry: Geometry | null): void {
  if (!geometry) return;
  const walk = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === "number") bounds.extend([value[0], value[1] as number]);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  if ("coordinates" in geometry) walk(geometry.coordinates);
}
