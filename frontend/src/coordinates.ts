// Positions as analysts write them: decimal degrees, degrees-minutes-seconds, or MGRS
// (the military grid peacekeepers read); read in any of them, written in the chosen one.

import type { Position } from "geojson";
import { forward, toPoint } from "mgrs";

export type Notation = "decimal" | "dms" | "mgrs";

const KEY = "bluewatch.notation";

export function notation(): Notation {
  const stored = globalThis.localStorage?.getItem(KEY);
  return stored === "dms" || stored === "mgrs" ? stored : "decimal";
}

export function setNotation(chosen: Notation): void {
  globalThis.localStorage?.setItem(KEY, chosen);
}

function dms(value: number, positive: string, negative: string): string {
  const whole = Math.abs(value);
  let degrees = Math.floor(whole);
  let minutes = Math.floor((whole - degrees) * 60);
  let seconds = Math.round(((whole - degrees) * 60 - minutes) * 60);
  if (seconds === 60) [seconds, minutes] = [0, minutes + 1];
  if (minutes === 60) [minutes, degrees] = [0, degrees + 1];
  return `${degrees}°${String(minutes).padStart(2, "0")}′${String(seconds).padStart(2, "0")}″${value < 0 ? negative : positive}`;
}

/** "-1.67920, 29.22280" · "1°40′45″S 29°13′22″E" · "35M QU 12345 67890". */
export function formatPosition([lon, lat]: Position, chosen: Notation = notation()): string {
  if (chosen === "dms") return `${dms(lat, "N", "S")} ${dms(lon, "E", "W")}`;
  if (chosen === "mgrs") {
    if (Math.abs(lat) > 84) return formatPosition([lon, lat], "dms"); // MGRS stops at 84° (UPS beyond)
    const grid = forward([lon, lat], 5);
    const match = /^(\d{1,2}[C-X])([A-Z]{2})(\d{5})(\d{5})$/.exec(grid);
    return match ? `${match[1]} ${match[2]} ${match[3]} ${match[4]}` : grid;
  }
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}

const NUMBER = String.raw`[+-]?\d+(?:[.,]\d+)?`;
const DECIMAL = new RegExp(String.raw`^(${NUMBER})\s*°?\s*([NS])?\s*[,;\s]\s*(${NUMBER})\s*°?\s*([EW])?$`, "i");
const PART = String.raw`(\d{1,3})\s*[°\s]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′\s]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:["″]|'')?)?)?\s*`;
const DMS = new RegExp(String.raw`^${PART}([NS])\s*[,;]?\s*${PART}([EW])$`, "i");
const MGRS = /^\d{1,2}\s*[C-HJ-NP-X]\s*[A-HJ-NP-Z]{2}\s*(\d{1,5})\s*(\d{1,5})$/i;

function within(lon: number, lat: number): Position | null {
  return Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lon, lat] : null;
}

const num = (text: string | undefined) => Number((text ?? "0").replace(",", "."));

/**
 * The position a text means, or null: "lat, lon" in decimal degrees (hemisphere letters
 * allowed), degrees-minutes-seconds with N/S and E/W, or an MGRS reference (its
 * square's centre, to the precision given).
 */
export function parsePosition(text: string): Position | null {
  const value = text.trim();
  const decimal = DECIMAL.exec(value);
  if (decimal) {
    const lat = num(decimal[1]) * (decimal[2]?.toUpperCase() === "S" ? -1 : 1);
    const lon = num(decimal[3]) * (decimal[4]?.toUpperCase() === "W" ? -1 : 1);
    return within(lon, lat);
  }
  const sexagesimal = DMS.exec(value);
  if (sexagesimal) {
    const [, d1, m1, s1, h1, d2, m2, s2, h2] = sexagesimal;
    if (num(m1) >= 60 || num(s1) >= 60 || num(m2) >= 60 || num(s2) >= 60) return null;
    const lat = (num(d1) + num(m1) / 60 + num(s1) / 3600) * (h1.toUpperCase() === "S" ? -1 : 1);
    const lon = (num(d2) + num(m2) / 60 + num(s2) / 3600) * (h2.toUpperCase() === "W" ? -1 : 1);
    return within(lon, lat);
  }
  const grid = MGRS.exec(value);
  if (grid && grid[1].length === grid[2].length) {
    try {
      const [lon, lat] = toPoint(value.replace(/\s+/g, "").toUpperCase());
      return within(lon, lat);
    } catch {
      return null;
    }
  }
  return null;
}
