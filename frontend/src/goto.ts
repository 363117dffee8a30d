// Go to a place: the places file's names, camps and routes by name, or coordinates in
// any notation (decimal degrees, DMS, MGRS); the map flies there.

import type { Feature, FeatureCollection, Geometry, Position } from "geojson";
import type { GeoJSONSource, LngLatBoundsLike, Map as MapLibreMap } from "maplibre-gl";
import { formatPosition, parsePosition } from "./coordinates";
import { byId, h } from "./dom";
import { placeUnder } from "./menus";
import { label } from "./format";
import { t } from "./i18n";

export interface Destination {
  label: string;
  kind: string;
  centre: Position;
  bounds: [number, number, number, number] | null;
}

const MAX_RESULTS = 8;

/** West, south, east, north of a geometry's positions; null when it has none. */
export function boundsOf(geometry: Geometry): [number, number, number, number] | null {
  const points: number[][] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === "number") points.push(value as number[]);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  if ("coordinates" in geometry) walk(geometry.coordinates);
  if (!points.length) return null;
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

/** Destinations whose name contains the text (names starting with it first), or the
 * position the text means. */
export function destinations(text: string, named: { kind: string; features: Feature[] }[]): Destination[] {
  const query = text.trim().toLowerCase();
  if (!query) return [];
  const position = parsePosition(text);
  if (position) return [{ label: formatPosition(position), kind: "position", centre: position, bounds: null }];
  const found: (Destination & { rank: number })[] = [];
  for (const { kind, features } of named) {
    for (const feature of features) {
      const name = String(feature.properties?.name ?? "");
      const at = name.toLowerCase().indexOf(query);
      if (at < 0 || !feature.geometry) continue;
      const bounds = boundsOf(feature.geometry);
      if (!bounds) continue;
      const centre: Position = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2];
      found.push({ label: name, kind, centre, bounds: feature.geometry.type === "Point" ? null : bounds, rank: at === 0 ? 0 : 1 });
    }
  }
  found.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label));
  return found.slice(0, MAX_RESULTS).map(({ rank: _, ...destination }) => destination);
}

export class GoTo {
  private readonly input = byId<HTMLInputElement>("goto");
  private readonly list = byId<HTMLUListElement>("goto-results");
  private shown: Destination[] = [];

  constructor(private readonly map: MapLibreMap, private readonly places: FeatureCollection) {
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && this.shown.length) {
        event.preventDefault();
        this.go(this.shown[0]);
      }
      if (event.key === "Escape") this.hide();
    });
    document.addEventListener("pointerdown", (event) => {
      if (!this.list.contains(event.target as Node) && event.target !== this.input) this.hide();
    });
  }

  private named(): { kind: string; features: Feature[] }[] {
    const features = (source: string): Feature[] => {
      const data = (this.map.getSource(source) as GeoJSONSource | undefined)?.serialize().data;
      return data && typeof data === "object" && "features" in data ? (data as FeatureCollection).features : [];
    };
    return [
      { kind: "place", features: this.places.features },
      { kind: "camp", features: features("camps") },
      { kind: "route", features: features("routes") },
    ];
  }

  private search(): void {
    this.shown = destinations(this.input.value, this.named());
    this.list.replaceChildren(...this.shown.map((destination) => {
      const item = h("button", { type: "button", class: "menu-item" }, h("span", { translate: "no" }, destination.label),
        h("span", { class: "small" }, ` · ${label(destination.kind).toLowerCase()}`));
      item.addEventListener("click", () => this.go(destination));
      return h("li", {}, item);
    }));
    if (!this.shown.length && this.input.value.trim()) {
      this.list.append(h("li", { class: "small empty" }, t("No place, camp or route of that name, and not a position.")));
    }
    placeUnder(this.input, this.list);
    this.list.hidden = !this.input.value.trim();
  }

  private go(destination: Destination): void {
    this.hide();
    this.input.value = destination.label;
    if (destination.bounds) {
      this.map.fitBounds(destination.bounds as LngLatBoundsLike, { padding: 60, maxZoom: 14, duration: 600 });
    } else {
      this.map.flyTo({ center: destination.centre as [number, number], zoom: Math.max(this.map.getZoom(), 12), duration: 600 });
    }
  }

  private hide(): void {
    this.list.hidden = true;
  }
}
