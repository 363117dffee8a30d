// Export of the current view: links whose address follows the view's filters and the
// map's bounds, filled in just before they are used.

import type { Map as MapLibreMap } from "maplibre-gl";
import type { Api } from "./api";
import { h } from "./dom";
import { t } from "./i18n";
import type { MessageKey } from "./messages/fr";
import { incidentFilters, timeRange, type ViewState } from "./view";

/** The filters of the current view, with the map's bounds, for exports. */
export function exportFilters(view: ViewState, map: MapLibreMap): URLSearchParams {
  const params = incidentFilters(view, timeRange(view.window));
  const bounds = map.getBounds();
  const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value)).toFixed(5);
  params.set("bbox", [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90), clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(","));
  return params;
}

/** What the Export menu offers: the incidents in view in each format, camps and routes,
 * and the JMAC bundle (every layer, every format). */
const EXPORTS: { id: string; path: string; text: MessageKey; filtered: boolean }[] = [
  { id: "export-geojson", path: "/export/incidents.geojson", text: "Incidents in view: GeoJSON", filtered: true },
  { id: "export-csv", path: "/export/incidents.csv", text: "Incidents in view: CSV", filtered: true },
  { id: "export-kml", path: "/export/incidents.kml", text: "Incidents in view: KML", filtered: true },
  { id: "export-gpkg", path: "/export/incidents.gpkg", text: "Incidents in view: GeoPackage", filtered: true },
  { id: "export-camps", path: "/export/camps.geojson", text: "Camps: GeoJSON", filtered: false },
  { id: "export-routes", path: "/export/routes.geojson", text: "Convoy routes: GeoJSON", filtered: false },
  { id: "export-bundle", path: "/export/bundle.zip", text: "JMAC bundle: every layer, every format", filtered: true },
];

/** The export links, each addressed from `filters()` (the view) when used. */
export function exportLinks(api: Api, filters: () => URLSearchParams): HTMLElement[] {
  return EXPORTS.map(({ id, path, text, filtered }) => {
    const link = h("a", { id, class: "menu-item", href: api.url(path), download: "" }, t(text));
    if (filtered) {
      const refresh = () => (link.href = api.url(path, filters()));
      for (const event of ["focus", "mouseenter", "click"]) link.addEventListener(event, refresh);
    }
    return link;
  });
}
