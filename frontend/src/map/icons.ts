// Map symbols drawn on a canvas at start-up, so the page needs no sprite or font server.

import type { Map as MapLibreMap } from "maplibre-gl";
import { CATEGORY_LETTERS, LEVEL_COLOURS } from "./palette";

/** The critical alert's symbol: a warning triangle, a shape no incident marker has. */
export const CRITICAL_SYMBOL = "alert-critical";

const SIZE = 32;

function letterImage(letter: string, ratio: number): ImageData {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE * ratio;
  const context = canvas.getContext("2d") as CanvasRenderingContext2D;
  context.scale(ratio, ratio);
  context.font = "bold 15px system-ui, sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.lineWidth = 3;
  context.strokeStyle = "rgba(255,255,255,0.9)";
  context.strokeText(letter, SIZE / 2, SIZE / 2 + 1);
  context.fillStyle = "#111";
  context.fillText(letter, SIZE / 2, SIZE / 2 + 1);
  return context.getImageData(0, 0, SIZE * ratio, SIZE * ratio);
}

/** A warning triangle with an exclamation mark, white-edged so it reads on any fill. */
function criticalImage(ratio: number): ImageData {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE * ratio;
  const context = canvas.getContext("2d") as CanvasRenderingContext2D;
  context.scale(ratio, ratio);
  context.beginPath();
  context.moveTo(SIZE / 2, 3);
  context.lineTo(SIZE - 3, SIZE - 4);
  context.lineTo(3, SIZE - 4);
  context.closePath();
  context.lineJoin = "round";
  context.lineWidth = 5;
  context.strokeStyle = "#fff";
  context.stroke();
  context.fillStyle = LEVEL_COLOURS.critical;
  context.fill();
  context.lineWidth = 1.5;
  context.strokeStyle = "#3d1a00";
  context.stroke();
  context.font = "bold 17px system-ui, sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillStyle = "#fff";
  context.fillText("!", SIZE / 2, SIZE / 2 + 4);
  return context.getImageData(0, 0, SIZE * ratio, SIZE * ratio);
}

export function addCategoryIcons(map: MapLibreMap): void {
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  for (const [category, letter] of Object.entries(CATEGORY_LETTERS)) {
    const name = `category-${category}`;
    if (!map.hasImage(name)) map.addImage(name, letterImage(letter, ratio), { pixelRatio: ratio });
  }
  if (!map.hasImage(CRITICAL_SYMBOL)) map.addImage(CRITICAL_SYMBOL, criticalImage(ratio), { pixelRatio: ratio });
}
