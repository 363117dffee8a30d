// The offline basemap: Natural Earth 1:50m land (world-atlas) with 1:10m lakes and
// country borders (scripts/natural-earth), all bundled with the page; place names from
// the operator's places file; an optional local PMTiles archive (map/pmtiles.ts) for
// street-level detail, and an optional online tile layer.

import type { FeatureCollection } from "geojson";
import type { GeoJSONSource, LayerSpecification, Map as MapLibreMap, SourceSpecification, StyleSpecification } from "maplibre-gl";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesUrl from "world-atlas/countries-50m.json?url";
import bordersUrl from "./data/ne-10m-borders.json?url";
import { archiveStyle, type ArchiveBasemap } from "./pmtiles";
import lakesUrl from "./data/ne-10m-lakes.json?url";
import { t } from "../i18n";

export interface OnlineBasemap {
  url: string;
  kind: "raster" | "vector";
  mode: "overlay" | "replace";
  attribution: string;
}

export interface NaturalEarth {
  countries: FeatureCollection;
  borders: FeatureCollection;
  lakes: FeatureCollection;
}

const NONE: FeatureCollection = { type: "FeatureCollection", features: [] };
/** The style starts without Natural Earth; it is drawn as soon as it has loaded. */
export const NO_EARTH: NaturalEarth = { countries: NONE, borders: NONE, lakes: NONE };

export function showNaturalEarth(map: MapLibreMap, earth: Partial<NaturalEarth>): void {
  for (const name of ["countries", "borders", "lakes"] as const) {
    const data = earth[name];
    if (data) (map.getSource(name) as GeoJSONSource | undefined)?.setData(data);
  }
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(t("The basemap could not load ({status}).", { status: response.status }));
  return (await response.json()) as T;
}

/** Land and borders at 1:50m (0.5 MB): the map is ready once they are drawn. */
export async function loadNaturalEarth(): Promise<Pick<NaturalEarth, "countries" | "borders">> {
  const topology = await json<Topology<{ countries: GeometryCollection }>>(countriesUrl);
  const countries = feature(topology, topology.objects.countries) as FeatureCollection;
  const borders: FeatureCollection = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: {}, geometry: mesh(topology, topology.objects.countries, (a, b) => a !== b) },
    ],
  };
  return { countries, borders };
}

/** Lakes and borders at 1:10m (about 1 MB gzipped): drawn after the map is ready, the
 * borders replacing the 1:50m ones (measured: awaiting them put W8 from 2.4 s to 3.9 s). */
export async function loadNaturalEarthDetail(): Promise<Pick<NaturalEarth, "lakes" | "borders">> {
  const [borders, lakes] = await Promise.all([json<FeatureCollection>(bordersUrl), json<FeatureCollection>(lakesUrl)]);
  return { borders, lakes };
}

export function basemapStyle(
  earth: NaturalEarth,
  places: FeatureCollection,
  online: OnlineBasemap | null,
  archive: ArchiveBasemap | null = null,
): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {
    countries: { type: "geojson", data: earth.countries, attribution: "Natural Earth" },
    borders: { type: "geojson", data: earth.borders },
    lakes: { type: "geojson", data: earth.lakes },
    places: { type: "geojson", data: places },
  };
  const layers: LayerSpecification[] = [
    { id: "sea", type: "background", paint: { "background-color": "#c9dbe6" } },
  ];
  const offline = online?.mode !== "replace";
  if (offline) {
    layers.push(
      { id: "countries", type: "fill", source: "countries", paint: { "fill-color": "#f1efe8" } },
      { id: "lakes", type: "fill", source: "lakes", paint: { "fill-color": "#c9dbe6", "fill-outline-color": "#9dbbcc" } },
      {
        id: "borders", type: "line", source: "borders",
        paint: { "line-color": "#8a8a8a", "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.6, 8, 1.6], "line-dasharray": [4, 2] },
      },
    );
  }
  if (online) {
    sources.online =
      online.kind === "raster"
        ? { type: "raster", tiles: [online.url], tileSize: 256, attribution: online.attribution }
        : { type: "vector", tiles: [online.url], attribution: online.attribution };
    if (online.kind === "raster") {
      layers.push({ id: "online", type: "raster", source: "online", paint: { "raster-opacity": offline ? 0.85 : 1 } });
    }
  }
  if (archive) {
    const { source, layers: archiveLayers } = archiveStyle(archive);
    sources.archive = source;
    layers.push(...archiveLayers);
  }
  layers.push(
    {
      id: "places-dot", type: "circle", source: "places", minzoom: 6,
      paint: { "circle-radius": 2.5, "circle-color": "#333" },
    },
    {
      id: "places", type: "symbol", source: "places", minzoom: 6,
      filter: [">=", ["zoom"], ["-", 11, ["to-number", ["get", "rank"], 1]]],
      layout: {
        "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 12,
        "text-offset": [0, 0.9], "text-anchor": "top", "symbol-sort-key": ["-", 0, ["to-number", ["get", "rank"], 1]],
      },
      paint: { "text-color": "#222", "text-halo-color": "#fff", "text-halo-width": 1.4 },
    },
  );
  return { version: 8, sources, layers };
}
