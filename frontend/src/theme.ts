// Day or night: the page's colours and the basemap's, by the analyst's choice or the
// system's (prefers-color-scheme), remembered in this browser.

import type { Map as MapLibreMap } from "maplibre-gl";

export type ThemeChoice = "system" | "day" | "night";
export type Theme = "day" | "night";

const KEY = "bluewatch.theme";

/** Basemap colours per theme: sea and lakes, land, borders, place names and their halo. */
export const BASEMAP_COLOURS: Record<Theme, { water: string; land: string; border: string; label: string; halo: string }> = {
  day: { water: "#c9dbe6", land: "#f1efe8", border: "#8a8a8a", label: "#222", halo: "#fff" },
  night: { water: "#0c2233", land: "#1b232b", border: "#6f7f8f", label: "#dbe3ea", halo: "#0f161d" },
};

export function themeChoice(): ThemeChoice {
  const stored = globalThis.localStorage?.getItem(KEY);
  return stored === "day" || stored === "night" ? stored : "system";
}

export function resolveTheme(choice: ThemeChoice, prefersDark: boolean): Theme {
  return choice === "system" ? (prefersDark ? "night" : "day") : choice;
}

function prefersDark(): boolean {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

/** The theme in force now. */
export function currentTheme(): Theme {
  return resolveTheme(themeChoice(), prefersDark());
}

/** Colours the page and, once it exists, the basemap. */
export function applyTheme(map: MapLibreMap | undefined): Theme {
  const theme = currentTheme();
  document.documentElement.dataset.theme = theme;
  if (!map) return theme;
  const colours = BASEMAP_COLOURS[theme];
  const paint: [string, "background-color" | "fill-color" | "line-color" | "text-color" | "text-halo-color" | "circle-color", string][] = [
    ["sea", "background-color", colours.water],
    ["lakes", "fill-color", colours.water],
    ["countries", "fill-color", colours.land],
    ["borders", "line-color", colours.border],
    ["places", "text-color", colours.label],
    ["places", "text-halo-color", colours.halo],
    ["places-dot", "circle-color", colours.label],
  ];
  for (const [layer, property, value] of paint) {
    if (map.getLayer(layer)) map.setPaintProperty(layer, property, value);
  }
  return theme;
}

/** The switch in the user's menu; follows the system while "system" is chosen. */
export function themeSwitch(select: HTMLSelectElement, map: () => MapLibreMap | undefined): void {
  select.value = themeChoice();
  select.addEventListener("change", () => {
    globalThis.localStorage?.setItem(KEY, select.value);
    applyTheme(map());
  });
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(map()));
}
