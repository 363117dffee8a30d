// How numbers, times and names read on the map and in the panel, in the page's language.

import { decimal, language, t, translate } from "./i18n";

export function distance(metres: number | null | undefined): string {
  if (metres === null || metres === undefined || Number.isNaN(metres)) return "";
  if (metres <= 0) return t("inside");
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${decimal(metres / 1000, metres < 10_000 ? 1 : 0)} km`;
}

/** "5 min ago", "3 h ago", "2 d ago"; future times (clock skew) read as "just now". */
export function ago(iso: string, now: Date = new Date()): string {
  const seconds = (now.getTime() - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return t("just now");
  if (seconds < 3600) return t("{n} min ago", { n: Math.floor(seconds / 60) });
  if (seconds < 86_400) return t("{n} h ago", { n: Math.floor(seconds / 3600) });
  return t("{n} d ago", { n: Math.floor(seconds / 86_400) });
}

/** UTC, to the minute, the way a SITREP writes it: "2026-11-22 14:05Z". */
export function utc(iso: string | null | undefined): string {
  return when(iso, "zulu");
}

/** How times read and are typed: Zulu (UTC, the default on a watch floor) or local. */
export type TimeConvention = "zulu" | "local";

const CONVENTION_KEY = "bluewatch.time";

/** The analyst's choice, remembered in this browser. */
export function timeConvention(): TimeConvention {
  return globalThis.localStorage?.getItem(CONVENTION_KEY) === "local" ? "local" : "zulu";
}

export function setTimeConvention(convention: TimeConvention): void {
  globalThis.localStorage?.setItem(CONVENTION_KEY, convention);
}

/** The zone's label: "Z", or the browser's offset at `at` such as "UTC+01:00". */
export function zoneLabel(convention: TimeConvention = timeConvention(), at: Date = new Date()): string {
  if (convention === "zulu") return "Z";
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, "0");
  const mm = String(Math.abs(minutes) % 60).padStart(2, "0");
  return `UTC${sign}${hh}:${mm}`;
}

/** "2026-11-22 14:05" in the convention's zone (no label). */
function wallClock(date: Date, convention: TimeConvention): string {
  const shifted = convention === "zulu" ? date : new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16).replace("T", " ");
}

/** An instant to the minute, always labelled: "2026-11-22 14:05Z" or "2026-11-22 15:05 UTC+01:00". */
export function when(iso: string | null | undefined, convention: TimeConvention = timeConvention()): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const zone = zoneLabel(convention, date);
  return `${wallClock(date, convention)}${zone === "Z" ? "Z" : ` ${zone}`}`;
}

const MONTHS = {
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  fr: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
};

/** An instant in few characters, labelled: "14:05Z" today, "21 Nov 14:05Z" this year, else as `when`. */
export function shortWhen(iso: string | null | undefined, convention: TimeConvention = timeConvention(), now: Date = new Date()): string {
  const full = when(iso, convention);
  if (!full || !iso) return full;
  const [day, time] = wallClock(new Date(iso), convention).split(" ");
  const [today] = wallClock(now, convention).split(" ");
  const zone = zoneLabel(convention, new Date(iso));
  const clock = `${time}${zone === "Z" ? "Z" : ` ${zone}`}`;
  if (day === today) return clock;
  if (day.slice(0, 4) !== today.slice(0, 4)) return full;
  return `${Number(day.slice(8, 10))} ${MONTHS[language()][Number(day.slice(5, 7)) - 1]} ${clock}`;
}

/** The text of a time field for an instant: "2026-11-22 14:05" in the convention's zone. */
export function toTimeInput(date: Date, convention: TimeConvention = timeConvention()): string {
  return wallClock(date, convention);
}

/**
 * The ISO instant a time field means; null when empty or not a time. Accepts
 * "YYYY-MM-DD HH:MM" (or a "T" between), read in the convention's zone; a trailing "Z"
 * always means UTC.
 */
export function fromTimeInput(value: string, convention: TimeConvention = timeConvention()): string | null {
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(Z)?\s*$/i.exec(value);
  if (!match) return null;
  const [, y, mo, d, hh, mi, z] = match;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi)] as const;
  const date = z || convention === "zulu" ? new Date(Date.UTC(...parts)) : new Date(...parts);
  // Date rolls 2026-02-30 over to March: refuse what was not a real time.
  const back = z || convention === "zulu"
    ? [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()]
    : [date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes()];
  if (Number.isNaN(date.getTime()) || back.some((part, i) => part !== parts[i])) return null;
  return date.toISOString();
}

// Words of the domain that are written in capitals wherever they stand.
const ACRONYMS: Record<string, string> = { ied: "IED", uxo: "UXO", hq: "HQ", poc: "PoC", un: "UN", qrf: "QRF" };

/** "armed_clash" → "Armed clash" ("Affrontement armé" in French), "ied" → "IED", "poc_site" → "PoC site". */
export function label(value: string): string {
  return translate(englishLabel(value));
}

/** The English label, which is also the catalogue's key for it. */
export function englishLabel(value: string): string {
  return value
    .split("_")
    .map((word, index) => ACRONYMS[word] ?? (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(" ");
}

/** Admiralty grading: reliability letter and credibility digit, "B2". */
export function grading(reliability: unknown, credibility: unknown): string {
  const letter = typeof reliability === "string" ? reliability : "";
  const digit = typeof credibility === "number" ? String(credibility) : "";
  return letter || digit ? `${letter || "?"}${digit || "?"}` : t("not graded");
}
