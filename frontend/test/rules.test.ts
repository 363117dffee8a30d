import { afterEach, describe, expect, it } from "vitest";
import { setLanguage } from "../src/i18n";
import { bandsText, parseBands, ruleParams, summary, type RuleRecord } from "../src/rules";

const camps: RuleRecord = {
  id: 1, name: "Camp proximity", kind: "proximity", enabled: true,
  params: {
    target: "camp", bands: [{ level: "critical", distance_m: 2000 }, { level: "warning", distance_m: 5000 }],
    cooldown_minutes: 0, margin_m: null, severity_min: 1, max_age_hours: 72, expires_hours: 24, lead_hours: 24,
    categories: ["ied"], instruction: "Keep clear.", instruction_fr: "Restez à l'écart.",
  },
};

afterEach(() => localStorage.clear());

describe("the rules screen", () => {
  it("writes bands and reads them back, in either language", () => {
    expect(bandsText(camps.params.bands ?? [])).toBe("critical 2000; warning 5000");
    expect(parseBands("critical 2000; warning 5000")).toEqual(camps.params.bands);
    expect(parseBands(" Watch 12,5 ")).toEqual([{ level: "watch", distance_m: 12.5 }]);
    setLanguage("fr");
    expect(bandsText(camps.params.bands ?? [])).toBe("critique 2000; avertissement 5000");
    expect(parseBands("critique 2000; veille 9000")).toEqual([
      { level: "critical", distance_m: 2000 }, { level: "watch", distance_m: 9000 },
    ]);
    for (const wrong of ["", "severe 2000", "critical", "critical 2km", "critical 2000, warning 5000"]) {
      expect(parseBands(wrong), wrong).toBeNull();
    }
  });

  it("sends the whole params back with the form's values in place", () => {
    const values = {
      name: "Camps", enabled: "true", bands: "critical 1500; warning 5000", cooldown_minutes: "60", margin_m: " ",
      lead_hours: "24", max_age_hours: "48", expires_hours: "24", severity_min: "3",
      instruction: "Keep clear.", instruction_fr: "  ",
    };
    expect(ruleParams(camps.params, values)).toEqual({
      ...camps.params, bands: [{ level: "critical", distance_m: 1500 }, { level: "warning", distance_m: 5000 }],
      cooldown_minutes: 60, max_age_hours: 48, severity_min: 3, instruction_fr: null,
    });
  });

  it("leaves an optional option empty as none, and reads a number when given", () => {
    const base = { name: "Camps", enabled: "true", severity_min: "1", instruction: "Keep clear.", instruction_fr: "" };
    expect(ruleParams(camps.params, { ...base, margin_m: "" }).margin_m).toBeNull();
    expect(ruleParams(camps.params, { ...base, margin_m: "250,5" }).margin_m).toBe(250.5);
  });

  it("sums a rule up in a line", () => {
    expect(summary(camps)).toBe("critical ≤ 2.0 km, warning ≤ 5.0 km");
    expect(summary({ ...camps, params: { ...camps.params, cooldown_minutes: 60 } })).toBe(
      "critical ≤ 2.0 km, warning ≤ 5.0 km · grouped for 60 min");
    expect(summary({ ...camps, params: { ...camps.params, cooldown_minutes: 60, dwell_minutes: 30 } })).toBe(
      "critical ≤ 2.0 km, warning ≤ 5.0 km · grouped for 60 min · after 30 min of activity");
    expect(summary({ ...camps, params: { ...camps.params, dwell_minutes: 30 } })).toBe(
      "critical ≤ 2.0 km, warning ≤ 5.0 km · after 30 min of activity");
    const surge: RuleRecord = { id: 3, name: "Surge", kind: "cluster", enabled: true,
      params: { min_count: 3, radius_m: 10000, window_hours: 24, level: "warning" } };
    expect(summary(surge)).toBe("3 incidents within 10.0 km in 24 h → warning");
    const baseline: RuleRecord = { id: 4, name: "Camp baseline", kind: "baseline", enabled: false,
      params: { min_count: 5, radius_m: 10000, window_days: 7, min_ratio: 2, level: "warning" } };
    expect(summary(baseline)).toBe("5+ incidents within 10.0 km in 7 d, 2.0× their average → warning");
    const coverage: RuleRecord = { id: 5, name: "Camp coverage", kind: "coverage", enabled: false,
      params: { target: "camp", steps: [{ level: "warning", min_level: 2, minutes: 60 }, { level: "critical", min_level: 2, minutes: 120 }] } };
    expect(summary(coverage)).toBe(
      "level 2+ care beyond 60 min by road → warning · level 2+ care beyond 120 min by road → critical");
  });
});
