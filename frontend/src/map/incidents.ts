// The incident layer: the window's incidents as clustered GeoJSON, or as vector tiles
// when the set is too large to send whole, cut at the playback instant.

import type { FeatureCollection } from "geojson";
import type { Map as MapLibreMap } from "maplibre-gl";
import type { Api } from "../api";
import { incidentFilters, timeRange, type ViewState } from "../view";
import { EMPTY, setData, useIncidentTiles, withRank } from "./layers";

/** Above this many incidents in the window, they come as vector tiles instead of GeoJSON. */
export const GEOJSON_LIMIT = 5000;

/** A list response: a FeatureCollection with paging links. */
export type ListPage = FeatureCollection & { links?: { rel: string; href: string }[] };

export class IncidentLayer {
  /** The incidents of the window (empty while tiles are drawn). */
  collection: FeatureCollection = EMPTY;
  private tiles = false;
  /** The playback instant, or null for the whole window. */
  until: Date | null = null;

  constructor(
    private readonly map: () => MapLibreMap | undefined,
    private readonly api: Api,
    private readonly view: ViewState,
  ) {}

  /** The first page of the window's incidents: a next link means "too many, use tiles". */
  fetch(): Promise<ListPage> {
    const params = incidentFilters(this.view, timeRange(this.view.window));
    params.set("limit", String(GEOJSON_LIMIT));
    return this.api.get("/incidents", params);
  }

  apply(data: ListPage): void {
    const map = this.map();
    if (!map) return;
    this.tiles = (data.links ?? []).some((link) => link.rel === "next");
    this.collection = this.tiles ? EMPTY : withRank(data);
    useIncidentTiles(map, this.tiles ? this.tileJsonUrl() : null);
    this.show();
  }

  /** Takes an incident off the map at once (a deletion, or reclassified above the reader). */
  remove(id: number): void {
    this.collection = { ...this.collection, features: this.collection.features.filter((f) => f.id !== id) };
    this.show();
  }

  /** Show the window up to `instant` (null: all of it). */
  playback(instant: Date | null): void {
    this.until = instant;
    const map = this.map();
    if (!map) return;
    if (this.tiles) useIncidentTiles(map, this.tileJsonUrl());
    else this.show();
  }

  /** How many incidents the window holds, or null when they come as tiles (not counted here). */
  get count(): number | null {
    return this.tiles ? null : this.collection.features.length;
  }

  private tileJsonUrl(): string {
    const range = timeRange(this.view.window);
    return this.api.url("/tiles/incidents.json", incidentFilters(this.view, { start: range.start, end: this.until ?? range.end }));
  }

  private show(): void {
    const map = this.map();
    if (this.tiles || !map) return;
    const until = this.until;
    const shown = until === null ? this.collection : {
      ...this.collection,
      features: this.collection.features.filter((f) => new Date(String(f.properties?.occurred_at)) <= until),
    };
    setData(map, "incidents", shown);
  }
}
