import { describe, expect, it } from "vitest";
import { NEXT_STEP, TaskBook, stepTime, taskRow, type Task, type UnitOption, unitChooser, unitReach } from "../src/tasks";

function task(id: number, alertId: number, version: number, changes: Partial<Task> = {}): Task {
  return {
    id, alert_id: alertId, unit: { id: 7, name: "QRF A", kind: "qrf" }, status: "tasked", note: null,
    classification: "confidential", alert_level: "critical", alert_created_at: "2026-11-27T01:00:00Z",
    tasked_at: "2026-11-27T01:05:00Z", tasked_by: "ops", en_route_at: null, on_scene_at: null,
    completed_at: null, cancelled_at: null, updated_at: "2026-11-27T01:05:00Z", updated_by: "ops", version,
    ...changes,
  };
}

describe("the tasks the panel knows", () => {
  it("keeps the newest version of each task, whatever order the events come in", () => {
    const book = new TaskBook();
    expect(book.keep(task(2, 10, 2, { status: "en_route", en_route_at: "2026-11-27T01:10:00Z" }))).toBe(true);
    expect(book.keep(task(2, 10, 1))).toBe(false); // a replay of the older step
    expect(book.keep(task(1, 10, 1))).toBe(true);
    expect(book.keep(task(3, 11, 1))).toBe(true);
    expect(book.forAlert(10).map((t) => [t.id, t.status])).toEqual([[1, "tasked"], [2, "en_route"]]);
    expect(book.forAlert(12)).toEqual([]);
  });

  it("moves forward one step at a time and stops at the end", () => {
    expect(NEXT_STEP.tasked).toBe("en_route");
    expect(NEXT_STEP.en_route).toBe("on_scene");
    expect(NEXT_STEP.on_scene).toBe("completed");
    expect(NEXT_STEP.completed).toBeNull();
    expect(NEXT_STEP.cancelled).toBeNull();
  });

  it("times each task by the step it is at", () => {
    expect(stepTime(task(1, 1, 1))).toBe("2026-11-27T01:05:00Z");
    const onScene = task(1, 1, 3, { status: "on_scene", en_route_at: "2026-11-27T01:10:00Z", on_scene_at: "2026-11-27T01:30:00Z" });
    expect(stepTime(onScene)).toBe("2026-11-27T01:30:00Z");
  });

  it("offers the next step and cancel to analysts while the task runs, nothing after", () => {
    const steps = (row: HTMLElement) => [...row.querySelectorAll("button")].map((b) => b.dataset.step);
    expect(steps(taskRow(task(1, 1, 1), true, () => undefined))).toEqual(["en_route", "cancelled"]);
    expect(steps(taskRow(task(1, 1, 1, { status: "on_scene" }), true, () => undefined))).toEqual(["completed", "cancelled"]);
    expect(steps(taskRow(task(1, 1, 1), false, () => undefined))).toEqual([]);
    expect(steps(taskRow(task(1, 1, 1, { status: "completed" }), true, () => undefined))).toEqual([]);
  });

  it("says how far a unit is: by road, or straight when no road leads there", () => {
    const unit: UnitOption = {
      unit_id: 1, name: "QRF A", kind: "qrf", classification: "confidential", position: [29, -1],
      reachable: true, travel_time_s: 1500, straight_m: 9000,
    };
    expect(unitReach(unit)).toBe("25 min by road");
    expect(unitReach({ ...unit, reachable: false, travel_time_s: null, straight_m: 41_250 })).toBe("no road · 41.3 km straight");
  });

  it("keeps the note being written when the panel is drawn again", () => {
    const draft = { note: "" };
    const first = unitChooser([], () => undefined, () => undefined, draft);
    const input = first.querySelector<HTMLInputElement>("input.task-note")!;
    input.value = "Secure the gate";
    input.dispatchEvent(new Event("input"));
    expect(draft.note).toBe("Secure the gate");
    const again = unitChooser([], () => undefined, () => undefined, draft);
    expect(again.querySelector<HTMLInputElement>("input.task-note")!.value).toBe("Secure the gate");
    expect(unitChooser([], () => undefined, () => undefined).querySelector<HTMLInputElement>("input.task-note")!.value).toBe("");
  });
});
