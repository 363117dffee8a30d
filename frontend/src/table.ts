// The incident table: the window's incidents (the map's filters) as rows, sortable,
// searchable over titles and descriptions; a row flies the map there; the rows shown
// export through the API (audited, clearance-filtered) with the same filters.

import type { Feature, FeatureCollection } from "geojson";
import type { Api } from "./api";
import { marking, highest } from "./classification";
import { byId, h } from "./dom";
import { label, shortWhen, when } from "./format";
import { t } from "./i18n";
import type { MessageKey } from "./messages/fr";
import { incidentFilters, timeRange, type ViewState } from "./view";

type Column = "occurred_at" | "title" | "category" | "severity" | "status" | "classification";
const COLUMNS: [Column, MessageKey][] = [
  ["occurred_at", "Occurred"], ["title", "Title"], ["category", "Category"],
  ["severity", "Severity"], ["status", "Status"], ["classification", "Marking"],
];
const LEVEL_ORDER = ["unclassified", "confidential", "strictly_confidential"];
const MAX_ROWS = 500;

/** The incidents whose title or description holds `text` (any case). */
export function matching(features: Feature[], text: string): Feature[] {
  const wanted = text.trim().toLowerCase();
  if (!wanted) return features;
  return features.filter((f) =>
    `${f.properties?.title ?? ""}\n${f.properties?.description ?? ""}`.toLowerCase().includes(wanted));
}

/** Sorted by a column, ascending or not (a copy). */
export function sorted(features: Feature[], column: Column, ascending: boolean): Feature[] {
  const key = (f: Feature): number | string => {
    const value = f.properties?.[column];
    if (column === "occurred_at") return Date.parse(String(value));
    if (column === "severity") return Number(value);
    if (column === "classification") return LEVEL_ORDER.indexOf(String(value));
    return String(value ?? "").toLowerCase();
  };
  const sign = ascending ? 1 : -1;
  return [...features].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (x < y ? -1 : x > y ? 1 : 0) * sign || Number(a.id) - Number(b.id);
  });
}

/** The CQL2 (JSON) filter an export needs to hold the same search. */
export function searchFilter(text: string): string | null {
  const wanted = text.trim();
  if (!wanted) return null;
  const pattern = `%${wanted.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const like = (property: string) => ({
    op: "like", args: [{ op: "casei", args: [{ property }] }, { op: "casei", args: [pattern] }],
  });
  return JSON.stringify({ op: "or", args: [like("title"), like("description")] });
}

export interface TableOptions {
  api: Api;
  view: ViewState;
  incidents: () => FeatureCollection | null; // null: drawn from tiles, too many to list
  onSelect: (id: number, at: [number, number]) => void;
  onShown: (shown: boolean) => void;
}

export class IncidentTable {
  private readonly node = byId("incident-table");
  private readonly body = byId<HTMLTableSectionElement>("table-body");
  private readonly search = byId<HTMLInputElement>("table-search");
  private readonly status = byId("table-status");
  private readonly exportLink = byId<HTMLAnchorElement>("table-export");
  private column: Column = "occurred_at";
  private ascending = false;

  constructor(private readonly options: TableOptions) {
    const head = byId("table-head");
    head.replaceChildren(...COLUMNS.map(([column, text]) => {
      const button = h("button", { type: "button", class: "sort", "data-column": column }, t(text));
      button.addEventListener("click", () => {
        this.ascending = this.column === column ? !this.ascending : column === "title";
        this.column = column;
        this.render();
      });
      return h("th", { scope: "col", "data-column": column }, button);
    }));
    this.search.addEventListener("input", () => this.render());
    const button = byId<HTMLButtonElement>("table-button");
    button.addEventListener("click", () => this.show(this.node.hidden !== false));
    byId("table-close").addEventListener("click", () => this.show(false));
    for (const event of ["focus", "mouseenter", "click"]) {
      this.exportLink.addEventListener(event, () => (this.exportLink.href = this.exportUrl()));
    }
  }

  private show(shown: boolean): void {
    this.node.hidden = !shown;
    byId("table-button").setAttribute("aria-expanded", String(shown));
    if (shown) this.render();
    this.options.onShown(shown);
  }

  /** The window's incidents changed (or the view): draw the rows again if shown. */
  render(): void {
    if (this.node.hidden) return;
    for (const th of byId("table-head").querySelectorAll("th")) {
      const sortedHere = th.dataset.column === this.column;
      th.setAttribute("aria-sort", sortedHere ? (this.ascending ? "ascending" : "descending") : "none");
    }
    const collection = this.options.incidents();
    if (collection === null) {
      this.body.replaceChildren();
      this.status.textContent = t("Over 5,000 incidents in the window: narrow the window or the filters to list them.");
      this.exportLink.hidden = true;
      return;
    }
    const rows = sorted(matching(collection.features, this.search.value), this.column, this.ascending);
    this.body.replaceChildren(...rows.slice(0, MAX_ROWS).map((feature) => this.row(feature)));
    this.status.textContent = rows.length > MAX_ROWS
      ? t("{n} incidents; the first {max} are listed: search to narrow them.", { n: rows.length, max: MAX_ROWS })
      : t("{n} of {total} incidents in the window", { n: rows.length, total: collection.features.length });
    this.exportLink.hidden = rows.length === 0;
    this.exportLink.textContent = t("Export these {n} (GeoJSON)", { n: rows.length });
    this.options.onShown(true);
  }

  /** The markings of the rows on screen, for the classification banner. */
  shownLevels(): string[] {
    if (this.node.hidden) return [];
    return [...this.body.querySelectorAll<HTMLElement>("td.marking")].map((cell) => cell.dataset.level ?? "");
  }

  private row(feature: Feature): HTMLTableRowElement {
    const p = feature.properties ?? {};
    const tr = h("tr", { "data-id": String(feature.id), tabindex: "0" },
      h("td", { title: when(String(p.occurred_at)) }, shortWhen(String(p.occurred_at))),
      h("td", { translate: "no" }, String(p.title ?? "")),
      h("td", {}, label(String(p.category ?? ""))),
      h("td", { class: "number" }, String(p.severity ?? "")),
      h("td", {}, label(String(p.status ?? ""))),
      h("td", { class: "marking", "data-level": String(p.classification), translate: "no" }, marking(highest([p.classification]))),
    );
    const select = () => {
      const coordinates = feature.geometry?.type === "Point" ? feature.geometry.coordinates : [0, 0];
      this.options.onSelect(Number(feature.id), [coordinates[0], coordinates[1]]);
    };
    tr.addEventListener("click", select);
    tr.addEventListener("keydown", (event) => {
      if (event.key === "Enter") select();
    });
    return tr;
  }

  private exportUrl(): string {
    const params = incidentFilters(this.options.view, timeRange(this.options.view.window));
    const filter = searchFilter(this.search.value);
    if (filter) {
      params.set("filter", filter);
      params.set("filter-lang", "cql2-json");
    }
    return this.options.api.url("/export/incidents.geojson", params);
  }
}
