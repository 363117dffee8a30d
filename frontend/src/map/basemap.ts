// The offline basemap: Natural Earth 1:50m countries and borders (world-atlas, bundled
// with the page), place names from our own data, and an optional online tile layer.

import type { FeatureCollection } from "geojson";
import type { GeoJSONSource, LayerSpecification, Map as MapLibreMap, SourceSpecification, StyleSpecification } from "maplibre-gl";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesUrl from "world-atlas/countries-50m.json?url";

export interface OnlineBasemap {
  url: string;
  kind: "raster" | "vector";
  mode: "overlay" | "replace";
  attribution: string;
}

export interface NaturalEarth {
  countries: FeatureCollection;
  borders: FeatureCollection;
}

const NONE: FeatureCollection = { type: "FeatureCollection", features: [] };
/** The style starts without Natural Earth; it is drawn as soon as it has loaded. */
export const NO_EARTH: NaturalEarth = { countries: NONE, borders: NONE };

export function showNaturalEarth(map: MapLibreMap, earth: NaturalEarth): void {
  (map.getSource("countries") as GeoJSONSource | undefined)?.setData(earth.countries);
  (map.getSource("borders") as GeoJSONSource | undefined)?.setData(earth.borders);
}

export async function loadNaturalEarth(): Promise<NaturalEarth> {
  const response = await fetch(countriesUrl);
  const topology = (await response.json()) as Topology<{ countries: GeometryCollection }>;
  const countries = feature(topology, topology.objects.countries) as FeatureCollection;
  const borders: FeatureCollection = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: {}, geometry: mesh(topology, topology.objects.countries, (a, b) => a !== b) },
    ],
  };
  return { countries, borders };
}

export function basemapStyle(
  earth: NaturalEarth,
  places: FeatureCollection,
  online: OnlineBasemap | null,
): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {
    countries: { type: "geojson", data: earth.countries, attribution: "Natural Earth" },
    borders: { type: "geojson", data: earth.borders },
    places: { type: "geojson", data: places },
  };
  const layers: LayerSpecification[] = [
    { id: "sea", type: "background", paint: { "background-color": "#c9dbe6" } },
  ];
  const offline = online?.mode !== "replace";
  if (offline) {
    layers.push(
      { id: "countries", type: "fill", source: "countries", paint: { "fill-color": "#f1efe8" } },
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
