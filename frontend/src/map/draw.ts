// Drawing and editing a line (route) or polygon (camp perimeter) on the map.
// Click adds a vertex, dragging a vertex moves it, Backspace removes the last,
// Enter or "Finish" ends, Escape cancels.

import type { FeatureCollection, LineString, Polygon, Position } from "geojson";
import type { Map as MapLibreMap, MapLayerMouseEvent, MapMouseEvent } from "maplibre-gl";
import { EMPTY, setData } from "./layers";

export type DrawKind = "LineString" | "Polygon";

export function draftCollection(kind: DrawKind, vertices: Position[]): FeatureCollection {
  const features: FeatureCollection["features"] = vertices.map((position, index) => ({
    type: "Feature", properties: { index }, geometry: { type: "Point", coordinates: position },
  }));
  if (vertices.length >= 2) {
    const line = kind === "Polygon" && vertices.length >= 3 ? [...vertices, vertices[0]] : vertices;
    features.unshift({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: line } });
  }
  return { type: "FeatureCollection", features };
}

/** The finished geometry, or null while there are too few vertices. */
export function draftGeometry(kind: DrawKind, vertices: Position[]): LineString | Polygon | null {
  if (kind === "LineString") {
    return vertices.length >= 2 ? { type: "LineString", coordinates: vertices.map((v) => [...v]) } : null;
  }
  if (vertices.length < 3) return null;
  return { type: "Polygon", coordinates: [[...vertices.map((v) => [...v]), [...vertices[0]]]] };
}

export class DrawTool {
  vertices: Position[] = [];
  kind: DrawKind = "LineString";
  active = false;
  private dragging: number | null = null;
  private onChange: () => void = () => {};

  constructor(private readonly map: MapLibreMap) {
    map.on("click", (event) => this.click(event));
    map.on("mousedown", "draft-vertices", (event) => this.grab(event));
    map.on("mousemove", (event) => this.drag(event));
    map.on("mouseup", () => this.release());
  }

  start(kind: DrawKind, initial: Position[] = [], onChange: () => void = () => {}): void {
    this.kind = kind;
    this.vertices = initial.map((v) => [v[0], v[1]]);
    this.active = true;
    this.onChange = onChange;
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = "crosshair";
    this.render();
  }

  geometry(): LineString | Polygon | null {
    return draftGeometry(this.kind, this.vertices);
  }

  removeLast(): void {
    this.vertices.pop();
    this.render();
  }

  stop(): void {
    this.active = false;
    this.vertices = [];
    this.dragging = null;
    this.map.doubleClickZoom.enable();
    this.map.dragPan.enable();
    this.map.getCanvas().style.cursor = "";
    setData(this.map, "draft", EMPTY);
  }

  private render(): void {
    setData(this.map, "draft", draftCollection(this.kind, this.vertices));
    this.onChange();
  }

  private click(event: MapMouseEvent): void {
    if (!this.active) return;
    const onVertex = this.map.queryRenderedFeatures(event.point, { layers: ["draft-vertices"] });
    if (onVertex.length) return; // a click on a vertex is a drag, not a new vertex
    this.vertices.push([round(event.lngLat.lng), round(event.lngLat.lat)]);
    this.render();
  }

  private grab(event: MapLayerMouseEvent): void {
    if (!this.active || !event.features?.length) return;
    event.preventDefault();
    this.dragging = Number(event.features[0].properties?.index);
    this.map.dragPan.disable();
  }

  private drag(event: MapMouseEvent): void {
    if (this.dragging === null) return;
    this.vertices[this.dragging] = [round(event.lngLat.lng), round(event.lngLat.lat)];
    this.render();
  }

  private release(): void {
    if (this.dragging === null) return;
    this.dragging = null;
    this.map.dragPan.enable();
  }
}

/** A coordinate to 6 decimals (about 0.1 m): what the map writes for a click. */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
