import type { Feature } from "geojson";
import { describe, expect, it } from "vitest";
import { matching, searchFilter, sorted } from "../src/table";

const row = (id: number, properties: Record<string, unknown>): Feature => ({
  type: "Feature", id, geometry: { type: "Point", coordinates: [29, -1] }, properties,
});
const rows = [
  row(1, { title: "Convoy ambushed", description: "Near Sake", severity: 4, occurred_at: "2026-11-20T10:00:00Z", classification: "confidential" }),
  row(2, { title: "Market protest", description: "peaceful; convoy delayed", severity: 2, occurred_at: "2026-11-21T10:00:00Z", classification: "unclassified" }),
  row(3, { title: "IED found", description: "", severity: 5, occurred_at: "2026-11-19T10:00:00Z", classification: "strictly_confidential" }),
];

describe("the incident table", () => {
  it("searches titles and descriptions in any case", () => {
    expect(matching(rows, "CONVOY").map((f) => f.id)).toEqual([1, 2]);
    expect(matching(rows, "sake").map((f) => f.id)).toEqual([1]);
    expect(matching(rows, "  ").length).toBe(3);
  });

  it("sorts by time, number, text and marking both ways", () => {
    expect(sorted(rows, "occurred_at", false).map((f) => f.id)).toEqual([2, 1, 3]);
    expect(sorted(rows, "severity", true).map((f) => f.id)).toEqual([2, 1, 3]);
    expect(sorted(rows, "title", true).map((f) => f.id)).toEqual([1, 3, 2]);
    expect(sorted(rows, "classification", false).map((f) => f.id)).toEqual([3, 1, 2]);
  });

  it("exports the same search as a CQL2 filter, wildcards typed taken literally", () => {
    expect(searchFilter("")).toBeNull();
    const filter = JSON.parse(searchFilter("50%_off") as string);
    expect(filter.op).toBe("or");
    expect(filter.args[0].args[1].args[0]).toBe("%50\\%\\_off%");
  });
});
