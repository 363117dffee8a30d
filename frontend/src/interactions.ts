// What the pointer and the keyboard do on the map: open what is clicked, pick a point
// for a new incident, draw a route or perimeter, and the cursor that says which.

import type { Geometry, Position } from "geojson";
import * as maplibregl from "maplibre-gl";
import type { GeoJSONSource, Map as MapLibreMap, MapGeoJSONFeature } from "maplibre-gl";
import type { Alert, AlertBook } from "./alerts";
import { formatPosition } from "./coordinates";
import { byId } from "./dom";
import { DrawTool, round, type DrawKind } from "./map/draw";
import { CLICK_TARGETS } from "./map/layers";
import { formatArea, formatLength, lineLength, polygonArea } from "./map/measure";
import { popover } from "./menus";
import { t } from "./i18n";
import type { Pin, Sheet } from "./sheet";

export interface InteractionContext {
  map: MapLibreMap;
  sheet: () => Sheet;
  book: AlertBook;
  selectAlert: (alert: Alert) => void;
  /** Work started by a click: its failure is said, not lost. */
  background: (work: Promise<unknown>) => void;
}

export class MapInteractions {
  readonly draw: DrawTool;
  private picking = false;
  private measuring = false;
  private drawDone: ((geometry: Geometry) => void) | null = null;

  constructor(private readonly context: InteractionContext) {
    const map = context.map;
    this.draw = new DrawTool(map);
    const coords = byId("coords");
    map.on("mousemove", (event) => {
      coords.textContent = formatPosition([event.lngLat.lng, event.lngLat.lat]);
    });
    map.on("click", (event) => {
      if (this.draw.active) return;
      if (this.picking) {
        this.stopPicking();
        context.sheet().newIncident([round(event.lngLat.lng), round(event.lngLat.lat)]);
        return;
      }
      const layers = Object.keys(CLICK_TARGETS).filter((id) => map.getLayer(id));
      const [hit] = map.queryRenderedFeatures(event.point, { layers });
      if (hit) context.background(this.open(hit));
    });
    for (const id of Object.keys(CLICK_TARGETS)) {
      map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", id, () => (map.getCanvas().style.cursor = this.draw.active || this.picking ? "crosshair" : ""));
    }
    byId("pick-cancel").addEventListener("click", () => this.stopPicking());
    byId("pick-type").addEventListener("click", () => {
      this.stopPicking();
      const centre = map.getCenter();
      context.sheet().newIncident([round(centre.lng), round(centre.lat)]);
      byId<HTMLInputElement>("incident-form-latitude").focus();
    });
    byId("draw-finish").addEventListener("click", () => this.finishDrawing());
    byId("draw-cancel").addEventListener("click", () => (this.measuring ? this.stopDrawing() : context.sheet().close()));
    byId("measure-distance").addEventListener("click", () => this.startMeasuring("LineString"));
    byId("measure-area").addEventListener("click", () => this.startMeasuring("Polygon"));
    popover(byId<HTMLButtonElement>("measure-button"), byId("measure-menu"), true);
    byId("draw-undo").addEventListener("click", () => this.draw.removeLast());
    document.addEventListener("keydown", (event) => this.key(event));
  }

  /** The next click on the map places a new incident; a bar says so, and offers to type
   * the coordinates instead (the form opens with a pin at the map's centre). */
  pickPoint(): void {
    this.context.sheet().close();
    this.picking = true;
    this.context.map.getCanvas().style.cursor = "crosshair";
    byId("pick-bar").hidden = false;
    byId("announcer").textContent = t("Click the map where the incident happened. Escape cancels.");
  }

  private stopPicking(): void {
    this.picking = false;
    this.context.map.getCanvas().style.cursor = "";
    byId("pick-bar").hidden = true;
  }

  startDrawing(kind: DrawKind, initial: Position[], done: (geometry: Geometry) => void): void {
    this.drawDone = done;
    this.measuring = false;
    this.draw.start(kind, initial, () => {
      const size = this.draw.vertices.length > 1 ? ` · ${measured(kind, this.draw.vertices)}` : "";
      byId("draw-hint").textContent = t("{n} vertices{size} — click to add, drag to move", { n: this.draw.vertices.length, size });
    });
    this.showDrawBar(false);
  }

  /** Measure a distance (a line) or an area (a polygon): nothing is saved. */
  startMeasuring(kind: DrawKind): void {
    this.context.sheet().close();
    this.drawDone = null;
    this.measuring = true;
    this.draw.start(kind, [], () => {
      byId("draw-hint").textContent = this.draw.vertices.length < (kind === "Polygon" ? 3 : 2)
        ? (kind === "Polygon" ? t("Click the map to outline the area") : t("Click the map to measure a distance"))
        : measured(kind, this.draw.vertices);
    });
    this.showDrawBar(true);
  }

  private showDrawBar(measuring: boolean): void {
    byId("draw-finish").hidden = measuring;
    byId("draw-cancel").textContent = measuring ? t("Done") : t("Cancel");
    byId("draw-bar").setAttribute("aria-label", measuring ? t("Measuring") : t("Drawing"));
    byId("draw-bar").hidden = false;
  }

  /** A draggable pin for an incident's position (new or edited). */
  placePin(position: Position, moved: (position: Position) => void): Pin {
    const marker = new maplibregl.Marker({ draggable: true, color: "#0b5cad" })
      .setLngLat(position as [number, number])
      .addTo(this.context.map);
    const element = marker.getElement();
    element.dataset.pin = "incident";
    element.setAttribute("aria-label", t("Incident position: drag to move"));
    // Where MapLibre holds the pin, for whoever reads the page (tests, assistive tools).
    const said = () => {
      const at = marker.getLngLat();
      element.dataset.lnglat = `${round(at.lng)},${round(at.lat)}`;
      return at;
    };
    said();
    marker.on("dragend", () => {
      const at = said();
      moved([round(at.lng), round(at.lat)]);
    });
    return {
      move: (to) => {
        marker.setLngLat(to as [number, number]);
        said();
      },
      remove: () => marker.remove(),
    };
  }

  stopDrawing(): void {
    this.measuring = false;
    this.draw.stop();
    this.drawDone = null;
    byId("draw-bar").hidden = true;
  }

  private finishDrawing(): void {
    if (this.measuring) return;
    const geometry = this.draw.geometry();
    if (!geometry) {
      byId("draw-hint").textContent = this.draw.kind === "Polygon" ? t("A perimeter needs at least 3 vertices") : t("A route needs at least 2 vertices");
      return;
    }
    byId("draw-bar").hidden = true;
    this.drawDone?.(geometry);
  }

  private key(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (event.key === "Escape" && this.measuring) {
      this.stopDrawing();
      return;
    }
    if (event.key === "Escape" && (this.draw.active || this.picking)) {
      this.stopPicking();
      this.context.sheet().close();
    }
    if (!this.draw.active || !["Enter", "Backspace"].includes(event.key)) return;
    event.preventDefault(); // Enter must not also submit the form that finishing opens
    if (event.key === "Enter") this.finishDrawing();
    else this.draw.removeLast();
  }

  private async open(feature: MapGeoJSONFeature): Promise<void> {
    const map = this.context.map;
    const properties = feature.properties ?? {};
    const id = Number(feature.id ?? properties.id);
    switch (CLICK_TARGETS[feature.layer.id]) {
      case "cluster": {
        const source = map.getSource("incidents") as GeoJSONSource;
        const zoom = await source.getClusterExpansionZoom(Number(properties.cluster_id));
        map.easeTo({ center: pointOf(feature), zoom });
        return;
      }
      case "cell":
        map.easeTo({ center: pointOf(feature), zoom: 8.5 });
        return;
      case "alert": {
        const alert = this.context.book.get(Number(feature.id));
        if (alert) this.context.selectAlert(alert);
        return;
      }
      case "camp":
        return this.context.sheet().openRecord("camps", id);
      case "route":
        return this.context.sheet().openRecord("routes", id);
      case "incident":
        return this.context.sheet().openIncident(id);
    }
  }
}

function pointOf(feature: MapGeoJSONFeature): [number, number] {
  const geometry = feature.geometry;
  return geometry.type === "Point" ? [geometry.coordinates[0], geometry.coordinates[1]] : [0, 0];
}


/** A line's length, or a polygon's area and perimeter, in words. */
function measured(kind: DrawKind, vertices: Position[]): string {
  if (kind === "LineString") return formatLength(lineLength(vertices));
  return t("{area} · perimeter {length}", { area: formatArea(polygonArea(vertices)), length: formatLength(lineLength([...vertices, vertices[0]])) });
}
