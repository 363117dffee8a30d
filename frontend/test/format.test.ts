import { describe, expect, it } from "vitest";
import { ago, distance, grading, label, utc } from "../src/format";

describe("formatting", () => {
  it("writes distances as an analyst reads them", () => {
    expect(distance(0)).toBe("inside");
    expect(distance(640.4)).toBe("640 m");
    expect(distance(1840)).toBe("1.8 km");
    expect(distance(12_400)).toBe("12 km");
    expect(distance(null)).toBe("");
  });

  it("writes times in UTC and relative to now", () => {
    const now = new Date("2026-11-22T12:00:00Z");
    expect(utc("2026-11-22T09:05:31+01:00")).toBe("2026-11-22 08:05Z");
    expect(ago("2026-11-22T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-22T11:15:00Z", now)).toBe("45 min ago");
    expect(ago("2026-11-22T07:00:00Z", now)).toBe("5 h ago");
    expect(ago("2026-11-19T12:00:00Z", now)).toBe("3 d ago");
  });

  it("labels enum values and source gradings", () => {
    expect(label("attack_on_civilians")).toBe("Attack on civilians");
    expect(label("ied")).toBe("IED"); // issue 18, 12: it read "Ied"
    expect(label("uxo")).toBe("UXO");
    expect(label("poc_site")).toBe("PoC site");
    expect(label("hq")).toBe("HQ");
    expect(label("team_site")).toBe("Team site");
    expect(grading("B", 2)).toBe("B2");
    expect(grading(null, 3)).toBe("?3");
    expect(grading(null, null)).toBe("not graded");
  });
});
