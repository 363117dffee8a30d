// The toolbar: time window (presets or a custom range), playback through the window,
// incident filters, layer toggles with their legend, and export of the current view.

import { byId, h } from "./dom";
import { placeUnder, popover } from "./menus";
import { fromTimeInput, label, timeConvention, toTimeInput, when, zoneLabel } from "./format";
import { t } from "./i18n";
import {
  CAMP_COLOURS, CASEVAC_COLOUR, CATEGORY_LETTERS, FACILITY_COLOUR, LEVEL_COLOURS, ROAD_COLOUR, ROUTE_STYLES, SEVERITY_COLOURS,
  UNIT_COLOUR,
} from "./map/palette";
import { CATEGORIES, INCIDENT_STATUSES, LAYER_NAMES, type LayerName, type ViewState, timeRange, playbackInstant } from "./view";

export interface ToolbarOptions {
  view: ViewState;
  onViewChange: (reloadData: boolean) => void;
  onPlayback: (instant: Date | null) => void;
}

const LAYER_LABELS: Record<LayerName, () => string> = {
  incidents: () => t("Incidents"),
  camps: () => t("Camps"),
  zones: () => t("Alert zones (rings, corridors)"),
  routes: () => t("Convoy routes"),
  alerts: () => t("Alerts"),
  places: () => t("Places"),
  roads: () => t("Roads"),
  facilities: () => t("Medical facilities"),
  units: () => t("Units"),
};

export class Toolbar {
  private playing: number | null = null;
  private readonly slider = byId<HTMLInputElement>("playback");

  constructor(private readonly options: ToolbarOptions) {
    this.timeWindow();
    this.playback();
    this.filters();
    this.layers();
    popover(byId<HTMLButtonElement>("filters-button"), byId("filters"));
    popover(byId<HTMLButtonElement>("layers-button"), byId("layers"));
  }

  private get view(): ViewState {
    return this.options.view;
  }

  private timeWindow(): void {
    const select = byId<HTMLSelectElement>("window");
    const custom = byId("custom-range");
    const from = byId<HTMLInputElement>("window-from");
    const to = byId<HTMLInputElement>("window-to");
    const error = byId("window-error");
    select.value = this.view.window.preset;
    const showCustom = (shown: boolean) => {
      custom.hidden = !shown;
      if (!shown) return;
      placeUnder(select, custom);
      from.focus();
    };
    this.refreshTimes();
    select.addEventListener("change", () => {
      showCustom(select.value === "custom");
      if (select.value !== "custom") {
        this.view.window = { preset: select.value as "6h" | "24h" | "7d" };
        this.resetPlayback();
        this.options.onViewChange(true);
      }
    });
    byId("window-apply").addEventListener("click", () => {
      const start = fromTimeInput(from.value);
      const end = fromTimeInput(to.value);
      from.toggleAttribute("aria-invalid", start === null);
      to.toggleAttribute("aria-invalid", end === null || (start !== null && start >= end));
      if (!start || !end || start >= end) {
        error.textContent = !start || !end
          ? t("Write both times as YYYY-MM-DD HH:MM ({zone}).", { zone: zoneLabel() })
          : t("The window must end after it starts.");
        return;
      }
      error.textContent = "";
      custom.hidden = true;
      this.view.window = { preset: "custom", from: start, to: end };
      this.resetPlayback();
      this.options.onViewChange(true);
    });
  }

  /** Times in the toolbar follow the chosen convention (Zulu or local), labelled. */
  refreshTimes(): void {
    const range = timeRange(this.view.window);
    byId<HTMLInputElement>("window-from").value = toTimeInput(range.start);
    byId<HTMLInputElement>("window-to").value = toTimeInput(range.end);
    byId("window-zone").textContent = zoneLabel();
    byId<HTMLSelectElement>("time-convention").value = timeConvention();
    this.showPlayback();
  }

  private playback(): void {
    const play = byId<HTMLButtonElement>("play");
    this.slider.addEventListener("input", () => this.showPlayback());
    play.addEventListener("click", () => {
      if (this.playing !== null) {
        this.stopPlaying();
        return;
      }
      if (Number(this.slider.value) >= 100) this.slider.value = "0";
      play.textContent = "⏸";
      play.setAttribute("aria-label", t("Pause playback"));
      this.playing = window.setInterval(() => {
        const next = Number(this.slider.value) + 2;
        this.slider.value = String(Math.min(100, next));
        this.showPlayback();
        if (next >= 100) this.stopPlaying();
      }, 250);
    });
    this.showPlayback();
  }

  private stopPlaying(): void {
    if (this.playing !== null) window.clearInterval(this.playing);
    this.playing = null;
    const play = byId<HTMLButtonElement>("play");
    play.textContent = "▶";
    play.setAttribute("aria-label", t("Play the window"));
  }

  private resetPlayback(): void {
    this.stopPlaying();
    this.slider.value = "100";
    this.showPlayback();
  }

  private showPlayback(): void {
    const position = Number(this.slider.value) / 100;
    const output = byId("playback-time");
    if (position >= 1) {
      output.textContent = t("now");
      this.options.onPlayback(null);
      return;
    }
    const instant = playbackInstant(timeRange(this.view.window), position);
    output.textContent = when(instant.toISOString());
    this.options.onPlayback(instant);
  }

  private filters(): void {
    const box = byId("filters");
    const categories = h("fieldset", {}, h("legend", {}, t("Category")));
    for (const category of CATEGORIES) {
      const input = h("input", { type: "checkbox", value: category, checked: this.view.categories.includes(category) });
      input.addEventListener("change", () => {
        this.view.categories = [...categories.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
        this.options.onViewChange(true);
      });
      categories.append(h("label", { class: "check" }, input, ` ${CATEGORY_LETTERS[category]} · ${label(category)}`));
    }
    const severity = h("select", { id: "severity-min", "aria-label": t("Minimum severity") });
    for (const level of [1, 2, 3, 4, 5]) severity.append(h("option", { value: String(level) }, `${level}+`));
    severity.value = String(this.view.severityMin);
    severity.addEventListener("change", () => {
      this.view.severityMin = Number(severity.value);
      this.options.onViewChange(true);
    });
    const status = h("select", { id: "incident-status", "aria-label": t("Incident status") });
    status.append(h("option", { value: "" }, t("Any status")));
    for (const value of INCIDENT_STATUSES) status.append(h("option", { value }, label(value)));
    status.value = this.view.statuses.join(",");
    status.addEventListener("change", () => {
      this.view.statuses = status.value ? [status.value] : [];
      this.options.onViewChange(true);
    });
    box.append(categories,
      h("label", { class: "field-inline" }, `${t("Severity")} `, severity),
      h("label", { class: "field-inline" }, `${t("Status")} `, status));
  }

  private layers(): void {
    const box = byId("layers");
    for (const name of LAYER_NAMES) {
      const input = h("input", { type: "checkbox", id: `layer-${name}`, checked: !this.view.hidden.includes(name) });
      input.addEventListener("change", () => {
        this.view.hidden = LAYER_NAMES.filter((n) => !(byId<HTMLInputElement>(`layer-${n}`).checked));
        this.options.onViewChange(false);
      });
      box.append(h("label", { class: "check" }, input, ` ${LAYER_LABELS[name]()}`));
    }
    const density = h("input", { type: "checkbox", id: "layer-density", checked: this.view.density });
    density.addEventListener("change", () => {
      this.view.density = density.checked;
      this.options.onViewChange(false);
    });
    box.append(h("label", { class: "check" }, density, ` ${t("Density (heatmap of the window's incidents)")}`));
    const coverage = h("input", { type: "checkbox", id: "layer-coverage", checked: this.view.coverage });
    coverage.addEventListener("change", () => {
      this.view.coverage = coverage.checked;
      this.options.onViewChange(false);
    });
    box.append(h("label", { class: "check" }, coverage, ` ${t("Medical coverage (10-1-2: 10 min to any facility, 60 and 120 min to level 2)")}`));
    const swatch = (colour: string, text: string, shape = "dot") =>
      h("li", {}, h("span", { class: `swatch ${shape}`, style: `--swatch:${colour}` }), ` ${text}`);
    box.append(
      h("h3", {}, t("Legend")),
      h("ul", { class: "legend", "aria-label": t("Severity") },
        ...SEVERITY_COLOURS.map((colour, i) => swatch(colour, t("Severity {n}", { n: i + 1 })))),
      h("ul", { class: "legend", "aria-label": t("Alert levels") },
        swatch(LEVEL_COLOURS.critical, t("Critical alert (pulses while open)"), "triangle"),
        swatch(LEVEL_COLOURS.warning, t("Warning alert"), "ring"),
        swatch(LEVEL_COLOURS.watch, t("Watch alert"), "ring")),
      h("ul", { class: "legend", "aria-label": t("Camps and alert zones") },
        swatch(CAMP_COLOURS.fill, t("Camp perimeter"), "square"),
        swatch(LEVEL_COLOURS.critical, t("Alert zone: ring around a camp, corridor along a route (coloured by level)"), "dashed-ring"),
        swatch(SEVERITY_COLOURS[2], t("Cluster of incidents: count inside, colour of the most severe"), "cluster")),
      h("ul", { class: "legend", "aria-label": t("Medical evacuation by road") },
        swatch(FACILITY_COLOUR, t("Medical facility (level of care)"), "ring"),
        swatch(ROAD_COLOUR, t("Road (wider: faster)"), "line"),
        swatch(CASEVAC_COLOUR, t("Evacuation route (the fastest bolder)"), "line")),
      h("ul", { class: "legend", "aria-label": t("Units") },
        swatch(UNIT_COLOUR, t("Unit (last known position; letter: kind)"), "dot")),
      h("ul", { class: "legend", "aria-label": t("Route status") },
        ...Object.entries(ROUTE_STYLES).map(([status, style]) => swatch(style.colour, t("{status} route", { status: label(status) }), `line ${style.dash ? "dashed" : ""}`))),
      h("p", { class: "small" }, `${t("Letters:")} `, Object.entries(CATEGORY_LETTERS).map(([c, l]) => `${l} ${label(c)}`).join(", ")),
    );
  }
}
