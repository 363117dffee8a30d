// The mission layers: roads, alert zones, camps, routes, medical facilities, units, incidents
// and alerts (and the evacuation routes of the incident on display), each toggled
// as a group. Incidents come as clustered GeoJSON, or as vector tiles when the set in
// view is too large to send whole.

import type { Feature, FeatureCollection, Geometry } from "geojson";
import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap } from "maplibre-gl";
import { highest, rank } from "../classification";
import type { LayerName } from "../view";
import { CRITICAL_SYMBOL } from "./icons";
import {
  CAMP_COLOURS, CASEVAC_COLOUR, FACILITY_COLOUR, ROAD_COLOUR, ROUTE_STYLES, UNIT_COLOUR, levelColour, routeColour,
  severityColour,
} from "./palette";

export const EMPTY: FeatureCollection = { type: "FeatureCollection", features: [] };

/** One line layer per route status (see ROUTE_STYLES). */
export const ROUTE_LAYERS = Object.keys(ROUTE_STYLES).map((status) => `routes-${status}`);

/** The map layers of each toggle, bottom to top. */
export const LAYER_GROUPS: Record<LayerName, string[]> = {
  places: ["places", "places-dot"],
  zones: ["zone-corridors", "zone-rings"],
  camps: ["camps-fill", "camps-outline", "camps-label"],
  routes: ["routes-casing", ...ROUTE_LAYERS, "routes-label"],
  roads: ["roads-line"],
  facilities: ["facilities-circle", "facilities-level", "facilities-label"],
  units: ["units-symbol", "units-kind", "units-label"],
  incidents: [
    "incident-clusters", "incident-cluster-count", "incidents", "incident-letters",
    "incident-tiles-cells", "incident-tiles-points", "incident-tiles-letters",
  ],
  alerts: ["alerts-lesser", "alerts"],
};

/** What a click on a map layer opens. */
export type ClickKind = "cluster" | "cell" | "incident" | "camp" | "route" | "alert";

/** The clickable layers, each with what a click on it opens. */
export const CLICK_TARGETS: Readonly<Record<string, ClickKind>> = {
  "incident-clusters": "cluster",
  "incident-tiles-cells": "cell",
  incidents: "incident",
  "incident-tiles-points": "incident",
  "camps-fill": "camp",
  ...Object.fromEntries(ROUTE_LAYERS.map((id) => [id, "route" as const])),
  alerts: "alert",
  "alerts-lesser": "alert",
};

/** The layers whose features count for the classification banner and hover. */
export const DATA_LAYERS = [
  "zone-rings", "camps-fill", ...ROUTE_LAYERS, "roads-line", "facilities-circle", "units-symbol", "casevac-line", "incident-clusters", "incidents",
  "incident-tiles-cells", "incident-tiles-points", "alerts-lesser", "alerts",
];

/** Adds `cls_rank`, so clusters can carry the highest classification of their members. */
export function withRank(collection: FeatureCollection): FeatureCollection {
  return {
    ...collection,
    features: collection.features.map((f: Feature<Geometry | null>) => ({
      ...f,
      properties: { ...f.properties, cls_rank: rank(highest([f.properties?.classification])) },
    })) as Feature[],
  };
}

/** Open alerts full strength, acknowledged ones faded, resolved ones (shown only when the
 * panel's filter asks for them) fainter still. */
const STATUS_OPACITY: ExpressionSpecification = ["match", ["get", "status"], "acknowledged", 0.5, "resolved", 0.25, 1];

export function addMissionLayers(map: MapLibreMap): void {
  map.addSource("zones", { type: "geojson", data: EMPTY });
  map.addSource("camps", { type: "geojson", data: EMPTY });
  map.addSource("routes", { type: "geojson", data: EMPTY });
  map.addSource("roads", { type: "geojson", data: EMPTY });
  map.addSource("facilities", { type: "geojson", data: EMPTY });
  map.addSource("units", { type: "geojson", data: EMPTY });
  map.addSource("casevac", { type: "geojson", data: EMPTY });
  map.addSource("coverage", { type: "geojson", data: EMPTY });
  map.addSource("incidents", {
    type: "geojson", data: EMPTY, cluster: true, clusterRadius: 40, clusterMaxZoom: 11,
    clusterProperties: {
      cls_rank: ["max", ["get", "cls_rank"]],
      severity: ["max", ["get", "severity"]],
    },
  });
  map.addSource("alerts", { type: "geojson", data: EMPTY });
  map.addSource("draft", { type: "geojson", data: EMPTY });

  const layers: LayerSpecification[] = [
    {
      id: "zone-corridors", type: "fill", source: "zones",
      filter: ["==", ["get", "target_type"], "route"],
      paint: { "fill-color": levelColour(), "fill-opacity": 0.08 },
    },
    {
      id: "zone-rings", type: "line", source: "zones",
      filter: ["==", ["get", "target_type"], "camp"],
      paint: { "line-color": levelColour(), "line-width": 1.5, "line-dasharray": [2, 2] },
    },
    // The 10-1-2 rings, under everything: the area each step's facilities reach in time
    // (darker for the shorter time); shown on demand.
    {
      id: "coverage-fill", type: "fill", source: "coverage", layout: { visibility: "none" },
      paint: { "fill-color": CASEVAC_COLOUR, "fill-opacity": ["match", ["get", "minutes"], 10, 0.22, 60, 0.12, 0.06] },
    },
    {
      id: "coverage-line", type: "line", source: "coverage", layout: { visibility: "none" },
      paint: { "line-color": CASEVAC_COLOUR, "line-width": 1.2, "line-opacity": 0.7 },
    },
    // Roads under everything else, wider where faster (the network CASEVAC routes over).
    {
      id: "roads-line", type: "line", source: "roads",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": ROAD_COLOUR, "line-opacity": 0.7,
        "line-width": ["match", ["get", "class"], ["motorway", "trunk", "primary"], 2.5, ["secondary", "tertiary"], 1.8, 1],
      },
    },
    {
      id: "camps-fill", type: "fill", source: "camps",
      paint: { "fill-color": CAMP_COLOURS.fill, "fill-opacity": 0.35 },
    },
    { id: "camps-outline", type: "line", source: "camps", paint: { "line-color": CAMP_COLOURS.outline, "line-width": 2 } },
    {
      id: "camps-label", type: "symbol", source: "camps", minzoom: 8,
      layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 12, "text-offset": [0, 1.2] },
      paint: { "text-color": "#1d3b78", "text-halo-color": "#fff", "text-halo-width": 1.5 },
    },
    {
      id: "routes-casing", type: "line", source: "routes",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#ffffff", "line-width": 6, "line-opacity": 0.8 },
    },
    ...Object.entries(ROUTE_STYLES).map(
      ([status, style]): LayerSpecification => ({
        id: `routes-${status}`,
        type: "line", source: "routes",
        filter: ["==", ["get", "status"], status],
        layout: { "line-join": "round" },
        paint: {
          "line-color": routeColour(), "line-width": 3.5,
          ...(style.dash ? { "line-dasharray": [...style.dash] } : {}),
        },
      }),
    ),
    {
      id: "routes-label", type: "symbol", source: "routes", minzoom: 9,
      layout: { "symbol-placement": "line", "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 11 },
      paint: { "text-color": "#123", "text-halo-color": "#fff", "text-halo-width": 1.5 },
    },
    // The evacuation routes of the incident on display, the fastest boldest, on a casing.
    {
      id: "casevac-casing", type: "line", source: "casevac",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#ffffff", "line-width": ["case", ["==", ["get", "rank"], 0], 8, 5], "line-opacity": 0.9 },
    },
    {
      id: "casevac-line", type: "line", source: "casevac",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": CASEVAC_COLOUR,
        "line-width": ["case", ["==", ["get", "rank"], 0], 5, 2.5],
        "line-opacity": ["case", ["==", ["get", "rank"], 0], 0.95, 0.6],
      },
    },
    {
      id: "facilities-circle", type: "circle", source: "facilities",
      paint: { "circle-radius": 9, "circle-color": "#ffffff", "circle-stroke-color": FACILITY_COLOUR, "circle-stroke-width": 2.5 },
    },
    {
      id: "facilities-level", type: "symbol", source: "facilities",
      layout: {
        "text-field": ["case", ["has", "level"], ["to-string", ["get", "level"]], "H"],
        "text-font": ["sans-serif"], "text-size": 11, "text-allow-overlap": true,
      },
      paint: { "text-color": FACILITY_COLOUR },
    },
    {
      id: "facilities-label", type: "symbol", source: "facilities", minzoom: 9,
      layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 11, "text-offset": [0, 1.4], "text-anchor": "top" },
      paint: { "text-color": FACILITY_COLOUR, "text-halo-color": "#fff", "text-halo-width": 1.5 },
    },
    // Units: a blue disc with the kind's letter (Q, P, M, E), faded when unavailable.
    {
      id: "units-symbol", type: "circle", source: "units",
      paint: {
        "circle-radius": 8, "circle-color": UNIT_COLOUR, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
        "circle-opacity": ["case", ["get", "available"], 1, 0.45],
      },
    },
    {
      id: "units-kind", type: "symbol", source: "units",
      layout: {
        "text-field": ["match", ["get", "kind"], "qrf", "Q", "patrol", "P", "medical_team", "M", "engineers", "E", "U"],
        "text-font": ["sans-serif"], "text-size": 10, "text-allow-overlap": true,
      },
      paint: { "text-color": "#ffffff" },
    },
    {
      id: "units-label", type: "symbol", source: "units", minzoom: 9,
      layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 11, "text-offset": [0, 1.3], "text-anchor": "top" },
      paint: { "text-color": UNIT_COLOUR, "text-halo-color": "#fff", "text-halo-width": 1.5 },
    },
    // Density: where the window's incidents gather, weighted by severity (clusters by
    // their size); shown on demand, under the markers.
    {
      id: "incident-density", type: "heatmap", source: "incidents", layout: { visibility: "none" },
      paint: {
        "heatmap-weight": ["*", ["coalesce", ["get", "point_count"], 1],
          ["/", ["to-number", ["coalesce", ["get", "severity"], 3]], 5]],
        "heatmap-intensity": ["interpolate", ["linear"], ["zoom"], 4, 0.6, 12, 2],
        "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 4, 18, 12, 40],
        "heatmap-opacity": 0.75,
        "heatmap-color": [
          "interpolate", ["linear"], ["heatmap-density"],
          0, "rgba(255,255,178,0)", 0.2, "#fecc5c", 0.5, "#fd8d3c", 0.8, "#f03b20", 1, "#bd0026",
        ],
      },
    },
    {
      id: "incident-clusters", type: "circle", source: "incidents", filter: ["has", "point_count"],
      paint: {
        "circle-color": severityColour(), "circle-stroke-color": "#333", "circle-stroke-width": 1.2,
        "circle-radius": ["step", ["get", "point_count"], 12, 10, 16, 50, 22, 200, 28],
      },
    },
    {
      id: "incident-cluster-count", type: "symbol", source: "incidents", filter: ["has", "point_count"],
      layout: { "text-field": ["to-string", ["get", "point_count"]], "text-font": ["sans-serif"], "text-size": 12, "text-allow-overlap": true },
      paint: { "text-color": "#111" },
    },
    {
      id: "incidents", type: "circle", source: "incidents", filter: ["!", ["has", "point_count"]],
      paint: {
        "circle-color": severityColour(), "circle-radius": 9,
        "circle-stroke-color": "#333", "circle-stroke-width": 1.2,
        "circle-opacity": ["case", ["==", ["get", "status"], "dismissed"], 0.4, 1],
      },
    },
    {
      id: "incident-letters", type: "symbol", source: "incidents", filter: ["!", ["has", "point_count"]],
      layout: { "icon-image": ["concat", "category-", ["get", "category"]], "icon-size": 0.6, "icon-allow-overlap": true },
    },
    // Rings around the alerted incidents (warnings and watches, from zoom 8, so the threat
    // picture stays readable at mission scale); critical alerts are a warning triangle,
    // a symbol no incident shares, drawn above everything else.
    {
      id: "alerts-lesser", type: "circle", source: "alerts", minzoom: 8,
      filter: ["!=", ["get", "level"], "critical"],
      paint: {
        "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": levelColour(),
        "circle-stroke-width": ["match", ["get", "level"], "warning", 2, 1.5],
        "circle-radius": ["match", ["get", "level"], "warning", 11, 10],
        "circle-stroke-opacity": STATUS_OPACITY,
      },
    },
    {
      id: "alerts", type: "symbol", source: "alerts",
      filter: ["==", ["get", "level"], "critical"],
      layout: {
        "icon-image": CRITICAL_SYMBOL, "icon-size": 0.85, "icon-allow-overlap": true,
        "icon-ignore-placement": true, "icon-offset": [0, -14], "icon-anchor": "bottom",
      },
      paint: { "icon-opacity": STATUS_OPACITY },
    },
    {
      id: "draft-line", type: "line", source: "draft",
      paint: { "line-color": "#000", "line-width": 2, "line-dasharray": [2, 1] },
    },
    {
      id: "draft-vertices", type: "circle", source: "draft", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 6, "circle-color": "#fff", "circle-stroke-color": "#000", "circle-stroke-width": 2 },
    },
  ];
  for (const layer of layers) map.addLayer(layer);
  // Read above the markers: cluster counts above alert rings, and town names above both.
  for (const id of ["incident-cluster-count", "places-dot", "places"]) {
    if (map.getLayer(id)) map.moveLayer(id, "draft-line");
  }
}

/** Incidents from vector tiles (grid cells at low zoom, points above), for large sets. */
export function useIncidentTiles(map: MapLibreMap, tileJsonUrl: string | null): void {
  for (const id of ["incident-tiles-cells", "incident-tiles-points", "incident-tiles-letters"]) {
    if (map.getLayer(id)) map.removeLayer(id);
  }
  if (map.getSource("incident-tiles")) map.removeSource("incident-tiles");
  if (tileJsonUrl === null) return;
  map.addSource("incident-tiles", { type: "vector", url: tileJsonUrl });
  const before = map.getLayer("alerts-lesser") ? "alerts-lesser" : undefined;
  map.addLayer({
    id: "incident-tiles-cells", type: "circle", source: "incident-tiles", "source-layer": "incidents",
    filter: ["==", ["get", "aggregated"], true],
    paint: {
      "circle-color": severityColour(), "circle-stroke-color": "#333", "circle-stroke-width": 1,
      "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 5, 30, 24],
    },
  }, before);
  map.addLayer({
    id: "incident-tiles-points", type: "circle", source: "incident-tiles", "source-layer": "incidents",
    filter: ["!", ["has", "aggregated"]],
    paint: { "circle-color": severityColour(), "circle-radius": 8, "circle-stroke-color": "#333", "circle-stroke-width": 1 },
  }, before);
  map.addLayer({
    id: "incident-tiles-letters", type: "symbol", source: "incident-tiles", "source-layer": "incidents",
    filter: ["!", ["has", "aggregated"]],
    layout: { "icon-image": ["concat", "category-", ["get", "category"]], "icon-size": 0.55, "icon-allow-overlap": true },
  }, before);
}

export function setData(map: MapLibreMap, source: string, data: FeatureCollection): void {
  (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);
}

/** The medical coverage rings on or off. */
export function setCoverageVisible(map: MapLibreMap, visible: boolean): void {
  for (const id of ["coverage-fill", "coverage-line"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}

/** The density heatmap on or off (it follows the incidents toggle too). */
export function setDensityVisible(map: MapLibreMap, visible: boolean): void {
  if (map.getLayer("incident-density")) map.setLayoutProperty("incident-density", "visibility", visible ? "visible" : "none");
}

export function setGroupVisible(map: MapLibreMap, group: LayerName, visible: boolean): void {
  for (const id of LAYER_GROUPS[group]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}

/** Takes one feature out of a GeoJSON source at once (the layer is fetched again after). */
export function removeFeature(map: MapLibreMap, source: string, id: number): void {
  const data = (map.getSource(source) as GeoJSONSource | undefined)?.serialize().data;
  if (!data || typeof data !== "object" || !("features" in data)) return;
  const collection = data as FeatureCollection;
  setData(map, source, { ...collection, features: collection.features.filter((f) => f.id !== id) });
}
