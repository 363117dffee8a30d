// The classification banners, top and bottom: the highest marking of anything on screen
// (map features, the alert panel and the side sheet).

import type { Map as MapLibreMap } from "maplibre-gl";
import { fromRank, highest, marking, type Classification } from "./classification";
import { byId } from "./dom";
import { DATA_LAYERS } from "./map/layers";

export interface BannerSources {
  map: () => MapLibreMap;
  /** Classifications shown outside the map (panel rows, the sheet's record). */
  besideMap: () => unknown[];
}

export class ClassificationBanner {
  constructor(private readonly sources: BannerSources) {}

  /** The highest classification of anything on screen. */
  onScreen(): Classification {
    const map = this.sources.map();
    const layers = DATA_LAYERS.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const found: unknown[] = map.queryRenderedFeatures({ layers }).map((f) =>
      f.properties?.cls_rank !== undefined ? fromRank(Number(f.properties.cls_rank)) : f.properties?.classification,
    );
    found.push(...this.sources.besideMap());
    return highest(found);
  }

  update(): void {
    const level = this.onScreen();
    for (const id of ["banner-top", "banner-bottom"]) {
      const banner = byId(id);
      if (banner.dataset.level !== level) {
        banner.dataset.level = level;
        banner.textContent = marking(level);
      }
    }
  }
}
