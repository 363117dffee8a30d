import { describe, expect, it } from "vitest";
import { AlertBook, alertsOnMap, type Alert, type AlertProperties } from "../src/alerts";

function alert(id: number, changes: Partial<AlertProperties> = {}): Alert {
  return {
    type: "Feature",
    id,
    geometry: { type: "Point", coordinates: [29.2, -1.6] },
    properties: {
      level: "warning", status: "open", headline: `Alert ${id}`, headline_fr: `Alerte ${id}`, uncertain: false, rule_id: 1, rule_kind: "proximity",
      incident_id: id * 10, member_count: 1,
      target: { type: "camp", id: 1, name: "Goma" }, distance_m: 1500, occurred_at: "2026-11-22T09:00:00Z", classification: "unclassified",
      version: 1, created_at: "2026-11-22T10:00:00Z", updated_at: "2026-11-22T10:00:00Z",
      acknowledged_at: null, acknowledged_by: null, acknowledge_note: null,
      resolved_at: null, resolved_by: null, resolve_note: null,
      ...changes,
    },
  };
}

const envelope = (data: Alert, id = data.id) => ({ id, type: "alert.updated" as const, timestamp: "", data });

describe("the alert book", () => {
  it("lists newest first, filtered by level and status", () => {
    const book = new AlertBook();
    book.load([alert(1), alert(3, { level: "critical" }), alert(2, { status: "resolved" })]);
    expect(book.list().map((a) => a.id)).toEqual([3, 2, 1]);
    expect(book.list(["critical"]).map((a) => a.id)).toEqual([3]);
    expect(book.list([], ["open"]).map((a) => a.id)).toEqual([3, 1]);
  });

  it("orders by level then newest, by raising, or by when the incident happened", () => {
    const book = new AlertBook();
    book.load([
      alert(1, { level: "critical", occurred_at: "2026-11-22T08:00:00Z" }),
      alert(2, { level: "watch", occurred_at: "2026-11-22T09:30:00Z" }),
      alert(3, { level: "warning", occurred_at: "2026-11-21T23:00:00Z" }),
      alert(4, { level: "critical", occurred_at: "2026-11-22T07:00:00Z" }),
    ]);
    expect(book.list([], [], "level").map((a) => a.id)).toEqual([4, 1, 3, 2]);
    expect(book.list([], [], "raised").map((a) => a.id)).toEqual([4, 3, 2, 1]);
    expect(book.list([], [], "occurred").map((a) => a.id)).toEqual([2, 1, 4, 3]);
  });

  it("announces a newly critical alert once, and an escalation", () => {
    const book = new AlertBook();
    expect(book.apply(envelope(alert(5, { level: "critical" })))?.raisedCritical).toBe(true);
    expect(book.apply(envelope(alert(5, { level: "critical", version: 2 })))?.raisedCritical).toBe(false);
    book.apply(envelope(alert(6)));
    const escalated = book.apply(envelope(alert(6, { level: "critical", version: 2 })));
    expect(escalated).toMatchObject({ isNew: false, raisedCritical: true });
  });

  it("keeps the newest version when events arrive out of order", () => {
    const book = new AlertBook();
    book.apply(envelope(alert(8, { status: "acknowledged", version: 2 })));
    expect(book.apply(envelope(alert(8, { version: 1 })))).toBeNull();
    expect(book.get(8)?.properties.status).toBe("acknowledged");
  });
});

describe("the alerts the map draws", () => {
  it("follow the panel's filters, the window and playback", () => {
    const book = new AlertBook();
    book.load([
      alert(1, { occurred_at: "2026-11-22T08:00:00Z" }),
      alert(2, { occurred_at: "2026-11-22T11:00:00Z", level: "critical" }),
      alert(3, { occurred_at: "2026-11-20T11:00:00Z" }), // before the window
      alert(4, { occurred_at: "2026-11-22T09:00:00Z", status: "resolved" }),
    ]);
    const range = { start: new Date("2026-11-22T06:00:00Z"), end: new Date("2026-11-22T12:00:00Z") };
    const ids = (shown: Alert[]) => shown.map((a) => a.id).sort();
    expect(ids(alertsOnMap(book, [], ["open", "acknowledged"], range, null))).toEqual([1, 2]);
    expect(ids(alertsOnMap(book, [], [], range, null))).toEqual([1, 2, 4]);
    expect(ids(alertsOnMap(book, ["critical"], [], range, null))).toEqual([2]);
    // Playback at and one minute before an incident's time.
    expect(ids(alertsOnMap(book, [], [], range, new Date("2026-11-22T09:00:00Z")))).toEqual([1, 4]);
    expect(ids(alertsOnMap(book, [], [], range, new Date("2026-11-22T08:59:00Z")))).toEqual([1]);
  });
});
