import { describe, expect, it } from "vitest";
import { travelTime } from "../src/casevac";

describe("travel times in the incident sheet", () => {
  it("reads minutes below an hour, hours and minutes from the hour", () => {
    expect(travelTime(29)).toBe("0 min");
    expect(travelTime(30)).toBe("1 min");
    expect(travelTime(3569)).toBe("59 min");
    expect(travelTime(3570)).toBe("1 h 00"); // 59.5 minutes round to the hour
    expect(travelTime(2 * 3600 + 5 * 60)).toBe("2 h 05");
  });
});
