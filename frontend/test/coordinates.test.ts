import { describe, expect, it } from "vitest";
import { formatPosition, parsePosition } from "../src/coordinates";

const GOMA: [number, number] = [29.2228, -1.6792];

describe("positions in three notations", () => {
  it("writes decimal degrees, DMS and MGRS", () => {
    expect(formatPosition(GOMA, "decimal")).toBe("-1.67920, 29.22280");
    expect(formatPosition(GOMA, "dms")).toBe("1°40′45″S 29°13′22″E");
    // The same point in the military grid (zone 35M, checked with pyproj's UTM 35S).
    expect(formatPosition(GOMA, "mgrs")).toMatch(/^35M [A-Z]{2} \d{5} \d{5}$/);
  });

  it("reads back what it writes, within the notation's precision", () => {
    for (const notation of ["decimal", "dms", "mgrs"] as const) {
      const back = parsePosition(formatPosition(GOMA, notation));
      expect(back, notation).not.toBeNull();
      expect(Math.abs((back as number[])[0] - GOMA[0])).toBeLessThan(0.0003);
      expect(Math.abs((back as number[])[1] - GOMA[1])).toBeLessThan(0.0003);
    }
  });

  it("reads what analysts type", () => {
    expect(parsePosition("-1.6792 29.2228")).toEqual(GOMA);
    expect(parsePosition("1.6792 S, 29.2228 E")).toEqual(GOMA);
    expect(parsePosition("1°40'45\"S 29°13'22\"E")?.map((v) => v.toFixed(4))).toEqual(["29.2228", "-1.6792"]);
    expect(parsePosition("0 29 28 N 29 28 23 E")?.map((v) => v.toFixed(3))).toEqual(["29.473", "0.491"]);
  });

  it("refuses what is not a position, at and one past each limit", () => {
    expect(parsePosition("90, 180")).toEqual([180, 90]);
    expect(parsePosition("90.0001, 0")).toBeNull();
    expect(parsePosition("0, 180.0001")).toBeNull();
    expect(parsePosition("1°60'00\"S 29°00'00\"E")).toBeNull();
    expect(parsePosition("Goma")).toBeNull();
    expect(parsePosition("35M QU 123 4567")).toBeNull(); // easting and northing of unequal precision
    expect(parsePosition("")).toBeNull();
  });
});
