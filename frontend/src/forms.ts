// Forms in the side sheet: incidents, routes and camps. The server's validation
// errors (problem+json `errors[]`) are shown beside the field they name.

import { ApiError } from "./api";
import { LEVELS, marking } from "./classification";
import { h } from "./dom";
import { label } from "./format";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "text" | "textarea" | "select" | "number" | "datetime";
  options?: readonly string[];
  optionLabel?: (value: string) => string;
  required?: boolean;
  value?: string;
}

export type Values = Record<string, string>;

export const classificationField = (value = "unclassified"): FieldSpec => ({
  name: "classification",
  label: "Classification",
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
  const type = spec.kind === "datetime" ? "datetime-local" : spec.kind;
  const input = h("input", { ...common, type });
  input.value = spec.value ?? "";
  return input;
}

export class Form {
  readonly element: HTMLFormElement;
  private readonly errors = new Map<string, HTMLElement>();
  private readonly general: HTMLElement;
  private readonly submitButton: HTMLButtonElement;

  constructor(
    readonly id: string,
    title: string,
    fields: FieldSpec[],
    submitLabel: string,
    private readonly onSubmit: (values: Values) => Promise<void>,
    onCancel: () => void,
    extra: HTMLElement | null = null,
  ) {
    this.general = h("p", { class: "form-error", role: "alert" });
    this.submitButton = h("button", { type: "submit", class: "primary" }, submitLabel);
    const cancel = h("button", { type: "button" }, "Cancel");
    cancel.addEventListener("click", onCancel);
    this.element = h("form", { id, class: "sheet-form", novalidate: true, "aria-label": title },
      h("h2", {}, title), extra, this.general);
    for (const spec of fields) {
      const inputId = `${id}-${spec.name}`;
      const errorId = `${inputId}-error`;
      const error = h("p", { class: "field-error", id: errorId, "aria-live": "polite" });
      this.errors.set(spec.name, error);
      this.element.append(
        h("div", { class: "field" }, h("label", { for: inputId }, spec.label), control(spec, inputId, errorId), error),
      );
    }
    this.element.append(h("div", { class: "form-actions" }, this.submitButton, cancel));
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  values(): Values {
    const data = new FormData(this.element);
    const values: Values = {};
    for (const [name, value] of data.entries()) values[name] = String(value);
    return values;
  }

  clearErrors(): void {
    this.general.textContent = "";
    for (const node of this.errors.values()) node.textContent = "";
    for (const input of this.element.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  showError(error: unknown): void {
    if (!(error instanceof ApiError)) {
      this.general.textContent = "Something went wrong; try again.";
      return;
    }
    const unplaced: string[] = [];
    for (const [field, message] of error.byField()) {
      const node = this.errors.get(field);
      if (node) {
        node.textContent = message;
        this.element.querySelector(`[name="${field}"]`)?.setAttribute("aria-invalid", "true");
      } else {
        unplaced.push(field && field !== "geometry" ? `${label(field)}: ${message}` : message);
      }
    }
    this.general.textContent = unplaced.length ? unplaced.join(" · ") : error.errors.length ? "" : error.message;
  }

  private async submit(): Promise<void> {
    this.clearErrors();
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
