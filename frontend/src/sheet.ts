// The side sheet: an incident's details and its alerts, a camp's or route's details,
// and the forms that create and edit them.

import type { Feature, FeatureCollection, Geometry, Position } from "geojson";
import type { Alert } from "./alerts";
import { formatPosition, parsePosition } from "./coordinates";
import { accountability } from "./panel";
import { Api } from "./api";
import { highest, marking } from "./classification";
import { casevacSection } from "./casevac";
import { byId, h } from "./dom";
import { distance, grading, label, toTimeInput, when } from "./format";
import { classificationField, Form, type FieldSpec, type Values } from "./forms";
import type { DrawKind } from "./map/draw";
import type { components } from "./generated/openapi";
import { CATEGORIES, INCIDENT_STATUSES } from "./view";
import { headline } from "./headline";
import { t } from "./i18n";
import { sendFromSheet } from "./tasks";

export type Role = components["schemas"]["Role"]; // from the OpenAPI document
type Record_ = Feature<Geometry, Record<string, unknown>> & { id: number };

export interface SheetContext {
  api: Api;
  role: () => Role;
  /** The alerts resting on an incident (a surge's or a group's members included). */
  alertsFor: (incidentId: number) => Promise<Alert[]>;
  onSaved: (layer: "incidents" | "routes" | "camps") => void;
  startDrawing: (kind: DrawKind, initial: Position[], done: (geometry: Geometry) => void) => void;
  stopDrawing: () => void;
  currentGeometry: () => Geometry | null;
  onShown: (classifications: string[]) => void;
  /** A draggable pin at `position` on the map; `moved` hears where it is dropped. */
  placePin: (position: Position, moved: (position: Position) => void) => Pin;
  /** Draws an incident's evacuation routes on the map (null: takes them away). */
  showRoutes: (routes: FeatureCollection | null) => void;
}

export interface Pin {
  move(position: Position): void;
  remove(): void;
}

const ROUTE_STATUSES = ["active", "planned", "suspended", "closed"] as const;
const CAMP_KINDS = ["hq", "team_site", "company_base", "poc_site", "other"] as const;

export class Sheet {
  private readonly node = byId("sheet");
  /** Shows again the record on display (not a form), e.g. after the time convention changed. */
  private reopen: (() => Promise<void>) | null = null;
  private pin: Pin | null = null;

  constructor(private readonly context: SheetContext) {}

  /** Shows the record on display again, as it now reads; a form is left as it is. */
  refresh(): Promise<void> {
    return this.node.hidden || !this.reopen ? Promise.resolve() : this.reopen();
  }

  close(): void {
    this.reopen = null;
    this.dropPin();
    this.context.showRoutes(null);
    this.node.hidden = true;
    this.node.replaceChildren();
    this.context.stopDrawing();
    this.context.onShown([]);
  }

  /** A record under its marking (its name is data: not translated), or, with no
   * classification, a tool of the page (no marking of its own). */
  private show(title: string, classification: string | null, ...content: (HTMLElement | null)[]): void {
    this.context.showRoutes(null);
    const close = h("button", { type: "button", class: "close", "aria-label": t("Close details") }, "×");
    close.addEventListener("click", () => this.close());
    this.node.replaceChildren(
      h("div", { class: "sheet-head" }, h("h2", { translate: classification === null ? undefined : "no" }, title), close),
      ...[classification === null ? null
        : h("p", { class: "marking", "data-level": classification, translate: "no" }, marking(highest([classification]))),
      ...content].filter((c): c is HTMLElement => c !== null),
    );
    this.node.hidden = false;
    this.dropPin();
    this.context.onShown(classification === null ? [] : [classification]);
  }

  private dropPin(): void {
    this.pin?.remove();
    this.pin = null;
  }

  /** A tool of the page (not a record): no marking of its own. */
  showTool(title: string, ...content: HTMLElement[]): void {
    this.show(title, null, ...content);
  }

  showForm(form: Form): void {
    this.reopen = null;
    this.node.replaceChildren(form.element);
    this.node.hidden = false;
    form.element.querySelector<HTMLElement>("input, select, textarea")?.focus();
  }

  incident(feature: Record_, alerts: Alert[]): void {
    const p = feature.properties;
    const [lon, lat] = (feature.geometry as { coordinates: number[] }).coordinates;
    const rows: [string, string][] = [
      [t("Occurred"), when(String(p.occurred_at))],
      [t("Reported"), when(p.reported_at as string | null)],
      [t("Position"), formatPosition([lon, lat])],
      [t("Category"), label(String(p.category))],
      [t("Severity"), t("{n} of 5", { n: String(p.severity) })],
      [t("Status"), label(String(p.status))],
      [t("Source"), `${p.source ?? t("unknown")} (${grading(p.source_reliability, p.source_credibility)})`],
      [t("Casualties"), t("{killed} killed, {injured} injured", { killed: Number(p.fatalities ?? 0), injured: Number(p.injured ?? 0) })],
    ];
    this.show(
      String(p.title), String(p.classification),
      h("dl", { class: "details" }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      p.description ? h("p", { class: "description", translate: "no" }, String(p.description)) : null,
      this.incidentActions(feature),
      h("h3", {}, t("Alerts ({n})", { n: alerts.length })),
      h("ul", { class: "incident-alerts" }, ...alerts.map((a) => this.incidentAlert(a))),
      casevacSection(this.context.api, feature.id, this.context.showRoutes),
    );
  }

  /** One of the incident's alerts; for analysts, "Send a unit" while it is not resolved. */
  private incidentAlert(a: Alert): HTMLLIElement {
    const item = h("li", { class: `alert-${a.properties.level}`, "data-incident-alert": String(a.id) },
      `${label(a.properties.level).toUpperCase()} · ${headline(a.properties)}`,
      a.properties.distance_m !== null ? ` · ${distance(a.properties.distance_m)}` : "", ` · ${label(a.properties.status).toLowerCase()}`,
      accountability(a) ?? "");
    if (this.context.role() === "viewer" || a.properties.status === "resolved") return item;
    const slot = h("div", { class: "send-slot" });
    const send = h("button", { type: "button", class: "send-a-unit", title: t("Send a unit (fastest by road first)") }, t("Send a unit"));
    send.addEventListener("click", () => void sendFromSheet(this.context.api, a.id, slot));
    item.append(" ", send, slot);
    return item;
  }

  /** Edit, verify or dismiss for analysts; delete (confirmed) for admins. */
  private incidentActions(feature: Record_): HTMLElement | null {
    const role = this.context.role();
    if (role === "viewer") return null;
    const bar = h("div", { class: "record-actions" });
    const button = (id: string, text: string, act: () => Promise<void> | void, primary = false) => {
      const node = h("button", { type: "button", id, class: primary ? "primary" : "" }, text);
      node.addEventListener("click", () => void (async () => {
        node.disabled = true;
        try {
          await act();
        } catch (error) {
          byId("announcer").textContent = error instanceof Error ? error.message : t("The change failed.");
          node.disabled = false;
        }
      })());
      bar.append(node);
    };
    const setStatus = async (status: string) => {
      await this.context.api.patch(`/incidents/${feature.id}`, { properties: { status } });
      this.context.onSaved("incidents");
      await this.openIncident(feature.id);
    };
    button("edit-incident", t("Edit"), () => this.incidentForm(feature), true);
    if (feature.properties.status !== "verified") button("verify-incident", t("Verify"), () => setStatus("verified"));
    if (feature.properties.status !== "dismissed") button("dismiss-incident", t("Dismiss"), () => setStatus("dismissed"));
    if (role === "admin") {
      button("delete-incident", t("Delete…"), () => {
        const confirm = h("button", { type: "button", id: "delete-confirm", class: "danger" }, t("Delete for good"));
        confirm.addEventListener("click", () => void this.context.api.delete(`/incidents/${feature.id}`).then(() => {
          this.close();
          this.context.onSaved("incidents");
        }));
        bar.replaceChildren(h("span", { class: "small" }, `${t("Delete this incident and its history?")} `), confirm);
        confirm.focus();
      });
    }
    return bar;
  }

  async openIncident(id: number): Promise<void> {
    const [feature, alerts] = await Promise.all([
      this.context.api.get<Record_>(`/incidents/${id}`), this.context.alertsFor(id),
    ]);
    this.incident(feature, alerts);
    this.reopen = () => this.openIncident(id);
  }

  async openRecord(layer: "routes" | "camps", id: number): Promise<void> {
    const feature = await this.context.api.get<Record_>(`/${layer}/${id}`);
    this.reopen = () => this.openRecord(layer, id);
    const p = feature.properties;
    const rows: [string, string][] = layer === "routes"
      ? [[t("Status"), label(String(p.status))], [t("Active from"), when(p.active_from as string | null) || "—"], [t("Active until"), when(p.active_until as string | null) || "—"]]
      : [[t("Kind"), label(String(p.kind))], [t("Unit"), String(p.unit ?? "—")]];
    const canEdit = layer === "routes" ? this.context.role() !== "viewer" : this.context.role() === "admin";
    const edit = canEdit ? h("button", { type: "button", class: "primary", id: "edit-record" }, layer === "routes" ? t("Edit route") : t("Edit perimeter")) : null;
    edit?.addEventListener("click", () => (layer === "routes" ? this.routeForm(feature) : this.campForm(feature)));
    this.show(String(p.name), String(p.classification),
      h("dl", { class: "details" }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      p.description ? h("p", { class: "description", translate: "no" }, String(p.description)) : null, edit);
  }

  /** A new incident at `position` (the analyst clicked the map). */
  newIncident(position: Position): void {
    this.incidentForm(null, position);
  }

  /**
   * The incident form, new or editing: the position is a pin on the map that can be
   * dragged, and latitude and longitude that can be typed; each follows the other.
   */
  private incidentForm(feature: Record_ | null, at?: Position): void {
    const p = feature?.properties ?? {};
    const start = at ?? (feature?.geometry as { coordinates: Position }).coordinates;
    const text = (name: string) => (p[name] === null || p[name] === undefined ? "" : String(p[name]));
    const fields: FieldSpec[] = [
      { name: "title", label: t("Title"), kind: "text", required: true, value: text("title") },
      { name: "occurred_at", label: t("Occurred at"), kind: "datetime", required: true, value: toTimeInput(p.occurred_at ? new Date(String(p.occurred_at)) : new Date()) },
      { name: "position", label: t("Position in any notation (decimal, DMS or MGRS)"), kind: "text", value: "", check: (v) => parsePosition(v) === null ? t("is not a position: write e.g. -1.6792, 29.2228 or 1°40′45″S 29°13′22″E or 35M QU 12345 67890") : null },
      { name: "latitude", label: t("Latitude (decimal degrees, south negative)"), kind: "text", required: true, value: start[1].toFixed(6), check: (v) => degrees(v, 90) === null ? t("must be a number from -90 to 90") : null },
      { name: "longitude", label: t("Longitude (decimal degrees, west negative)"), kind: "text", required: true, value: start[0].toFixed(6), check: (v) => degrees(v, 180) === null ? t("must be a number from -180 to 180") : null },
      { name: "category", label: t("Category"), kind: "select", options: CATEGORIES, value: text("category") },
      { name: "severity", label: t("Severity (1–5)"), kind: "select", options: ["1", "2", "3", "4", "5"], value: text("severity") || "3" },
      { name: "status", label: t("Status"), kind: "select", options: INCIDENT_STATUSES, value: text("status") },
      { name: "source", label: t("Source"), kind: "text", value: text("source") },
      { name: "source_reliability", label: t("Source reliability (A–F)"), kind: "select", options: ["", "A", "B", "C", "D", "E", "F"], optionLabel: (v) => v || t("not graded"), value: text("source_reliability") },
      { name: "source_credibility", label: t("Information credibility (1–6)"), kind: "select", options: ["", "1", "2", "3", "4", "5", "6"], optionLabel: (v) => v || t("not graded"), value: text("source_credibility") },
      { name: "description", label: t("Description"), kind: "textarea", value: text("description") },
      classificationField(text("classification") || "unclassified"),
    ];
    const hint = h("p", { class: "small" }, t("Drag the pin on the map, or type the coordinates."));
    const form = new Form("incident-form", feature ? t("Edit incident") : t("New incident"), fields, t("Save incident"), async (values) => {
      const position: Position = [Number(degrees(values.longitude, 180)), Number(degrees(values.latitude, 90))];
      const body = { type: "Feature", geometry: { type: "Point", coordinates: position }, properties: incidentProperties(values) };
      if (feature) await this.context.api.patch(`/incidents/${feature.id}`, body);
      else await this.context.api.post("/incidents", body);
      this.close();
      this.context.onSaved("incidents");
    }, () => this.close(), hint);
    this.showForm(form);
    const latitude = byId<HTMLInputElement>("incident-form-latitude");
    const longitude = byId<HTMLInputElement>("incident-form-longitude");
    this.pin = this.context.placePin(start, ([lon, lat]) => {
      longitude.value = lon.toFixed(6);
      latitude.value = lat.toFixed(6);
    });
    const typed = () => {
      const lat = degrees(latitude.value, 90);
      const lon = degrees(longitude.value, 180);
      if (lat !== null && lon !== null) this.pin?.move([lon, lat]);
    };
    latitude.addEventListener("input", typed);
    longitude.addEventListener("input", typed);
    const anyNotation = byId<HTMLInputElement>("incident-form-position");
    anyNotation.addEventListener("input", () => {
      const position = parsePosition(anyNotation.value);
      if (!position) return;
      longitude.value = position[0].toFixed(6);
      latitude.value = position[1].toFixed(6);
      typed();
    });
  }

  newRoute(): void {
    this.context.startDrawing("LineString", [], (geometry) => this.routeForm(null, geometry));
  }

  newCamp(): void {
    this.context.startDrawing("Polygon", [], (geometry) => this.campForm(null, geometry));
  }

  private routeForm(feature: Record_ | null, drawn?: Geometry): void {
    const p = feature?.properties ?? {};
    const fields: FieldSpec[] = [
      { name: "name", label: t("Name"), kind: "text", required: true, value: String(p.name ?? "") },
      { name: "status", label: t("Status"), kind: "select", options: ROUTE_STATUSES, value: String(p.status ?? "planned") },
      { name: "active_from", label: t("Active from"), kind: "datetime", value: p.active_from ? toTimeInput(new Date(String(p.active_from))) : "" },
      { name: "active_until", label: t("Active until"), kind: "datetime", value: p.active_until ? toTimeInput(new Date(String(p.active_until))) : "" },
      { name: "description", label: t("Description"), kind: "textarea", value: String(p.description ?? "") },
      classificationField(String(p.classification ?? "unclassified")),
    ];
    this.editableForm("routes", "LineString", feature, drawn, fields, (values) => ({
      name: values.name,
      status: values.status,
      active_from: values.active_from || null,
      active_until: values.active_until || null,
      description: values.description,
      classification: values.classification,
    }));
  }

  private campForm(feature: Record_ | null, drawn?: Geometry): void {
    const p = feature?.properties ?? {};
    const fields: FieldSpec[] = [
      { name: "name", label: t("Name"), kind: "text", required: true, value: String(p.name ?? "") },
      { name: "kind", label: t("Kind"), kind: "select", options: CAMP_KINDS, value: String(p.kind ?? "other") },
      { name: "unit", label: t("Unit"), kind: "text", value: String(p.unit ?? "") },
      { name: "description", label: t("Description"), kind: "textarea", value: String(p.description ?? "") },
      classificationField(String(p.classification ?? "unclassified")),
    ];
    this.editableForm("camps", "Polygon", feature, drawn, fields, (values) => ({
      name: values.name,
      kind: values.kind,
      unit: values.unit || null,
      description: values.description,
      classification: values.classification,
    }));
  }

  /** A form for a line or polygon record; an existing one's vertices can be dragged meanwhile. */
  private editableForm(
    layer: "routes" | "camps", kind: DrawKind, feature: Record_ | null, drawn: Geometry | undefined,
    fields: FieldSpec[], properties: (values: Values) => Record<string, unknown>,
  ): void {
    // The drawing stays on the map while the form is open: what is saved is what is drawn.
    if (feature) {
      const vertices = kind === "Polygon"
        ? ((feature.geometry as { coordinates: Position[][] }).coordinates[0] ?? []).slice(0, -1)
        : (feature.geometry as { coordinates: Position[] }).coordinates;
      this.context.startDrawing(kind, vertices, () => undefined);
    }
    const noun = layer === "routes" ? "route" : "camp";
    const words = layer === "routes"
      ? { edit: t("Edit route"), create: t("New route"), save: t("Save route") }
      : { edit: t("Edit camp"), create: t("New camp"), save: t("Save camp") };
    const hint = feature ? h("p", { class: "small" }, t("Drag the vertices on the map to change the shape; click to add one.")) : null;
    const form = new Form(`${noun}-form`, feature ? words.edit : words.create, fields, words.save, async (values) => {
      const body: Record<string, unknown> = { type: "Feature", properties: properties(values) };
      const finished = this.context.currentGeometry() ?? drawn;
      if (finished) body.geometry = finished;
      if (feature) await this.context.api.patch(`/${layer}/${feature.id}`, body);
      else await this.context.api.post(`/${layer}`, body);
      this.close();
      this.context.onSaved(layer);
    }, () => this.close(), hint);
    this.showForm(form);
  }
}

/** A typed decimal degree within ±`limit`, or null. */
export function degrees(value: string, limit: number): number | null {
  const text = value.trim().replace(",", ".");
  if (!/^[+-]?\d{1,3}(\.\d+)?$/.test(text)) return null;
  const number = Number(text);
  return Math.abs(number) <= limit ? number : null;
}

export function incidentProperties(values: Values): Record<string, unknown> {
  return {
    title: values.title,
    occurred_at: values.occurred_at || null,
    category: values.category,
    severity: Number(values.severity),
    status: values.status,
    source: values.source || null,
    source_reliability: values.source_reliability || null,
    source_credibility: values.source_credibility ? Number(values.source_credibility) : null,
    description: values.description,
    classification: values.classification,
  };
}
