// A local PMTiles archive as the detailed basemap (BLUEWATCH_BASEMAP_PMTILES): a mission's
// OpenStreetMap extract served by the API itself, read tile by tile with range requests.
// Raster archives are drawn as they are; vector archives with a small style for the layer
// names of the two common OpenStreetMap schemas (Protomaps: water, roads, places;
// OpenMapTiles: water, waterway, transportation, place).

import * as maplibregl from "maplibre-gl";
import type { LayerSpecification, SourceSpecification } from "maplibre-gl";
import { Protocol } from "pmtiles";

export interface ArchiveBasemap {
  url: string;
  kind: "vector" | "raster";
  format: string;
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
}

let registered = false;

/** The archive's source and layers, to draw above Natural Earth and below the mission. */
export function archiveStyle(archive: ArchiveBasemap): { source: SourceSpecification; layers: LayerSpecification[] } {
  if (!registered) {
    maplibregl.addProtocol("pmtiles", new Protocol().tile);
    registered = true;
  }
  const url = `pmtiles://${new URL(archive.url, location.href).href}`;
  if (archive.kind === "raster") {
    return {
      source: { type: "raster", url, tileSize: 256 },
      layers: [{ id: "archive-raster", type: "raster", source: "archive" }],
    };
  }
  const lines = (id: string, layer: string): LayerSpecification => ({
    id, type: "line", source: "archive", "source-layer": layer,
    layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      "line-color": "#b8a98f",
      "line-width": ["interpolate", ["exponential", 1.6], ["zoom"], 10, 0.6, 16, 6],
    },
  });
  const labels = (id: string, layer: string): LayerSpecification => ({
    id, type: "symbol", source: "archive", "source-layer": layer,
    layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 11 },
    paint: { "text-color": "#4a4a4a", "text-halo-color": "#fff", "text-halo-width": 1.2 },
  });
  return {
    source: { type: "vector", url },
    layers: [
      {
        id: "archive-water", type: "fill", source: "archive", "source-layer": "water",
        filter: ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]], paint: { "fill-color": "#c9dbe6" },
      },
      {
        id: "archive-waterway", type: "line", source: "archive", "source-layer": "waterway",
        paint: { "line-color": "#9dbbcc", "line-width": 1.2 },
      },
      lines("archive-roads", "roads"),
      lines("archive-transportation", "transportation"),
      labels("archive-places", "places"),
      labels("archive-place", "place"),
    ],
  };
}
