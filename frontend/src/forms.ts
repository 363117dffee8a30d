// Forms in the side sheet: incidents, routes and camps. Missing and malformed fields are
// said beside the field before anything is sent; the server's validation errors
// (problem+json `errors[]`) are shown the same way.

import { ApiError } from "./api";
import { LEVELS, marking } from "./classification";
import { h } from "./dom";
import { fromTimeInput, label, timeConvention, zoneLabel, type TimeConvention } from "./format";
import { t, translate } from "./i18n";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "text" | "textarea" | "select" | "number" | "datetime";
  options?: readonly string[];
  optionLabel?: (value: string) => string;
  required?: boolean;
  value?: string;
  /** What is wrong with a typed value (said after the label), or null. */
  check?: (value: string) => string | null;
}

export type Values = Record<string, string>;

export const classificationField = (value = "unclassified"): FieldSpec => ({
  name: "classification",
  label: t("Classification"),
  kind: "select",
  options: LEVELS,
  optionLabel: (level) => marking(level as (typeof LEVELS)[number]),
  value,
});

function control(spec: FieldSpec, id: string, errorId: string): HTMLElement {
  const common = { id, name: spec.name, "aria-describedby": errorId, required: spec.required };
  if (spec.kind === "textarea") {
    const area = h("textarea", { ...common, rows: 3 });
    area.value = spec.value ?? "";
    return area;
  }
  if (spec.kind === "select") {
    const select = h("select", common);
    for (const option of spec.options ?? []) {
      select.append(h("option", { value: option }, (spec.optionLabel ?? label)(option)));
    }
    if (spec.value) select.value = spec.value;
    return select;
  }
  if (spec.kind === "datetime") {
    // A text field in one convention (not the browser's locale picker), labelled with its zone.
    const input = h("input", { ...common, type: "text", placeholder: t("YYYY-MM-DD HH:MM"), autocomplete: "off", spellcheck: false, class: "time-input" });
    input.value = spec.value ?? "";
    return h("span", { class: "time-field" }, input, h("span", { class: "zone", "aria-hidden": "true" }, zoneLabel()));
  }
  const input = h("input", { ...common, type: spec.kind });
  input.value = spec.value ?? "";
  return input;
}

/** What is wrong with a field before it is sent, or null. */
export function fieldProblem(spec: FieldSpec, value: string, convention: TimeConvention): string | null {
  if (spec.required && !value.trim()) return t("is required");
  if (spec.kind === "datetime" && value.trim() && fromTimeInput(value, convention) === null) {
    return t("is not a time: write it as YYYY-MM-DD HH:MM ({zone})", { zone: zoneLabel(convention) });
  }
  if (spec.check && value.trim()) return spec.check(value);
  return null;
}

export class Form {
  readonly element: HTMLFormElement;
  /** The zone its time fields are read in, fixed when the form is made. */
  private readonly convention = timeConvention();
  private readonly errors = new Map<string, HTMLElement>();
  private readonly general: HTMLElement;
  private readonly submitButton: HTMLButtonElement;

  constructor(
    readonly id: string,
    title: string,
    private readonly fields: FieldSpec[],
    submitLabel: string,
    private readonly onSubmit: (values: Values) => Promise<void>,
    onCancel: () => void,
    extra: HTMLElement | null = null,
  ) {
    this.general = h("p", { class: "form-error", role: "alert" });
    this.submitButton = h("button", { type: "submit", class: "primary" }, submitLabel);
    const cancel = h("button", { type: "button" }, t("Cancel"));
    cancel.addEventListener("click", onCancel);
    this.element = h("form", { id, class: "sheet-form", novalidate: true, "aria-label": title },
      h("h2", {}, title), extra, this.general);
    for (const spec of fields) {
      const inputId = `${id}-${spec.name}`;
      const errorId = `${inputId}-error`;
      const error = h("p", { class: "field-error", id: errorId, "aria-live": "polite" });
      this.errors.set(spec.name, error);
      this.element.append(
        h("div", { class: "field" }, h("label", { for: inputId }, spec.kind === "datetime" ? `${spec.label} (${zoneLabel()})` : spec.label), control(spec, inputId, errorId), error),
      );
    }
    this.element.append(h("div", { class: "form-actions" }, this.submitButton, cancel));
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** What was typed, as typed. */
  typed(): Values {
    const data = new FormData(this.element);
    const values: Values = {};
    for (const [name, value] of data.entries()) values[name] = String(value);
    return values;
  }

  /** What is sent: time fields as ISO instants read in the zone the form was made with
   * (empty when left empty), everything else as typed. */
  values(): Values {
    const values = this.typed();
    for (const spec of this.fields) {
      if (spec.kind === "datetime") values[spec.name] = fromTimeInput(values[spec.name] ?? "", this.convention) ?? "";
    }
    return values;
  }

  clearErrors(): void {
    this.general.textContent = "";
    for (const node of this.errors.values()) node.textContent = "";
    for (const input of this.element.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  showError(error: unknown): void {
    if (!(error instanceof ApiError)) {
      this.general.textContent = t("Something went wrong; try again.");
      return;
    }
    const unplaced: string[] = [];
    for (const [field, said] of error.byField()) {
      const message = translate(said); // the server's plain words, in the page's language when known
      const spec = this.fields.find((f) => f.name === field);
      if (spec) {
        // "is required" reads after the field's name; a sentence of its own stands alone.
        this.markField(field, /^[a-z]/.test(message) ? `${spec.label} ${message}.` : message);
      } else {
        unplaced.push(field && field !== "geometry" ? `${label(field)}: ${message}` : message);
      }
    }
    this.general.textContent = unplaced.length ? unplaced.join(" · ") : error.errors.length ? "" : error.message;
  }

  /** Says what is missing or malformed beside its field; true when nothing is. */
  private checked(): boolean {
    const values = this.typed();
    let first: HTMLElement | null = null;
    for (const spec of this.fields) {
      const problem = fieldProblem(spec, values[spec.name] ?? "", this.convention);
      if (!problem) continue;
      this.markField(spec.name, `${spec.label} ${problem}.`);
      first ??= this.element.querySelector<HTMLElement>(`[name="${spec.name}"]`);
    }
    first?.focus();
    return first === null;
  }

  private markField(field: string, message: string): void {
    const node = this.errors.get(field);
    if (node) node.textContent = message;
    this.element.querySelector(`[name="${field}"]`)?.setAttribute("aria-invalid", "true");
  }

  private async submit(): Promise<void> {
    this.clearErrors();
    if (!this.checked()) return;
    this.submitButton.disabled = true;
    try {
      await this.onSubmit(this.values());
    } catch (error) {
      this.showError(error);
    } finally {
      this.submitButton.disabled = false;
    }
  }
}
