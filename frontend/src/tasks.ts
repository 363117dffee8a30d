// The response loop in the alert panel (issue 20): the units each alert was given to,
// where each task stands and since when; for analysts, the next step of a task, and
// tasking itself: the available units, fastest by road first, each with a "send".

import type { Api } from "./api";
import { travelTime } from "./casevac";
import { h } from "./dom";
import { ago, label, when } from "./format";
import type { components } from "./generated/openapi";
import { decimal, t } from "./i18n";

// From the API's OpenAPI document (scripts/api-types), never written by hand.
export type Task = components["schemas"]["Task"];
export type TaskStatus = Task["status"];
export type UnitOption = components["schemas"]["UnitOption"];

/** The step an analyst moves a task to next (a step may be skipped on the API). */
export const NEXT_STEP: Record<TaskStatus, TaskStatus | null> = {
  tasked: "en_route", en_route: "on_scene", on_scene: "completed", completed: null, cancelled: null,
};
const ACTIVE: readonly TaskStatus[] = ["tasked", "en_route", "on_scene"];

const STEP_BUTTONS: Record<TaskStatus, () => string> = {
  tasked: () => t("Tasked"),
  en_route: () => t("Mark en route"),
  on_scene: () => t("Mark on scene"),
  completed: () => t("Mark completed"),
  cancelled: () => t("Cancel the task"),
};

/** The tasks the panel knows: loaded once, then kept current by the stream's events. */
export class TaskBook {
  private readonly tasks = new Map<number, Task>();

  load(tasks: Task[]): void {
    for (const task of tasks) this.keep(task);
  }

  /** Keep a task as the server sent it; an older version (a replay) is ignored. */
  keep(task: Task): boolean {
    const known = this.tasks.get(task.id);
    if (known && known.version > task.version) return false;
    this.tasks.set(task.id, task);
    return true;
  }

  /** The alert's tasks, the first given first. */
  forAlert(alertId: number): Task[] {
    return [...this.tasks.values()].filter((task) => task.alert_id === alertId).sort((a, b) => a.id - b.id);
  }
}

/** When the task reached the step it is at. */
export function stepTime(task: Task): string {
  const times: Record<TaskStatus, string | null> = {
    tasked: task.tasked_at, en_route: task.en_route_at, on_scene: task.on_scene_at,
    completed: task.completed_at, cancelled: task.cancelled_at,
  };
  return times[task.status] ?? task.updated_at;
}

/** One task: the unit, its step and since when; for analysts, the next step and cancel. */
export function taskRow(task: Task, canAct: boolean, onStep: (task: Task, status: TaskStatus, button: HTMLButtonElement) => void): HTMLLIElement {
  const at = stepTime(task);
  const row = h("li", { class: `task task-${task.status}`, "data-task-id": String(task.id), "data-status": task.status },
    h("span", { class: "unit", translate: "no" }, task.unit.name),
    ` · ${label(task.unit.kind)} · `,
    h("strong", { class: "step" }, label(task.status)),
    " ",
    h("time", { datetime: at, title: when(at) }, ago(at)),
    task.note ? h("q", { translate: "no" }, task.note) : "",
  );
  if (!canAct || !ACTIVE.includes(task.status)) return row;
  const next = NEXT_STEP[task.status];
  const buttons: HTMLButtonElement[] = [];
  for (const status of [next, "cancelled" as const]) {
    if (status === null) continue;
    const button = h("button", { type: "button", class: `task-step step-${status}`, "data-step": status }, STEP_BUTTONS[status]());
    button.addEventListener("click", () => onStep(task, status, button));
    buttons.push(button);
  }
  row.append(h("span", { class: "task-actions" }, ...buttons));
  return row;
}

/** How far a unit is: its time by road, or (no road) its straight-line distance. */
export function unitReach(unit: UnitOption): string {
  if (unit.travel_time_s !== null) return t("{time} by road", { time: travelTime(unit.travel_time_s) });
  return t("no road · {km} km straight", { km: decimal(unit.straight_m / 1000, 1) });
}

/** The units to send, fastest first, with a note for whoever goes (kept in `draft`). */
export function unitChooser(units: UnitOption[] | null, onSend: (unit: UnitOption, note: string | null, button: HTMLButtonElement) => void, onClose: () => void,
  draft: { note: string } = { note: "" }): HTMLElement {
  const note = h("input", {
    type: "text", maxlength: 2000, class: "note task-note", "aria-label": t("Task note"),
    placeholder: t("Note (optional): what the unit is to do"), value: draft.note,
  });
  // The panel is drawn again at every live event: the note being written is kept.
  note.addEventListener("input", () => {
    draft.note = note.value;
  });
  const close = h("button", { type: "button", class: "task-close" }, t("Cancel"));
  close.addEventListener("click", onClose);
  note.addEventListener("keydown", (event) => {
    if (event.key === "Escape") onClose();
  });
  const box = h("div", { class: "task-chooser", role: "group", "aria-label": t("Send a unit") },
    h("div", { class: "task-chooser-head" }, h("strong", {}, t("Send a unit")), close), note);
  if (units === null) {
    box.append(h("p", { class: "small" }, t("Finding the units…")));
    return box;
  }
  if (!units.length) {
    box.append(h("p", { class: "small" }, t("No unit is available.")));
    return box;
  }
  box.append(h("ol", { class: "unit-options" }, ...units.map((unit) => {
    const send = h("button", { type: "button", class: "primary send-unit", "data-unit-id": String(unit.unit_id),
      "aria-label": t("Send {unit}", { unit: unit.name }) }, t("Send"));
    send.addEventListener("click", () => onSend(unit, note.value.trim() || null, send));
    return h("li", { class: unit.reachable ? "reachable" : "unreachable" },
      h("span", { class: "what" }, h("span", { class: "unit", translate: "no" }, unit.name), ` · ${label(unit.kind)} · `,
        h("span", { class: "reach" }, unitReach(unit))), send);
  })));
  queueMicrotask(() => {
    note.focus();
    note.setSelectionRange(note.value.length, note.value.length);
  });
  return box;
}

/** Hand the alert to the unit (the panel's Send and the sheet's). */
export function postTask(api: Api, alertId: number, unit: UnitOption, note: string | null): Promise<Task> {
  return api.post<Task>(`/alerts/${alertId}/tasks`, { unit_id: unit.unit_id, ...(note ? { note } : {}) });
}

/** The incident sheet's "Send a unit" for one of its alerts: the chooser in `slot`; a
 * sent unit is said there (the panel hears of the task from the stream). */
export async function sendFromSheet(api: Api, alertId: number, slot: HTMLElement): Promise<void> {
  const close = () => slot.replaceChildren();
  slot.replaceChildren(unitChooser(null, () => undefined, close));
  try {
    const { units } = await api.get<{ units: UnitOption[] }>(`/alerts/${alertId}/units`, new URLSearchParams({ limit: "8" }));
    slot.replaceChildren(unitChooser(units, (unit, note, button) => void (async () => {
      button.disabled = true;
      try {
        await postTask(api, alertId, unit, note);
        slot.replaceChildren(h("p", { class: "small sent" }, t("{unit} tasked.", { unit: unit.name })));
      } catch (error) {
        button.disabled = false;
        button.title = error instanceof Error ? error.message : t("The change failed.");
      }
    })(), close));
  } catch (error) {
    slot.replaceChildren(h("p", { class: "small" }, error instanceof Error ? error.message : t("The change failed.")));
  }
}
