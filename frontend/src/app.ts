// The analyst's map: wires the map, the data, the live stream, the panel, the toolbar
// and the side sheet together, and keeps the URL in step with the view. Each tool lives
// in a module of its own (map/incidents, map/pulses, interactions, exports, banner).

import type { FeatureCollection, Geometry } from "geojson";
import * as maplibregl from "maplibre-gl";
import { type GeoJSONSource, type LngLatBoundsLike, type Map as MapLibreMap } from "maplibre-gl";
import { AlertBook, alertsOnMap, type Alert } from "./alerts";
import { Api, ApiError, type SessionInfo } from "./api";
import { ClassificationBanner } from "./banner";
import { highest, marking } from "./classification";
import { byId, h } from "./dom";
import { notation, setNotation, type Notation } from "./coordinates";
import { exportFilters, exportLinks } from "./exports";
import { GoTo, boundsOf } from "./goto";
import { setTimeConvention, type TimeConvention } from "./format";
import { popover } from "./menus";
import { MapInteractions } from "./interactions";
import { NO_EARTH, basemapStyle, loadNaturalEarth, loadNaturalEarthDetail, showNaturalEarth, type OnlineBasemap } from "./map/basemap";
import { addCategoryIcons } from "./map/icons";
import type { ArchiveBasemap } from "./map/pmtiles";
import { IncidentLayer, type ListPage } from "./map/incidents";
import {
  EMPTY, addMissionLayers, removeFeature, setCoverageVisible, setData, setDensityVisible, setGroupVisible, withRank,
} from "./map/layers";
import { CriticalPulses } from "./map/pulses";
import { AlertPanel } from "./panel";
import { Sheet, type Role } from "./sheet";
import { AlertStream, type Envelope, type LayerChange } from "./stream";
import { type Task, TaskBook } from "./tasks";
import { applyTheme, themeSwitch } from "./theme";
import { IncidentTable } from "./table";
import { RulesScreen } from "./rules";
import { Toolbar } from "./toolbar";
import { DEFAULT_VIEW, LAYER_NAMES, fromQuery, timeRange, toQuery, type ViewState } from "./view";
import { ViewSummary, windowWords } from "./summary";
import { briefingCanvas, briefingPdf } from "./briefing";
import { LANGUAGES, language, setLanguage, t, type Language } from "./i18n";
import { label } from "./format";

type Layer = "zones" | "camps" | "routes" | "roads" | "facilities" | "units" | "incidents";
const LAYERS: Layer[] = ["zones", "camps", "routes", "roads", "facilities", "units", "incidents"];
/** The map layer each record layer of the event stream reloads (and the alert zones, for
 * the rule targets). */
const COVERAGE_RINGS: [number, number][] = [[2, 120], [2, 60], [1, 10]]; // widest first, drawn under
const LAYER_OF: Record<LayerChange["layer"], Layer[]> = {
  incident: ["incidents"], camp: ["camps", "zones"], route: ["routes", "zones"],
  road: ["roads"], facility: ["facilities"], unit: ["units"],
};

interface MapConfig {
  basemap: OnlineBasemap | null;
  archive: ArchiveBasemap | null;
  places: FeatureCollection;
}

export class MissionMap {
  readonly view: ViewState = fromQuery(location.search);
  readonly book = new AlertBook();
  readonly tasks = new TaskBook();
  /** Event ids in the order the stream delivered them (each at most once). */
  readonly delivered: number[] = [];
  map!: MapLibreMap;
  private session: SessionInfo | null = null;
  private stream!: AlertStream<Alert | LayerChange>;
  private panel!: AlertPanel;
  private sheet!: Sheet;
  private interactions!: MapInteractions;
  private pulses!: CriticalPulses;
  private readonly incidents: IncidentLayer;
  private readonly banner: ClassificationBanner;
  private summary!: ViewSummary;
  private table: IncidentTable | null = null;
  private sheetLevels: string[] = [];
  private readonly refreshTimers = new Map<Layer, number>();
  /** The coverage rings were asked for (again after a facility or road changed). */
  private coverageLoaded = false;
  readonly ready: Promise<void>;

  constructor(readonly api: Api, session: SessionInfo) {
    this.session = session;
    this.incidents = new IncidentLayer(() => this.map, api, this.view);
    this.banner = new ClassificationBanner({
      map: () => this.map,
      besideMap: () => [
        ...this.panel.shown().slice(0, 300).map((a) => a.properties.classification),
        ...this.sheetLevels,
        ...(this.table?.shownLevels() ?? []),
      ],
    });
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
    const tasks = this.api.get<{ tasks: Task[] }>("/tasks", new URLSearchParams({ limit: "1000" }));
    const config = await this.api.get<MapConfig>("/map");
    this.map = new maplibregl.Map({
      container: "map",
      style: basemapStyle(NO_EARTH, config.places, config.basemap, config.archive),
      center: this.view.center ?? [29.3, 0.2],
      zoom: this.view.zoom ?? 6,
      attributionControl: { compact: true },
      canvasContextAttributes: { preserveDrawingBuffer: true },
      locale: mapLocale(),
    });
    this.map.addControl(new maplibregl.NavigationControl(), "top-left");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 140 }), "bottom-left");
    await new Promise<void>((resolve) => this.map.once("load", () => resolve()));
    applyTheme(this.map);
    themeSwitch(byId<HTMLSelectElement>("theme"), () => this.map);
    addCategoryIcons(this.map);
    addMissionLayers(this.map);
    this.pulses = new CriticalPulses(this.map);
    this.interactions = new MapInteractions({
      map: this.map,
      sheet: () => this.sheet,
      book: this.book,
      selectAlert: (alert) => this.selectAlert(alert),
      background: (work) => this.background(work),
    });
    this.sheet = new Sheet({
      api: this.api,
      role: () => this.role,
      alertsFor: async (id) => {
        const params = new URLSearchParams({ incident: String(id), limit: "100" });
        return (await this.api.get<{ features: Alert[] }>("/alerts", params)).features;
      },
      onSaved: (layer) => {
        this.background(this.reload(layer));
        if (layer !== "incidents") this.background(this.reload("zones"));
      },
      startDrawing: (kind, initial, done) => this.interactions.startDrawing(kind, initial, done),
      stopDrawing: () => this.interactions.stopDrawing(),
      currentGeometry: () => this.interactions.draw.geometry(),
      placePin: (position, moved) => this.interactions.placePin(position, moved),
      showRoutes: (routes) => setData(this.map, "casevac", routes ?? EMPTY),
      onShown: (levels) => {
        this.sheetLevels = levels;
        this.banner.update();
      },
    });
    this.panel = new AlertPanel({
      api: this.api,
      book: this.book,
      tasks: this.tasks,
      canAct: () => this.role !== "viewer",
      onSelect: (alert) => this.selectAlert(alert),
      onChanged: () => this.alertsChanged(),
      filters: () => ({ levels: this.view.alertLevels, statuses: this.view.alertStatuses, order: this.view.alertOrder }),
      onFilters: (levels, statuses, order) => {
        this.view.alertLevels = levels;
        this.view.alertStatuses = statuses;
        this.view.alertOrder = order;
        this.writeUrl();
        this.alertsChanged();
      },
      onResize: () => requestAnimationFrame(() => this.map.resize()),
    });
    this.summary = new ViewSummary(this.view, () => this.clearFilters());
    const toolbar = new Toolbar({
      view: this.view,
      onViewChange: (reload) => this.viewChanged(reload),
      onPlayback: (instant) => {
        this.incidents.playback(instant);
        this.alertsChanged();
      },
    });
    popover(byId<HTMLButtonElement>("user-button"), byId("user-menu"));
    new GoTo(this.map, config.places);
    this.table = new IncidentTable({
      api: this.api,
      view: this.view,
      incidents: () => (this.incidents.count === null ? null : this.incidents.collection),
      onSelect: (id, at) => this.showIncident(id, at, 12, 600),
      onShown: () => this.banner.update(),
    });
    const notationSelect = byId<HTMLSelectElement>("notation");
    notationSelect.value = notation();
    notationSelect.addEventListener("change", () => {
      setNotation(notationSelect.value as Notation);
      this.background(this.sheet.refresh());
    });
    byId<HTMLSelectElement>("time-convention").addEventListener("change", (event) => {
      setTimeConvention((event.target as HTMLSelectElement).value as TimeConvention);
      toolbar.refreshTimes();
      this.panel.render();
      this.background(this.sheet.refresh());
    });
    const languageSelect = byId<HTMLSelectElement>("language");
    languageSelect.replaceChildren(...Object.entries(LANGUAGES).map(([value, name]) => h("option", { value, translate: "no" }, name)));
    languageSelect.value = language();
    // The page starts again in the new language, where it was (the address holds the view).
    languageSelect.addEventListener("change", () => {
      setLanguage(languageSelect.value as Language);
      location.reload();
    });
    this.roleTools();
    byId("rules-open").addEventListener("click", () => this.background(this.openRules()));
    byId("signout").addEventListener("click", async () => {
      this.stream.stop();
      await this.api.signOut().catch(() => undefined);
      location.reload();
    });
    this.applyLayerVisibility();
    await Promise.all([
      ...LAYERS.map(async (layer, i) => this.applyLayer(layer, await data[i])),
      tasks.then((page) => this.tasks.load(page.tasks)),
      alerts.then((page) => this.showAlerts(page.features)),
      earth.then((loaded) => showNaturalEarth(this.map, loaded)),
    ]);
    // The 1:10m lakes and borders follow, without holding the map back.
    this.background(loadNaturalEarthDetail().then((detail) => showNaturalEarth(this.map, detail)));
    if (this.view.center === null) this.fitToData();
    this.openLinkedAlert((await alerts).features);
    this.startStream();
    // The banner follows what is drawn: after each settled render, and when the panel
    // or the sheet changes (they are not part of the map).
    this.map.on("idle", () => this.banner.update());
    this.banner.update();
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
    this.background(Promise.all([...LAYERS.map((layer) => this.reload(layer)), this.loadAlerts()]));
  }

  private roleTools(): void {
    const clearance = highest([this.session?.clearance]);
    byId("user-button").textContent = `${this.session?.username ?? ""} ▾`;
    byId("who").replaceChildren(h("span", { translate: "no" }, this.session?.username ?? ""), ` · ${label(this.role).toLowerCase()} · `,
      t("cleared {marking}", { marking: marking(clearance) }));
    const tools: [string, string, () => void][] = [];
    if (this.role !== "viewer") {
      tools.push(["add-incident", t("Incident (click the map)"), () => this.interactions.pickPoint()]);
      tools.push(["add-route", t("Convoy route (draw)"), () => this.sheet.newRoute()]);
    }
    if (this.role === "admin") tools.push(["add-camp", t("Camp perimeter (draw)"), () => this.sheet.newCamp()]);
    byId("add-menu").replaceChildren(...tools.map(([id, text, act]) => {
      const item = h("button", { type: "button", id, class: "menu-item" }, text);
      item.addEventListener("click", act);
      return item;
    }));
    this.rulesTool();
    const briefings = (["png", "pdf"] as const).map((format) => {
      const item = h("button", { type: "button", id: `briefing-${format}`, class: "menu-item" }, t("Briefing of this view: {format}", { format: format.toUpperCase() }));
      item.addEventListener("click", () => this.background(this.briefing(format)));
      return item;
    });
    byId("export-menu").replaceChildren(...briefings, ...(this.role !== "viewer" ? exportLinks(this.api, () => this.exportFilters()) : []));
    const menus: [string, string, string, boolean][] = [
      ["add-button", "add-menu", t("Add ▾"), tools.length > 0],
      ["export-button", "export-menu", t("Export ▾"), true],
    ];
    for (const [id, menu, text, shown] of menus) {
      const holder = byId(id === "add-button" ? "edit-tools" : "export-tools");
      if (!shown) {
        holder.replaceChildren();
        continue;
      }
      if (holder.querySelector(`#${id}`)) continue;
      const button = h("button", { type: "button", id, "aria-controls": menu }, text);
      holder.replaceChildren(button);
      popover(button, byId(menu), true);
    }
  }

  /** Admins see and change the rules from the user menu. */
  private rulesTool(): void {
    byId("rules-open").hidden = this.role !== "admin";
  }

  /** Opens the rules screen in the side sheet (admins). */
  openRules(): Promise<void> {
    const screen = new RulesScreen({
      api: this.api,
      show: (title, ...content) => this.sheet.showTool(title, ...content),
      showForm: (form) => this.sheet.showForm(form),
      onSaved: () => this.background(Promise.all([this.reload("zones"), this.loadAlerts()])),
    });
    return screen.open();
  }

  /** The current view as a briefing snapshot (PNG or one-page PDF), downloaded. */
  async briefing(format: "png" | "pdf"): Promise<void> {
    this.map.triggerRepaint();
    await new Promise<void>((resolve) => this.map.once("render", () => resolve()));
    const generated = new Date();
    const level = this.banner.onScreen();
    const canvas = briefingCanvas(this.map, {
      level, window: windowWords(this.view), user: this.session?.username ?? "", generated,
    });
    const stamp = generated.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
    let blob: Blob;
    if (format === "png") {
      blob = await canvasBlob(canvas, "image/png");
    } else {
      const jpeg = await canvasBlob(canvas, "image/jpeg", 0.92);
      const ratio = canvas.width / Math.max(1, this.map.getCanvas().clientWidth);
      blob = briefingPdf(new Uint8Array(await jpeg.arrayBuffer()), canvas.width, canvas.height, canvas.width / ratio, canvas.height / ratio, level);
    }
    const link = h("a", { href: URL.createObjectURL(blob), download: `bluewatch-briefing-${stamp}Z.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  /** The filters of the current view, with the map's bounds, for exports. */
  exportFilters(): URLSearchParams {
    return exportFilters(this.view, this.map);
  }

  // ---- data ----------------------------------------------------------------------------

  reload(layer: Layer): Promise<void> {
    return this.fetchLayer(layer).then((data) => this.applyLayer(layer, data));
  }

  private fetchLayer(layer: Layer): Promise<ListPage> {
    if (layer === "incidents") return this.incidents.fetch();
    if (layer === "zones") return this.api.get("/map/zones");
    return this.api.get(`/${layer}`, new URLSearchParams({ limit: "10000" }));
  }

  private applyLayer(layer: Layer, data: ListPage): void {
    if (layer === "incidents") {
      this.incidents.apply(data);
      this.applyLayerVisibility();
      this.summary.update(this.incidents.count, this.incidents.until);
      this.table?.render();
    } else {
      setData(this.map, layer, layer === "zones" ? data : withRank(data));
    }
  }

  /** The 10-1-2 rings: any facility within 10 minutes, level 2 within 60 and 120. */
  private async loadCoverage(): Promise<void> {
    this.coverageLoaded = true;
    const rings = await Promise.all(COVERAGE_RINGS.map(([level, minutes]) =>
      this.api.get<FeatureCollection>("/coverage", new URLSearchParams({ level: String(level), minutes: String(minutes) }))));
    const features = rings.flatMap((ring) => ring.features.filter((f) => f.geometry !== null));
    setData(this.map, "coverage", { type: "FeatureCollection", features });
  }

  private async loadAlerts(): Promise<void> {
    const [page, tasks] = await Promise.all([
      this.api.get<{ features: Alert[] }>("/alerts", new URLSearchParams({ limit: "1000" })),
      this.api.get<{ tasks: Task[] }>("/tasks", new URLSearchParams({ limit: "1000" })),
    ]);
    this.tasks.load(tasks.tasks);
    this.showAlerts(page.features);
  }

  private showAlerts(features: Alert[]): void {
    this.book.load(features);
    this.alertsChanged();
  }

  /** The panel and the map's alerts follow the book, the panel's filters, the window and playback. */
  private alertsChanged(): void {
    this.panel.render();
    const shown = alertsOnMap(this.book, this.view.alertLevels, this.view.alertStatuses, timeRange(this.view.window), this.incidents.until);
    setData(this.map, "alerts", withRank({ type: "FeatureCollection", features: shown }));
    this.pulses.update(shown);
    this.summary.update(this.incidents.count, this.incidents.until);
    this.banner.update();
  }

  /** Back to the default filters, keeping the window, the position and the alert order
   * (the page starts again from that address, so every control shows it). */
  private clearFilters(): void {
    Object.assign(this.view, {
      categories: [], severityMin: DEFAULT_VIEW.severityMin, statuses: [], hidden: [],
      alertLevels: [], alertStatuses: [...DEFAULT_VIEW.alertStatuses],
    });
    location.replace(`${location.pathname}${toQuery(this.view)}`);
  }

  private startStream(): void {
    this.stream = new AlertStream<Alert | LayerChange>({
      url: this.api.url("/alerts/stream", new URLSearchParams({ layers: "true" })),
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

  private received(envelope: Envelope<Alert | LayerChange>): void {
    this.delivered.push(envelope.id);
    if (envelope.type.startsWith("task.")) {
      if (this.tasks.keep((envelope as Envelope<unknown> as Envelope<Task>).data)) this.panel.render();
      return;
    }
    if (!envelope.type.startsWith("alert.")) {
      this.layerChanged(envelope as Envelope<LayerChange>);
      return;
    }
    const change = this.book.apply(envelope as Envelope<Alert>);
    if (!change) return;
    this.alertsChanged();
    if (change.raisedCritical) this.panel.announce(change.alert);
  }

  /** A record was created, changed or removed: a removal leaves the map at once; then
   * the layer (and, for camps and routes, the alert zones) is fetched again, at most
   * once a second per layer however many changes arrive. */
  private layerChanged(envelope: Envelope<LayerChange>): void {
    const { layer, id } = envelope.data;
    const layers = LAYER_OF[layer];
    if (layer === "road" || layer === "facility") {
      this.coverageLoaded = false;
      if (this.view.coverage) this.background(this.loadCoverage());
    }
    if (envelope.type.endsWith(".deleted") && id !== null) {
      if (layer === "incident") this.incidents.remove(id);
      else removeFeature(this.map, layers[0], id);
    }
    for (const name of layers) this.scheduleRefresh(name);
  }

  private scheduleRefresh(layer: Layer): void {
    if (this.refreshTimers.has(layer)) return;
    this.refreshTimers.set(layer, window.setTimeout(() => {
      this.refreshTimers.delete(layer);
      this.background(this.reload(layer));
    }, 1000));
  }

  // ---- selection -----------------------------------------------------------------------

  /** Opens an incident's details, as a click on it does. */
  openIncident(id: number): Promise<void> {
    return this.sheet.openIncident(id);
  }

  /** Opens a camp's or route's details, as a click on it does. */
  openRecord(layer: "camps" | "routes", id: number): Promise<void> {
    return this.sheet.openRecord(layer, id);
  }

  /** A CAP message's <web> link (`/?alert=ID`) opens that alert, when the reader sees it. */
  private openLinkedAlert(alerts: Alert[]): void {
    const wanted = Number(new URLSearchParams(location.search).get("alert"));
    const linked = alerts.find((alert) => alert.id === wanted);
    if (linked) this.selectAlert(linked);
  }

  /** Shows an alert: its incident in the sheet, then the map flies there (after the sheet
   * has narrowed the map, so the flight is not cut short by the resize). */
  private selectAlert(alert: Alert): void {
    const at = alert.geometry.coordinates as [number, number];
    if (alert.properties.incident_id !== null) {
      this.showIncident(alert.properties.incident_id, at, 11, 800);
      return;
    }
    // A surge or baseline alert: its first member's sheet (members are read in pages).
    const first = this.api.get<{ features: { id: number }[] }>(`/alerts/${alert.id}/members`, new URLSearchParams({ limit: "1" }));
    this.background(first.then((page) => this.showIncident(page.features[0]?.id ?? null, at, 11, 800)));
  }

  /** An incident's sheet (when there is one), then a flight to `at`, at least to `zoom`. */
  private showIncident(id: number | null, at: [number, number], zoom: number, duration: number): void {
    const opened = id ? this.sheet.openIncident(id) : Promise.resolve();
    this.background(
      opened.finally(() =>
        requestAnimationFrame(() => {
          this.map.resize();
          this.map.flyTo({ center: at, zoom: Math.max(this.map.getZoom(), zoom), duration });
        }),
      ),
    );
  }

  /**
   * Work started by a click or an event. A 401 has already sent the user to sign-in;
   * anything else is said in the status line rather than lost.
   */
  private background(work: Promise<unknown>): void {
    work.then(() => (byId("status-line").textContent = ""), (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) return;
      const text = error instanceof Error ? error.message : t("Something went wrong.");
      byId("announcer").textContent = text;
      byId("status-line").textContent = text;
    });
  }

  // ---- view ----------------------------------------------------------------------------

  private viewChanged(reloadData: boolean): void {
    this.writeUrl();
    this.applyLayerVisibility();
    this.alertsChanged();
    if (reloadData) this.background(this.reload("incidents"));
  }

  private applyLayerVisibility(): void {
    for (const name of LAYER_NAMES) setGroupVisible(this.map, name, !this.view.hidden.includes(name));
    setDensityVisible(this.map, this.view.density && !this.view.hidden.includes("incidents"));
    setCoverageVisible(this.map, this.view.coverage);
    if (this.view.coverage && !this.coverageLoaded) this.background(this.loadCoverage());
    this.pulses?.setHidden(this.view.hidden.includes("alerts"));
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
    for (const feature of this.incidents.collection.features) extend(bounds, feature.geometry);
    if (!bounds.isEmpty()) this.map.fitBounds(bounds as LngLatBoundsLike, { padding: 40, duration: 0, maxZoom: 12 });
  }
}

function extend(bounds: maplibregl.LngLatBounds, geometry: Geometry | null): void {
  const box = geometry ? boundsOf(geometry) : null;
  if (box) bounds.extend([[box[0], box[1]], [box[2], box[3]]]);
}

function canvasBlob(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(t("The snapshot could not be drawn.")))), type, quality));
}

/** MapLibre's own controls (zoom, compass, attribution) in the page's language. */
function mapLocale(): Record<string, string> {
  return {
    "NavigationControl.ZoomIn": t("Zoom in"),
    "NavigationControl.ZoomOut": t("Zoom out"),
    "NavigationControl.ResetBearing": t("Drag to rotate map, click to reset north"),
    "AttributionControl.ToggleAttribution": t("Toggle attribution"),
    "Marker.Title": t("Map marker"),
    "Map.Title": t("Map"),
  };
}
