import { describe, expect, it } from "vitest";
import { formatArea, formatLength, lineLength, polygonArea } from "../src/map/measure";

describe("measuring", () => {
  it("measures lengths along great circles", () => {
    expect(lineLength([[0, 0], [1, 0]])).toBeCloseTo(111_195, -1); // one degree of the equator
    // Goma to Beni: pyproj's WGS 84 geodesic gives 241.59 km; the sphere is within 0.6 %.
    const gomaBeni = lineLength([[29.2228, -1.6792], [29.4731, 0.4911]]) / 1000;
    expect(Math.abs(gomaBeni - 241.59) / 241.59).toBeLessThan(0.006);
    expect(lineLength([[29, -1]])).toBe(0);
  });

  it("measures areas, closed ring or not", () => {
    const square = [[0, 0], [1, 0], [1, 1], [0, 1]];
    // pyproj's WGS 84 area of this square is 12,308.8 km²; the sphere is within 0.6 %.
    expect(Math.abs(polygonArea(square) / 1e6 - 12_308.8) / 12_308.8).toBeLessThan(0.006);
    expect(polygonArea([...square, [0, 0]])).toBeCloseTo(polygonArea(square), 3);
    expect(polygonArea([[0, 0], [1, 1]])).toBe(0);
  });

  it("writes them as an analyst reads them", () => {
    expect(formatLength(850.4)).toBe("850 m");
    expect(formatLength(12_340)).toBe("12.3 km");
    expect(formatLength(148_200)).toBe("148 km");
    expect(formatArea(4_500)).toBe("4,500 m²");
    expect(formatArea(32_000)).toBe("3.2 ha");
    expect(formatArea(12_500_000)).toBe("12.5 km²");
  });
});
