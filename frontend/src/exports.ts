// Export of the current view: links whose address follows the view's filters and the
// map's bounds, filled in just before they are used.

import type { Map as MapLibreMap } from "maplibre-gl";
import type { Api } from "./api";
import { h } from "./dom";
import { incidentFilters, timeRange, type ViewState } from "./view";

/** The filters of the current view, with the map's bounds, for exports. */
export function exportFilters(view: ViewState, map: MapLibreMap): URLSearchParams {
  const params = incidentFilters(view, timeRange(view.window));
  const bounds = map.getBounds();
  const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value)).toFixed(5);
  params.set("bbox", [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90), clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(","));
  return params;
}

/** The export links of the toolbar, each addressed from `filters()` when used. */
export function exportLinks(api: Api, filters: () => URLSearchParams): HTMLElement[] {
  const links: [string, string, string][] = [
    ["export-geojson", "/export/incidents.geojson", "Export GeoJSON"],
    ["export-bundle", "/export/bundle.zip", "JMAC bundle"],
  ];
  return links.map(([id, path, text]) => {
    const link = h("a", { id, class: "button", href: "#", download: "" }, text);
    const refresh = () => (link.href = api.url(path, filters()));
    for (const event of ["focus", "mouseenter", "click"]) link.addEventListener(event, refresh);
    return link;
  });
}
