// The analyst's view (map position, time window, filters, layers) and its URL, so a link
// can be shared. Pure functions: no DOM, no map.

import { ALERT_ORDERS, type AlertOrder } from "./alerts";

export const PRESETS = { "6h": 6, "24h": 24, "7d": 168 } as const;
export type Preset = keyof typeof PRESETS;
export type TimeWindow = { preset: Preset } | { preset: "custom"; from: string; to: string };

export const CATEGORIES = [
  "armed_clash", "ied", "ambush", "indirect_fire", "attack_on_civilians", "abduction",
  "protest", "crime", "checkpoint", "drone_sighting", "uxo", "natural_hazard", "other",
] as const;
export const INCIDENT_STATUSES = ["reported", "verified", "dismissed"] as const;
export const ALERT_LEVELS = ["critical", "warning", "watch"] as const;
export const ALERT_STATUSES = ["open", "acknowledged", "resolved"] as const;
export const LAYER_NAMES = ["incidents", "camps", "zones", "routes", "alerts", "places", "roads", "facilities", "units"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export interface ViewState {
  center: [number, number] | null; // null: fit the data
  zoom: number | null;
  window: TimeWindow;
  categories: string[]; // empty: every category
  severityMin: number;
  statuses: string[]; // incident statuses; empty: all
  hidden: LayerName[];
  alertLevels: string[]; // alert panel; empty: all
  alertStatuses: string[];
  alertOrder: AlertOrder;
  density: boolean; // the heatmap of the window's incidents
  coverage: boolean; // the 10-1-2 medical coverage rings
}

export const DEFAULT_VIEW: ViewState = {
  center: null,
  zoom: null,
  window: { preset: "7d" },
  categories: [],
  severityMin: 1,
  statuses: [],
  hidden: [],
  alertLevels: [],
  alertStatuses: ["open", "acknowledged"],
  alertOrder: "level",
  density: false,
  coverage: false,
};

function listParam(raw: string | null, allowed: readonly string[]): string[] {
  if (!raw) return [];
  return raw.split(",").filter((value, i, all) => allowed.includes(value) && all.indexOf(value) === i);
}

function validInstant(raw: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(Date.parse(raw));
}

function parseWindow(raw: string | null): TimeWindow {
  if (raw && raw in PRESETS) return { preset: raw as Preset };
  if (raw && raw.includes("/")) {
    const [from, to] = raw.split("/");
    if (validInstant(from) && validInstant(to) && Date.parse(from) < Date.parse(to)) {
      return { preset: "custom", from, to };
    }
  }
  return DEFAULT_VIEW.window;
}

/** The view a query string describes; anything unknown or malformed falls back to defaults. */
export function fromQuery(search: string): ViewState {
  const params = new URLSearchParams(search);
  const view: ViewState = { ...DEFAULT_VIEW, window: parseWindow(params.get("window")) };
  const at = (params.get("at") ?? "").split(",").map(Number);
  if (
    at.length === 3 && at.every(Number.isFinite) &&
    Math.abs(at[0]) <= 180 && Math.abs(at[1]) <= 90 && at[2] >= 0 && at[2] <= 22
  ) {
    view.center = [at[0], at[1]];
    view.zoom = at[2];
  }
  view.categories = listParam(params.get("category"), CATEGORIES);
  const severity = Number(params.get("severity_min"));
  view.severityMin = Number.isInteger(severity) && severity >= 1 && severity <= 5 ? severity : 1;
  view.statuses = listParam(params.get("status"), INCIDENT_STATUSES);
  view.hidden = listParam(params.get("hide"), LAYER_NAMES) as LayerName[];
  view.alertLevels = listParam(params.get("alert_level"), ALERT_LEVELS);
  if (params.has("alert_status")) {
    view.alertStatuses = listParam(params.get("alert_status"), ALERT_STATUSES);
  }
  view.density = params.get("density") === "1";
  view.coverage = params.get("coverage") === "1";
  const order = params.get("alert_order");
  view.alertOrder = ALERT_ORDERS.find((known) => known === order) ?? DEFAULT_VIEW.alertOrder;
  return view;
}

/** The query string for a view: only what differs from the defaults, in a stable order. */
export function toQuery(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.center && view.zoom !== null) {
    params.set("at", `${view.center[0].toFixed(5)},${view.center[1].toFixed(5)},${view.zoom.toFixed(2)}`);
  }
  const window = view.window.preset === "custom" ? `${view.window.from}/${view.window.to}` : view.window.preset;
  if (window !== DEFAULT_VIEW.window.preset) params.set("window", window);
  if (view.categories.length) params.set("category", view.categories.join(","));
  if (view.severityMin > 1) params.set("severity_min", String(view.severityMin));
  if (view.statuses.length) params.set("status", view.statuses.join(","));
  if (view.hidden.length) params.set("hide", view.hidden.join(","));
  if (view.alertLevels.length) params.set("alert_level", view.alertLevels.join(","));
  if (view.alertStatuses.join(",") !== DEFAULT_VIEW.alertStatuses.join(",")) {
    params.set("alert_status", view.alertStatuses.join(","));
  }
  if (view.alertOrder !== DEFAULT_VIEW.alertOrder) params.set("alert_order", view.alertOrder);
  if (view.density) params.set("density", "1");
  if (view.coverage) params.set("coverage", "1");
  const query = params.toString().replaceAll("%2C", ",").replaceAll("%2F", "/").replaceAll("%3A", ":");
  return query ? `?${query}` : "";
}

export interface TimeRange {
  start: Date;
  end: Date;
}

export function timeRange(window: TimeWindow, now: Date = new Date()): TimeRange {
  if (window.preset === "custom") return { start: new Date(window.from), end: new Date(window.to) };
  return { start: new Date(now.getTime() - PRESETS[window.preset] * 3_600_000), end: now };
}

/** The API's filters for the incidents in view (list, tiles and exports take the same). */
export function incidentFilters(view: ViewState, range: TimeRange): URLSearchParams {
  const params = new URLSearchParams();
  params.set("datetime", `${range.start.toISOString()}/${range.end.toISOString()}`);
  if (view.categories.length) params.set("category", view.categories.join(","));
  if (view.severityMin > 1) params.set("severity_min", String(view.severityMin));
  if (view.statuses.length) params.set("status", view.statuses.join(","));
  return params;
}

/** The instant a playback position (0…1) stands for inside the window. */
export function playbackInstant(range: TimeRange, position: number): Date {
  const clamped = Math.max(0, Math.min(1, position));
  return new Date(range.start.getTime() + clamped * (range.end.getTime() - range.start.getTime()));
}
