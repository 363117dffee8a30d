// The alerts the panel knows: loaded once, then kept current by the stream's events.

import type { Feature, Point } from "geojson";
import type { components } from "./generated/openapi";
import type { Envelope } from "./stream";
import type { TimeRange } from "./view";

// From the API's OpenAPI document (scripts/api-types), never written by hand.
export type AlertProperties = components["schemas"]["AlertProperties"];
export type AlertLevel = components["schemas"]["AlertLevel"];
export type AlertStatus = AlertProperties["status"];

export type Alert = Feature<Point, AlertProperties> & { id: number };

export const LEVEL_RANK: Record<AlertLevel, number> = { watch: 0, warning: 1, critical: 2 };

/** How the panel orders alerts: most severe first, newest raised, or latest incident. */
export const ALERT_ORDERS = ["level", "raised", "occurred"] as const;
export type AlertOrder = (typeof ALERT_ORDERS)[number];

const newestRaised = (a: Alert, b: Alert): number => b.id - a.id;
const ORDERS: Record<AlertOrder, (a: Alert, b: Alert) => number> = {
  level: (a, b) => LEVEL_RANK[b.properties.level] - LEVEL_RANK[a.properties.level] || newestRaised(a, b),
  raised: newestRaised,
  occurred: (a, b) => occurredAt(b) - occurredAt(a) || newestRaised(a, b),
};

export interface Change {
  alert: Alert;
  isNew: boolean;
  /** Newly critical: created critical, or escalated to critical. */
  raisedCritical: boolean;
}

export class AlertBook {
  private readonly alerts = new Map<number, Alert>();

  load(features: Alert[]): void {
    for (const feature of features) this.keep(feature);
  }

  get(id: number): Alert | undefined {
    return this.alerts.get(id);
  }

  /** Apply one stream event; stale versions (a replay of an older change) are ignored. */
  apply(envelope: Envelope<Alert>): Change | null {
    const incoming = envelope.data;
    const known = this.alerts.get(incoming.id);
    if (known && known.properties.version > incoming.properties.version) return null;
    this.keep(incoming);
    const wasCritical = known?.properties.level === "critical";
    return {
      alert: incoming,
      isNew: known === undefined,
      raisedCritical:
        incoming.properties.level === "critical" &&
        incoming.properties.status === "open" &&
        !wasCritical,
    };
  }

  /** Keep an alert as the server returned it (after acknowledge or resolve). */
  keep(alert: Alert): void {
    const known = this.alerts.get(alert.id);
    if (known && known.properties.version > alert.properties.version) return;
    this.alerts.set(alert.id, alert);
  }

  /** Filtered by level and status (empty lists: all), in `order` (newest raised first by default). */
  list(levels: readonly string[] = [], statuses: readonly string[] = [], order: AlertOrder = "raised"): Alert[] {
    return [...this.alerts.values()]
      .filter((a) => !levels.length || levels.includes(a.properties.level))
      .filter((a) => !statuses.length || statuses.includes(a.properties.status))
      .sort(ORDERS[order]);
  }

  get size(): number {
    return this.alerts.size;
  }
}

/** When an alert's incident happened (a surge: its latest member), else when it was raised. */
export function occurredAt(alert: Alert): number {
  return Date.parse(alert.properties.occurred_at ?? alert.properties.created_at);
}

/**
 * The alerts the map draws: those the panel's level and status filters pass, whose
 * incident happened inside the time window and, during playback, by its instant.
 */
export function alertsOnMap(
  book: AlertBook, levels: readonly string[], statuses: readonly string[], range: TimeRange, until: Date | null,
): Alert[] {
  const end = Math.min(range.end.getTime(), until?.getTime() ?? Infinity);
  return book.list(levels, statuses).filter((alert) => {
    const at = occurredAt(alert);
    return at >= range.start.getTime() && at <= end;
  });
}
