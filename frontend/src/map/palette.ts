// Colours and symbols. Severity uses ColorBrewer YlOrRd (colour-blind safe, ordered);
// alert levels and route statuses use Okabe–Ito colours, and never colour alone:
// letters mark categories, dashes mark route statuses, size and pulse mark alert levels.

import type { ExpressionSpecification } from "maplibre-gl";
import type { MessageKey } from "../messages/fr";

export const SEVERITY_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"] as const;

export const LEVEL_COLOURS = { critical: "#D55E00", warning: "#E69F00", watch: "#56B4E9" } as const;

export const CAMP_COLOURS = { fill: "#4b6cb7", outline: "#1d3b78" } as const;

export const ROUTE_STYLES = {
  active: { colour: "#0072B2", dash: null },
  planned: { colour: "#009E73", dash: [3, 2] },
  suspended: { colour: "#CC79A7", dash: [1, 2] },
  closed: { colour: "#7f7f7f", dash: [0.5, 3] },
} as const;

export const CATEGORY_LETTERS: Record<string, string> = {
  armed_clash: "A",
  ied: "I",
  ambush: "M",
  indirect_fire: "F",
  attack_on_civilians: "C",
  abduction: "K",
  protest: "P",
  crime: "R",
  checkpoint: "X",
  drone_sighting: "D",
  uxo: "U",
  natural_hazard: "N",
  other: "O",
};

export function severityColour(): ExpressionSpecification {
  return [
    "match", ["to-number", ["get", "severity"], 1],
    1, SEVERITY_COLOURS[0], 2, SEVERITY_COLOURS[1], 3, SEVERITY_COLOURS[2],
    4, SEVERITY_COLOURS[3], SEVERITY_COLOURS[4],
  ];
}

export function levelColour(): ExpressionSpecification {
  return [
    "match", ["get", "level"],
    "critical", LEVEL_COLOURS.critical, "warning", LEVEL_COLOURS.warning, LEVEL_COLOURS.watch,
  ];
}

export function routeColour(): ExpressionSpecification {
  return [
    "match", ["get", "status"],
    "active", ROUTE_STYLES.active.colour, "planned", ROUTE_STYLES.planned.colour,
    "suspended", ROUTE_STYLES.suspended.colour, ROUTE_STYLES.closed.colour,
  ];
}

/** The critical alert symbol's fill (map/icons.ts draws it). */
export const CRITICAL_SYMBOL_COLOUR = LEVEL_COLOURS.critical;

/** The briefing's legend: colour, words (a message of the catalogue), and the shape drawn. */
export const LEGEND_ENTRIES: [string, MessageKey, "dot" | "ring" | "triangle" | "line"][] = [
  [SEVERITY_COLOURS[4], "Incident, severity 5", "dot"],
  [SEVERITY_COLOURS[2], "Incident, severity 3", "dot"],
  [SEVERITY_COLOURS[0], "Incident, severity 1", "dot"],
  [LEVEL_COLOURS.critical, "Critical alert", "triangle"],
  [LEVEL_COLOURS.warning, "Warning alert", "ring"],
  [LEVEL_COLOURS.watch, "Watch alert", "ring"],
  [CAMP_COLOURS.fill, "Camp perimeter", "dot"],
  [ROUTE_STYLES.active.colour, "Convoy route", "line"],
];

/** Roads (the network), medical facilities (a red cross's red) and evacuation routes. */
export const ROAD_COLOUR = "#8a7f70";
export const FACILITY_COLOUR = "#c8102e";
export const CASEVAC_COLOUR = "#6a3d9a"; // purple: no route status, alert level or severity uses it
/** Units: the blue of friendly forces in military map symbols (APP-6), darkened to read on land. */
export const UNIT_COLOUR = "#0b5394";
