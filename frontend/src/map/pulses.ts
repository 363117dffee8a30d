// Open critical alerts pulse: an HTML marker each, animated by CSS (no map repaint).
// MapLibre places a marker by the transform of its element, so the animation scales an
// inner ring: animating the marker itself would replace its position.

import * as maplibregl from "maplibre-gl";
import type { Map as MapLibreMap } from "maplibre-gl";
import type { Alert } from "../alerts";
import { h } from "../dom";

export class CriticalPulses {
  private readonly markers = new Map<number, maplibregl.Marker>();
  private hidden = false;

  constructor(private readonly map: MapLibreMap) {}

  /** Pulse exactly the open critical alerts among `shown`. */
  update(shown: Alert[]): void {
    const pulsing = new Set(shown.filter((a) => a.properties.level === "critical" && a.properties.status === "open").map((a) => a.id));
    for (const [id, marker] of this.markers) {
      if (!pulsing.has(id)) {
        marker.remove();
        this.markers.delete(id);
      }
    }
    for (const alert of shown) {
      if (!pulsing.has(alert.id) || this.markers.has(alert.id)) continue;
      const element = h("div", { class: "pulse", "aria-hidden": "true", "data-alert-id": String(alert.id) }, h("div", { class: "pulse-ring" }));
      element.hidden = this.hidden;
      const marker = new maplibregl.Marker({ element }).setLngLat(alert.geometry.coordinates as [number, number]).addTo(this.map);
      this.markers.set(alert.id, marker);
    }
  }

  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    for (const marker of this.markers.values()) marker.getElement().hidden = hidden;
  }
}
