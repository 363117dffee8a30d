import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, fromQuery, incidentFilters, playbackInstant, timeRange, toQuery, type ViewState } from "../src/view";

describe("the view in the URL", () => {
  it("writes nothing for the default view", () => {
    expect(toQuery(DEFAULT_VIEW)).toBe("");
  });

  it("round-trips position, window, filters, layers and panel filters", () => {
    const view: ViewState = {
      center: [29.22281, -1.67925],
      zoom: 9.5,
      window: { preset: "24h" },
      categories: ["ied", "ambush"],
      severityMin: 3,
      statuses: ["verified"],
      hidden: ["zones", "places"],
      alertLevels: ["critical"],
      alertStatuses: ["open"],
      alertOrder: "occurred",
      density: true,
      coverage: true,
    };
    const query = toQuery(view);
    expect(query).toBe(
      "?at=29.22281,-1.67925,9.50&window=24h&category=ied,ambush&severity_min=3&status=verified" +
        "&hide=zones,places&alert_level=critical&alert_status=open&alert_order=occurred&density=1&coverage=1",
    );
    expect(fromQuery(query)).toEqual(view);
  });

  it("round-trips a custom window", () => {
    const view: ViewState = {
      ...DEFAULT_VIEW,
      window: { preset: "custom", from: "2026-11-01T00:00:00.000Z", to: "2026-11-08T06:00:00.000Z" },
    };
    expect(fromQuery(toQuery(view)).window).toEqual(view.window);
  });

  it("ignores what it does not understand instead of failing", () => {
    const view = fromQuery("?at=500,0,3&window=2y&category=ied,bogus,ied&severity_min=9&hide=everything&alert_status=&alert_order=random");
    expect(view.alertOrder).toBe("level");
    expect(view.center).toBeNull();
    expect(view.window).toEqual({ preset: "7d" });
    expect(view.categories).toEqual(["ied"]);
    expect(view.severityMin).toBe(1);
    expect(view.hidden).toEqual([]);
    expect(view.alertStatuses).toEqual([]);
  });

  it("refuses a custom window that ends before it starts", () => {
    expect(fromQuery("?window=2026-11-08T00:00:00Z/2026-11-01T00:00:00Z").window).toEqual({ preset: "7d" });
  });
});

describe("time windows and the API's filters", () => {
  const now = new Date("2026-11-22T12:00:00Z");

  it("measures presets back from now", () => {
    const range = timeRange({ preset: "6h" }, now);
    expect(range.start.toISOString()).toBe("2026-11-22T06:00:00.000Z");
    expect(range.end).toEqual(now);
  });

  it("turns the view into incident filters", () => {
    const view = { ...DEFAULT_VIEW, categories: ["ied"], severityMin: 4, statuses: ["verified"], window: { preset: "24h" as const } };
    const params = incidentFilters(view, timeRange(view.window, now));
    expect(Object.fromEntries(params)).toEqual({
      datetime: "2026-11-21T12:00:00.000Z/2026-11-22T12:00:00.000Z",
      category: "ied",
      severity_min: "4",
      status: "verified",
    });
  });

  it("steps playback through the window", () => {
    const range = timeRange({ preset: "24h" }, now);
    expect(playbackInstant(range, 0).toISOString()).toBe("2026-11-21T12:00:00.000Z");
    expect(playbackInstant(range, 0.5).toISOString()).toBe("2026-11-22T00:00:00.000Z");
    expect(playbackInstant(range, 7)).toEqual(now);
  });
});
