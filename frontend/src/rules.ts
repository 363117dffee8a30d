// The rules screen (admins): each rule with its settings, and a form that changes them.
// What a rule may hold is the server's to say (GET /rules shows every option with its
// value, defaults included); the form edits the options analysts set and sends the rule's
// whole params back, the others unchanged.

import type { Api } from "./api";
import { h } from "./dom";
import { label } from "./format";
import { Form, type FieldSpec, type Values } from "./forms";
import { decimal, t } from "./i18n";
import type { MessageKey } from "./messages/fr";

export interface Band {
  level: string;
  distance_m: number;
}

export interface RuleRecord {
  id: number;
  name: string;
  kind: string;
  enabled: boolean;
  params: Record<string, unknown> & { bands?: Band[] };
}

const LEVELS = ["critical", "warning", "watch"];

/** Numeric options, by name: their label. Shown when the rule has the option. */
const NUMBERS: [string, MessageKey][] = [
  ["cooldown_minutes", "Cooldown (minutes; 0: an alert per incident)"],
  ["dwell_minutes", "Dwell (minutes reports must span; 0: the first report raises)"],
  ["margin_m", "Margin before an alert steps down (metres; empty: never)"],
  ["near_uncertainty_m", "Uncertainty of a position near a named place (metres)"],
  ["district_uncertainty_m", "Uncertainty of a district-level position (metres)"],
  ["lead_hours", "Lead time before a planned route's window (hours)"],
  ["min_count", "Incidents that make a surge"],
  ["radius_m", "Surge radius (metres)"],
  ["window_hours", "Surge window (hours)"],
  ["window_days", "Recent window (days)"],
  ["baseline_windows", "Earlier windows averaged"],
  ["min_ratio", "Times the average"],
  ["max_age_hours", "Incidents count for (hours)"],
  ["expires_hours", "Alert stands for, after its last change (hours)"],
];

/** Options that may be left empty (none). */
const OPTIONAL = new Set(["margin_m"]);

/** "critical 2000; warning 5000" ⇄ bands; levels in the page's language ("critique 2000"). */
export function bandsText(bands: Band[]): string {
  return bands.map((band) => `${label(band.level).toLowerCase()} ${band.distance_m}`).join("; ");
}

export function parseBands(text: string): Band[] | null {
  const level = (word: string) => LEVELS.find((known) => known === word || label(known).toLowerCase() === word);
  const bands: Band[] = [];
  for (const part of text.split(";").map((piece) => piece.trim()).filter(Boolean)) {
    const match = /^(\p{L}+)\s+(\d+(?:[.,]\d+)?)$/u.exec(part);
    const known = match ? level(match[1].toLowerCase()) : undefined;
    if (!match || !known) return null;
    bands.push({ level: known, distance_m: Number(match[2].replace(",", ".")) });
  }
  return bands.length ? bands : null;
}

/** One line of a rule's settings, for the list. */
export function summary(rule: RuleRecord): string {
  const p = rule.params;
  const km = (metres: unknown) => `${decimal(Number(metres) / 1000, 1)} km`;
  if (rule.kind === "baseline") {
    return t("{count}+ incidents within {radius} in {days} d, {ratio}× their average → {level}", {
      count: Number(p.min_count), radius: km(p.radius_m), days: Number(p.window_days),
      ratio: decimal(Number(p.min_ratio), 1), level: label(String(p.level)).toLowerCase(),
    });
  }
  if (rule.kind === "coverage") {
    const steps = (p.steps ?? []) as { level: string; min_level: number; minutes: number }[];
    return steps.map((step) => t("level {n}+ care beyond {minutes} min by road → {level}", {
      n: step.min_level, minutes: decimal(step.minutes, 0), level: label(step.level).toLowerCase(),
    })).join(" · ");
  }
  if (rule.kind === "cluster") {
    return t("{count} incidents within {radius} in {hours} h → {level}", {
      count: Number(p.min_count), radius: km(p.radius_m), hours: Number(p.window_hours), level: label(String(p.level)).toLowerCase(),
    });
  }
  const bands = (p.bands ?? []).map((band) => `${label(band.level).toLowerCase()} ≤ ${km(band.distance_m)}`).join(", ");
  const cooldown = Number(p.cooldown_minutes ?? 0);
  const dwell = Number(p.dwell_minutes ?? 0);
  return [
    bands,
    ...(cooldown > 0 ? [t("grouped for {n} min", { n: cooldown })] : []),
    ...(dwell > 0 ? [t("after {n} min of activity", { n: dwell })] : []),
  ].join(" · ");
}

export interface RulesScreenContext {
  api: Api;
  show: (title: string, ...content: HTMLElement[]) => void;
  showForm: (form: Form) => void;
  /** A rule changed: its zones and alerts may have too. */
  onSaved: () => void;
}

export class RulesScreen {
  constructor(private readonly context: RulesScreenContext) {}

  async open(): Promise<void> {
    const { items } = await this.context.api.get<{ items: RuleRecord[] }>("/rules");
    const rows = items.map((rule) => {
      const edit = h("button", { type: "button", class: "rule-edit", "data-rule-id": String(rule.id) }, t("Change"));
      edit.addEventListener("click", () => this.edit(rule));
      return h("li", { class: `rule ${rule.enabled ? "" : "disabled"}`, "data-rule-id": String(rule.id) },
        h("div", { class: "rule-head" }, h("strong", { translate: "no" }, rule.name),
          ` · ${rule.enabled ? t("on") : t("off")}`, edit),
        h("div", { class: "small rule-summary" }, summary(rule)));
    });
    this.context.show(t("Rules"), h("ul", { class: "rule-list" }, ...rows));
  }

  private edit(rule: RuleRecord): void {
    const p = rule.params;
    const fields: FieldSpec[] = [
      { name: "name", label: t("Name"), kind: "text", required: true, value: rule.name },
      { name: "enabled", label: t("Enabled"), kind: "select", options: ["true", "false"], optionLabel: (v) => (v === "true" ? t("on") : t("off")), value: String(rule.enabled) },
    ];
    if (p.bands) {
      fields.push({
        name: "bands", label: t("Bands (level and distance in metres; closest first)"), kind: "text", required: true,
        value: bandsText(p.bands),
        check: (v) => (parseBands(v) === null ? t("is not a list of bands: write e.g. critical 2000; warning 5000") : null),
      });
    }
    if ("level" in p) fields.push({ name: "level", label: t("Level"), kind: "select", options: LEVELS, value: String(p.level) });
    for (const [name, text] of NUMBERS) {
      if (!(name in p) || (name === "lead_hours" && p.target !== "route")) continue; // routes only
      fields.push({
        name, label: t(text), kind: "text", required: !OPTIONAL.has(name), value: p[name] === null ? "" : String(p[name]),
        check: (v) => (Number.isFinite(Number(v.replace(",", "."))) ? null : t("must be a number")),
      });
    }
    fields.push(
      { name: "severity_min", label: t("Minimum severity"), kind: "select", options: ["1", "2", "3", "4", "5"], value: String(p.severity_min) },
      { name: "instruction", label: t("Instruction (CAP, English)"), kind: "textarea", required: true, value: String(p.instruction ?? "") },
      { name: "instruction_fr", label: t("Instruction (CAP, French; empty: English only)"), kind: "textarea", value: String(p.instruction_fr ?? "") },
    );
    const form = new Form("rule-form", t("Change rule"), fields, t("Save rule"), async (values) => {
      await this.context.api.patch(`/rules/${rule.id}`, {
        name: values.name,
        enabled: values.enabled === "true",
        params: ruleParams(p, values),
      });
      this.context.onSaved();
      await this.open();
    }, () => void this.open());
    this.context.showForm(form);
  }
}

/** The rule's params with the form's values in place; what the form does not show is kept. */
export function ruleParams(params: RuleRecord["params"], values: Values): Record<string, unknown> {
  const next: Record<string, unknown> = { ...params };
  if (values.bands !== undefined) next.bands = parseBands(values.bands) ?? params.bands;
  if (values.level !== undefined) next.level = values.level;
  for (const [name] of NUMBERS) {
    if (values[name] === undefined) continue;
    next[name] = OPTIONAL.has(name) && !values[name].trim() ? null : Number(values[name].replace(",", "."));
  }
  next.severity_min = Number(values.severity_min);
  next.instruction = values.instruction;
  next.instruction_fr = values.instruction_fr.trim() || null;
  return next;
}
