// The briefing snapshot: the current view as a PNG or a one-page PDF, with the
// classification marking top and bottom, a title line (time window, generation time in
// Zulu, who), a legend, a scale bar and a north arrow, drawn over the map's own pixels.

import type { Map as MapLibreMap } from "maplibre-gl";
import { marking, type Classification } from "./classification";
import { when } from "./format";
import { t } from "./i18n";
import { CRITICAL_SYMBOL_COLOUR, LEGEND_ENTRIES } from "./map/palette";

/** Banner colours by marking, as the page draws them (style.css). */
export const BANNER_COLOURS: Record<Classification, string> = {
  unclassified: "#2e7d32",
  confidential: "#1f4e9c",
  strictly_confidential: "#b00020",
};

export interface BriefingFacts {
  level: Classification;
  window: string; // the time window in words
  user: string;
  generated: Date;
}

const BANNER = 28;
const TITLE = 24;

/** A "nice" scale bar length in metres no longer than `metres`: 1, 2 or 5 × 10ⁿ. */
export function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(metres));
  return [5, 2, 1].map((step) => step * power).find((length) => length <= metres) ?? power;
}

/** The snapshot as a canvas (device pixels; the map's own resolution). */
export function briefingCanvas(map: MapLibreMap, facts: BriefingFacts): HTMLCanvasElement {
  const source = map.getCanvas();
  const ratio = source.width / Math.max(1, source.clientWidth);
  const width = source.width;
  const top = (BANNER + TITLE) * ratio;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = source.height + top + BANNER * ratio;
  const context = canvas.getContext("2d") as CanvasRenderingContext2D;
  context.scale(ratio, ratio);
  const cssWidth = width / ratio;
  const cssHeight = canvas.height / ratio;
  // The marking, top and bottom.
  for (const y of [0, cssHeight - BANNER]) {
    context.fillStyle = BANNER_COLOURS[facts.level];
    context.fillRect(0, y, cssWidth, BANNER);
    context.fillStyle = "#fff";
    context.font = "bold 15px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(marking(facts.level), cssWidth / 2, y + BANNER / 2);
  }
  // The title line.
  context.fillStyle = "#fff";
  context.fillRect(0, BANNER, cssWidth, TITLE);
  context.fillStyle = "#17202a";
  context.font = "13px system-ui, sans-serif";
  context.textAlign = "left";
  context.fillText(t("Bluewatch briefing · {window} · generated {time} by {user}", { window: facts.window, time: when(facts.generated.toISOString(), "zulu"), user: facts.user }), 10, BANNER + TITLE / 2);
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.drawImage(source, 0, top);
  context.scale(ratio, ratio);
  const mapTop = BANNER + TITLE;
  const mapHeight = source.height / ratio;
  drawNorthArrow(context, cssWidth - 34, mapTop + 38, map.getBearing());
  drawScaleBar(context, map, 12, mapTop + mapHeight - 16);
  drawLegend(context, cssWidth - 12, mapTop + mapHeight - 12);
  return canvas;
}

function drawNorthArrow(context: CanvasRenderingContext2D, x: number, y: number, bearing: number): void {
  context.save();
  context.translate(x, y);
  context.fillStyle = "rgba(255,255,255,0.85)";
  context.beginPath();
  context.arc(0, 0, 22, 0, Math.PI * 2);
  context.fill();
  context.rotate((-bearing * Math.PI) / 180);
  context.fillStyle = "#17202a";
  context.beginPath();
  context.moveTo(0, -16);
  context.lineTo(7, 8);
  context.lineTo(0, 3);
  context.lineTo(-7, 8);
  context.closePath();
  context.fill();
  context.font = "bold 11px system-ui, sans-serif";
  context.textAlign = "center";
  context.fillText("N", 0, 18);
  context.restore();
}

function drawScaleBar(context: CanvasRenderingContext2D, map: MapLibreMap, x: number, y: number): void {
  const centre = map.getCenter();
  // Metres per CSS pixel at the centre's latitude (Web Mercator, 512 px tiles).
  const perPixel = (40_075_016.686 * Math.cos((centre.lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
  const metres = niceLength(perPixel * 140);
  const pixels = metres / perPixel;
  context.fillStyle = "rgba(255,255,255,0.85)";
  context.fillRect(x - 4, y - 20, pixels + 8, 26);
  context.strokeStyle = "#17202a";
  context.lineWidth = 2;
  context.beginPath();
  context.moveTo(x, y - 6);
  context.lineTo(x, y);
  context.lineTo(x + pixels, y);
  context.lineTo(x + pixels, y - 6);
  context.stroke();
  context.fillStyle = "#17202a";
  context.font = "12px system-ui, sans-serif";
  context.textAlign = "left";
  context.textBaseline = "alphabetic";
  context.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, x + 2, y - 8);
}

function drawLegend(context: CanvasRenderingContext2D, right: number, bottom: number): void {
  const row = 17;
  const width = 210;
  const height = LEGEND_ENTRIES.length * row + 10;
  const left = right - width;
  const topY = bottom - height;
  context.fillStyle = "rgba(255,255,255,0.9)";
  context.fillRect(left, topY, width, height);
  context.font = "12px system-ui, sans-serif";
  context.textBaseline = "middle";
  context.textAlign = "left";
  LEGEND_ENTRIES.forEach(([colour, text, shape], i) => {
    const cy = topY + 5 + row * i + row / 2;
    context.fillStyle = colour;
    context.strokeStyle = colour;
    context.lineWidth = 3;
    context.beginPath();
    if (shape === "triangle") {
      context.fillStyle = CRITICAL_SYMBOL_COLOUR;
      context.moveTo(left + 14, cy - 6);
      context.lineTo(left + 21, cy + 6);
      context.lineTo(left + 7, cy + 6);
      context.closePath();
      context.fill();
    } else if (shape === "ring") {
      context.arc(left + 14, cy, 6, 0, Math.PI * 2);
      context.stroke();
    } else if (shape === "line") {
      context.moveTo(left + 6, cy);
      context.lineTo(left + 22, cy);
      context.stroke();
    } else {
      context.arc(left + 14, cy, 6, 0, Math.PI * 2);
      context.fill();
    }
    context.fillStyle = "#17202a";
    context.fillText(t(text), left + 30, cy);
  });
}

/** A one-page PDF holding the snapshot as a JPEG, with the marking also as real text
 * (top and bottom, searchable and read aloud). Sizes in points at 96 px to the inch. */
export function briefingPdf(jpeg: Uint8Array, pixelWidth: number, pixelHeight: number, cssWidth: number, cssHeight: number, level: Classification): Blob {
  const w = (cssWidth * 72) / 96;
  const h = (cssHeight * 72) / 96;
  const text = marking(level).replace(/[()\\]/g, "");
  const content = [
    "q", `${w.toFixed(2)} 0 0 ${h.toFixed(2)} 0 0 cm`, "/Im1 Do", "Q",
    // Invisible text (render mode 3) over the painted banners: the marking as text.
    "BT", "3 Tr", "/F1 11 Tf", `${(w / 2 - text.length * 3).toFixed(2)} ${(h - 14).toFixed(2)} Td`, `(${text}) Tj`, "ET",
    "BT", "3 Tr", "/F1 11 Tf", `${(w / 2 - text.length * 3).toFixed(2)} 8 Td`, `(${text}) Tj`, "ET",
  ].join("\n");
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    parts.push(bytes);
    length += bytes.length;
  };
  const object = (number: number, body: string, stream?: Uint8Array) => {
    offsets[number] = length;
    push(`${number} 0 obj\n${body}\n`);
    if (stream) {
      push("stream\n");
      push(stream);
      push("\nendstream\n");
    }
    push("endobj\n");
  };
  push("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w.toFixed(2)} ${h.toFixed(2)}] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>`);
  const contentBytes = encoder.encode(content);
  object(4, `<< /Length ${contentBytes.length} >>`, contentBytes);
  object(5, `<< /Type /XObject /Subtype /Image /Width ${pixelWidth} /Height ${pixelHeight} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>`, jpeg);
  object(6, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  const xref = length;
  push(`xref\n0 7\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`);
  push(`trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return new Blob(parts as BlobPart[], { type: "application/pdf" });
}
