import { afterEach, describe, expect, it, vi } from "vitest";
import { englishLabel, label } from "../src/format";
import { decimal, grouped, language, setLanguage, t, translate, translatePage } from "../src/i18n";
import { FR } from "../src/messages/fr";
import { formatArea, formatLength } from "../src/map/measure";
import PAGE from "../index.html?raw";
import { ALERT_LEVELS, ALERT_STATUSES, CATEGORIES, INCIDENT_STATUSES, LAYER_NAMES } from "../src/view";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** The page's own text (index.html): text nodes and the attributes people read or hear,
 * outside what is marked translate="no". */
function pageTexts(root: HTMLElement): string[] {
  const found: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent?.trim() ?? "";
    if (/[A-Za-z]/.test(text) && !node.parentElement?.closest("[translate=no], script")) found.push(text);
  }
  for (const element of root.querySelectorAll<HTMLElement>("[title], [placeholder], [aria-label]")) {
    if (element.closest("[translate=no]")) continue;
    for (const name of ["title", "placeholder", "aria-label"]) {
      const value = element.getAttribute(name);
      if (value && /[A-Za-z]/.test(value)) found.push(value);
    }
  }
  return found;
}

function loadPage(): void {
  const parsed = new DOMParser().parseFromString(PAGE, "text/html");
  document.title = parsed.title;
  document.body.replaceChildren(...[...parsed.body.childNodes].map((node) => document.importNode(node, true)));
}

afterEach(() => {
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe("the French catalogue", () => {
  it("keeps every placeholder of every message, and leaves none empty", () => {
    for (const [english, french] of Object.entries(FR)) {
      expect(placeholders(french), english).toEqual(placeholders(english));
      expect(french.trim(), english).not.toBe("");
    }
  });

  it("has every text of the page (index.html)", () => {
    loadPage();
    const texts = pageTexts(document.body);
    expect(texts.length).toBeGreaterThan(60); // the walk found the page
    const missing = texts.filter((text) => !(text in FR));
    expect(missing).toEqual([]);
    expect(document.title in FR).toBe(true);
  });

  it("has every value the page writes as a label", () => {
    const values = [
      ...CATEGORIES, ...INCIDENT_STATUSES, ...ALERT_LEVELS, ...ALERT_STATUSES, ...LAYER_NAMES,
      "active", "planned", "suspended", "closed", // route statuses
      "hq", "team_site", "company_base", "poc_site", // camp kinds
      "qrf", "patrol", "medical_team", "engineers", "other", // unit kinds
      "tasked", "en_route", "on_scene", "completed", "cancelled", // task steps
      "viewer", "analyst", "admin", "place", "camp", "route", "position",
    ];
    const missing = values.map(englishLabel).filter((english) => !(english in FR));
    expect(missing).toEqual([]);
  });
});

describe("the page's language", () => {
  it("is the browser's the first time, then the one chosen, remembered", () => {
    vi.stubGlobal("navigator", { languages: ["fr-CD", "en"], language: "fr-CD" });
    expect(language()).toBe("fr");
    vi.stubGlobal("navigator", { languages: ["sw", "en-GB"], language: "sw" });
    expect(language()).toBe("en");
    setLanguage("fr");
    expect(language()).toBe("fr");
    expect(localStorage.getItem("bluewatch.language")).toBe("fr");
  });

  it("fills messages and writes numbers its way", () => {
    expect(t("{n} of {total} incidents in the window", { n: 3, total: 12 }, "en")).toBe("3 of 12 incidents in the window");
    expect(t("{n} of {total} incidents in the window", { n: 3, total: 12 }, "fr")).toBe("3 sur 12 incidents de la période");
    expect(translate("Armed clash", "fr")).toBe("Affrontement armé");
    expect(translate("not in the catalogue", "fr")).toBe("not in the catalogue");
    expect(decimal(2.54, 1, "fr")).toBe("2,5");
    expect(decimal(2.54, 1, "en")).toBe("2.5");
    expect(grouped(4500, "fr")).toBe("4 500");
    expect(grouped(4500, "en")).toBe("4,500");
    setLanguage("fr");
    expect(label("attack_on_civilians")).toBe("Attaque contre des civils");
    expect(formatLength(12_345)).toBe("12,3 km");
    expect(formatArea(4_500)).toBe("4 500 m²");
    setLanguage("en");
    expect(label("attack_on_civilians")).toBe("Attack on civilians");
    expect(formatLength(12_345)).toBe("12.3 km");
  });

  it("translates the whole page, and leaves what is marked translate=no", () => {
    loadPage();
    const english = pageTexts(document.body);
    translatePage(document.body, "fr");
    expect(document.documentElement.lang).toBe("fr");
    expect(document.title).toBe("Bluewatch — carte de la mission");
    const french = pageTexts(document.body);
    expect(french.length).toBe(english.length);
    // Nothing English is left where French differs.
    const left = french.filter((text) => text in FR && FR[text as keyof typeof FR] !== text);
    expect(left).toEqual([]);
    expect(document.querySelector("#signin button[type=submit]")?.textContent).toBe("Se connecter");
    expect(document.querySelector("#goto")?.getAttribute("placeholder")).toBe("Aller à un lieu ou à des coordonnées");
    expect(document.querySelector(".brand")?.textContent).toBe("Bluewatch");
    expect(document.querySelector("#banner-top")?.textContent).toBe("UNCLASSIFIED");
  });
});
