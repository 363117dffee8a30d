// UN information sensitivity levels (ST/SGB/2007/6), lowest first, and their printed markings.

import type { components } from "./generated/openapi";

export type Classification = components["schemas"]["Classification"]; // from the OpenAPI document
// Every level, in order; the compiler checks the list against the API's own.
export const LEVELS = ["unclassified", "confidential", "strictly_confidential"] as const satisfies readonly Classification[];
type Missing = Exclude<Classification, (typeof LEVELS)[number]>;
const everyLevelListed: [Missing] extends [never] ? true : never = true;
void everyLevelListed;

const MARKINGS: Record<Classification, string> = {
  unclassified: "UNCLASSIFIED",
  confidential: "UN CONFIDENTIAL",
  strictly_confidential: "UN STRICTLY CONFIDENTIAL",
};

export function isClassification(value: unknown): value is Classification {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

export function rank(level: Classification): number {
  return LEVELS.indexOf(level);
}

/** The most sensitive of `levels`; unknown values count as the most sensitive (fail closed). */
export function highest(levels: Iterable<unknown>): Classification {
  let best: Classification = "unclassified";
  for (const level of levels) {
    const known: Classification = isClassification(level) ? level : "strictly_confidential";
    if (rank(known) > rank(best)) best = known;
  }
  return best;
}

export function fromRank(value: number): Classification {
  return LEVELS[Math.max(0, Math.min(LEVELS.length - 1, Math.round(value)))];
}

export function marking(level: Classification): string {
  return MARKINGS[level];
}
