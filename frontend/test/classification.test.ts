import { describe, expect, it } from "vitest";
import { fromRank, highest, marking, rank } from "../src/classification";

describe("the classification banner", () => {
  it("is unclassified when nothing is on screen", () => {
    expect(highest([])).toBe("unclassified");
    expect(marking(highest([]))).toBe("UNCLASSIFIED");
  });

  it("shows the highest marking on screen in the UN's wording", () => {
    expect(marking(highest(["unclassified", "confidential", "unclassified"]))).toBe("UN CONFIDENTIAL");
    expect(marking(highest(["confidential", "strictly_confidential"]))).toBe("UN STRICTLY CONFIDENTIAL");
  });

  it("fails closed on a value it does not know", () => {
    expect(highest(["unclassified", "secret-ish"])).toBe("strictly_confidential");
    expect(highest([undefined])).toBe("strictly_confidential");
  });

  it("maps cluster ranks back to levels", () => {
    expect(fromRank(rank("confidential"))).toBe("confidential");
    expect(fromRank(9)).toBe("strictly_confidential");
    expect(fromRank(-1)).toBe("unclassified");
  });
});
