// What the map is showing, said on the map: the window, the playback instant and every
// active filter (with a way to clear them), and a note when nothing matches.

import { ALERT_LEVELS, ALERT_STATUSES, DEFAULT_VIEW, PRESETS, type ViewState } from "./view";
import { byId, h } from "./dom";
import { label, shortWhen } from "./format";
import { t } from "./i18n";

const WINDOW_WORDS: Record<keyof typeof PRESETS, () => string> = {
  "6h": () => t("last 6 h"), "24h": () => t("last 24 h"), "7d": () => t("last 7 d"),
};

/** The filters that differ from the defaults, in words; empty when none does. */
export function activeFilters(view: ViewState): string[] {
  const said: string[] = [];
  if (view.categories.length) said.push(view.categories.map(label).join(", "));
  if (view.severityMin > DEFAULT_VIEW.severityMin) said.push(t("severity ≥ {n}", { n: view.severityMin }));
  if (view.statuses.length) said.push(t("status {statuses}", { statuses: view.statuses.map(label).join(", ") }));
  if (view.alertLevels.length && view.alertLevels.length < ALERT_LEVELS.length) said.push(t("alerts {which}", { which: view.alertLevels.map((level) => label(level).toLowerCase()).join(", ") }));
  const statuses = [...view.alertStatuses].sort().join(",");
  if (statuses !== [...DEFAULT_VIEW.alertStatuses].sort().join(",")) {
    said.push(view.alertStatuses.length && view.alertStatuses.length < ALERT_STATUSES.length
      ? t("alerts {which}", { which: view.alertStatuses.map((status) => label(status).toLowerCase()).join(", ") })
      : t("alerts of any status"));
  }
  if (view.hidden.length) said.push(t("hidden: {layers}", { layers: view.hidden.map((layer) => label(layer).toLowerCase()).join(", ") }));
  return said;
}

/** The time window in words: "last 7 d", or "window 21 Nov 06:00Z – 22 Nov 18:30Z". */
export function windowWords(view: ViewState): string {
  const w = view.window;
  return w.preset === "custom" ? t("window {from} – {to}", { from: shortWhen(w.from), to: shortWhen(w.to) }) : WINDOW_WORDS[w.preset]();
}

export class ViewSummary {
  private readonly node = byId("view-summary");
  private readonly empty = byId("empty-map");

  constructor(private readonly view: ViewState, private readonly clear: () => void) {}

  /** Say what is shown; `incidents` is how many the window holds (null: drawn from tiles). */
  update(incidents: number | null, until: Date | null): void {
    const filters = activeFilters(this.view);
    const parts = [windowWords(this.view), ...(until ? [t("played back to {time}", { time: shortWhen(until.toISOString()) })] : []), ...filters];
    const children: (HTMLElement | string)[] = [h("span", { class: "summary-text" }, parts.join(" · "))];
    if (filters.length) {
      const clear = h("button", { type: "button", id: "clear-filters" }, t("Clear filters"));
      clear.addEventListener("click", this.clear);
      children.push(clear);
    }
    this.node.replaceChildren(...children);
    this.node.dataset.filtered = String(filters.length > 0);
    const filtersButton = byId("filters-button");
    const count = activeFilters({ ...this.view, hidden: [] }).length;
    filtersButton.textContent = count ? t("Filters ({n})", { n: count }) : t("Filters");
    filtersButton.dataset.active = String(count > 0);
    this.empty.hidden = incidents !== 0;
    this.empty.textContent = filters.length
      ? t("No incidents in the {window} match these filters.", { window: windowWords(this.view) })
      : t("No incidents in the {window}.", { window: windowWords(this.view) });
  }
}
