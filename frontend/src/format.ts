// How numbers, times and names read on the map and in the panel.

export function distance(metres: number | null | undefined): string {
  if (metres === null || metres === undefined || Number.isNaN(metres)) return "";
  if (metres <= 0) return "inside";
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km`;
}

/** "5 min ago", "3 h ago", "2 d ago"; future times (clock skew) read as "just now". */
export function ago(iso: string, now: Date = new Date()): string {
  const seconds = (now.getTime() - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** UTC, to the minute, the way a SITREP writes it: "2026-11-22 14:05Z". */
export function utc(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}

// Words of the domain that are written in capitals wherever they stand.
const ACRONYMS: Record<string, string> = { ied: "IED", uxo: "UXO", hq: "HQ", poc: "PoC", un: "UN" };

/** "armed_clash" → "Armed clash", "ied" → "IED", "poc_site" → "PoC site". */
export function label(value: string): string {
  return value
    .split("_")
    .map((word, index) => ACRONYMS[word] ?? (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(" ");
}

/** Admiralty grading: reliability letter and credibility digit, "B2". */
export function grading(reliability: unknown, credibility: unknown): string {
  const letter = typeof reliability === "string" ? reliability : "";
  const digit = typeof credibility === "number" ? String(credibility) : "";
  return letter || digit ? `${letter || "?"}${digit || "?"}` : "not graded";
}

/** A local `datetime-local` input value for an ISO instant (minutes precision). */
export function toLocalInput(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** The ISO instant a `datetime-local` value means in the browser's zone; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
