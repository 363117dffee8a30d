import { describe, expect, it } from "vitest";
import { ago, distance, fromTimeInput, grading, label, shortWhen, toTimeInput, utc, when, zoneLabel } from "../src/format";

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

  it("writes every time with its zone, Zulu by default or local when chosen", () => {
    // npm test runs with TZ=Africa/Kinshasa (UTC+1, no daylight saving): see package.json.
    expect(when("2026-11-22T09:05:31Z", "zulu")).toBe("2026-11-22 09:05Z");
    expect(when("2026-11-22T09:05:31Z", "local")).toBe("2026-11-22 10:05 UTC+01:00");
    expect(zoneLabel("zulu")).toBe("Z");
    expect(zoneLabel("local")).toBe("UTC+01:00");
    expect(when("not a time", "zulu")).toBe("");
    const now = new Date("2026-11-22T12:00:00Z");
    expect(shortWhen("2026-11-22T09:05:00Z", "zulu", now)).toBe("09:05Z");
    expect(shortWhen("2026-11-21T23:30:00Z", "zulu", now)).toBe("21 Nov 23:30Z");
    expect(shortWhen("2026-11-21T23:30:00Z", "local", now)).toBe("00:30 UTC+01:00"); // the 22nd, there
    expect(shortWhen("2025-12-31T10:00:00Z", "zulu", now)).toBe("2025-12-31 10:00Z");
  });

  it("reads typed times in the chosen zone and refuses what is not a time", () => {
    expect(fromTimeInput("2026-11-22 09:05", "zulu")).toBe("2026-11-22T09:05:00.000Z");
    expect(fromTimeInput("2026-11-22T09:05", "local")).toBe("2026-11-22T08:05:00.000Z");
    expect(fromTimeInput("2026-11-22 09:05Z", "local")).toBe("2026-11-22T09:05:00.000Z");
    expect(toTimeInput(new Date("2026-11-22T09:05:00Z"), "local")).toBe("2026-11-22 10:05");
    for (const bad of ["", "11/22/2026, 09:05 AM", "2026-02-30 10:00", "2026-11-22 24:00", "2026-11-22 09:60", "2026-11-22"]) {
      expect(fromTimeInput(bad, "zulu"), bad).toBeNull();
    }
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

describe("the theme", () => {
  it("follows the system unless the analyst chose", async () => {
    const { resolveTheme } = await import("../src/theme");
    expect(resolveTheme("system", true)).toBe("night");
    expect(resolveTheme("system", false)).toBe("day");
    expect(resolveTheme("day", true)).toBe("day");
    expect(resolveTheme("night", false)).toBe("night");
  });
});
