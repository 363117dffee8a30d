// The incident sheet's medical evacuation: the facilities reachable by road, fastest
// first, with their level and travel time, and the incident's 10-1-2 verdict (issue 20).
// The routes are drawn on the map while the sheet shows the incident.

import type { FeatureCollection } from "geojson";
import type { Api } from "./api";
import { h } from "./dom";
import { distance } from "./format";
import type { components } from "./generated/openapi";
import { decimal, t } from "./i18n";

type Casevac = components["schemas"]["Casevac"];
type Step = components["schemas"]["TimelineStep"];

/** How many reachable facilities the sheet lists (the map draws them all). */
const LISTED = 5;

const STEP_LABELS: Record<Step["step"], () => string> = {
  first_aid: () => t("First aid"),
  damage_control: () => t("Damage control"),
  surgery: () => t("Surgery"),
};

/** "14 min", "2 h 05". */
export function travelTime(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("{n} min", { n: minutes });
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")}`;
}

function levelLabel(level: number | null): string {
  return level === null ? t("helipad") : t("level {n}", { n: level });
}

function stepLine(step: Step, names: Map<number, string>): HTMLElement {
  const head = `${STEP_LABELS[step.step]()} ≤ ${t("{n} min", { n: step.minutes })}`;
  const where = step.facility_id === null || step.travel_time_s === null
    ? t("no facility of level {n} or above by road", { n: step.min_level })
    : `${names.get(step.facility_id) ?? ""}, ${travelTime(step.travel_time_s)}`;
  return h("li", { class: step.met ? "met" : "unmet", "data-step": step.step },
    h("span", { class: "verdict", "aria-label": step.met ? t("met") : t("not met") }, step.met ? "✓" : "✗"),
    ` ${head}: `, h("span", { translate: "no" }, where));
}

/** The section, filled when the answer comes; `showRoutes` draws the routes (null: none). */
export function casevacSection(
  api: Api, incidentId: number, showRoutes: (routes: FeatureCollection | null) => void,
): HTMLElement {
  const status = h("p", { class: "small" }, t("Finding the roads…"));
  const section = h("section", { class: "casevac", id: "casevac" }, h("h3", {}, t("Medical evacuation by road")), status);
  api.get<Casevac>(`/incidents/${incidentId}/casevac`).then((answer) => {
    if (!section.isConnected) return; // the sheet moved on to something else
    const reachable = answer.features.filter((f) => f.properties.reachable);
    const cut = answer.features.filter((f) => !f.properties.reachable);
    const names = new Map(answer.features.map((f) => [f.id, f.properties.facility_name]));
    showRoutes({
      type: "FeatureCollection",
      features: reachable.map((f, rank) => ({ ...f, geometry: f.geometry!, properties: { ...f.properties, rank } })),
    });
    status.replaceWith(
      h("ul", { class: "timeline", "aria-label": t("10-1-2 timeline") }, ...answer.timeline.map((s) => stepLine(s, names))),
      reachable.length === 0 ? h("p", { class: "small" }, t("No facility is reachable by road."))
        : h("ol", { class: "casevac-routes" }, ...reachable.slice(0, LISTED).map((f) =>
          h("li", {}, h("span", { translate: "no" }, f.properties.facility_name),
            ` · ${levelLabel(f.properties.level)} · ${travelTime(f.properties.travel_time_s ?? 0)} · ${distance(f.properties.distance_m)}`))),
      ...(cut.length === 0 ? [] : [h("p", { class: "small" }, `${t("Not reachable by road:")} `,
        h("span", { translate: "no" }, cut.map((f) => f.properties.facility_name).join(", ")))]),
      h("p", { class: "small" }, t("Carry to the road at {speed} km/h{season}.", {
        speed: decimal(answer.offroad_kmh, 0), season: answer.rainy_season ? t(", rainy season speeds") : "",
      })),
    );
  }).catch(() => {
    status.textContent = t("The routes could not be found.");
  });
  return section;
}
