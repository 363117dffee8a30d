// The page's language: English or French (MONUSCO and MINUSCA work in French), chosen in
// the user's menu and remembered in this browser; the browser's own language decides the
// first time. Every string of the page comes from a message catalogue: the English text
// is the message's key (as gettext's msgid), and messages/fr.ts gives each its French.
// The compiler refuses a key the French catalogue lacks.

import { FR, type MessageKey } from "./messages/fr";

export type Language = "en" | "fr";
export const LANGUAGES: Record<Language, string> = { en: "English", fr: "Français" };

const KEY = "bluewatch.language";

/** The chosen language; else the browser's (French when it prefers French); else English. */
export function language(): Language {
  const stored = globalThis.localStorage?.getItem(KEY);
  if (stored === "en" || stored === "fr") return stored;
  const preferred = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? "en"];
  return preferred.find((tag) => /^(en|fr)\b/i.test(tag))?.slice(0, 2).toLowerCase() === "fr" ? "fr" : "en";
}

export function setLanguage(chosen: Language): void {
  globalThis.localStorage?.setItem(KEY, chosen);
}

export type Params = Record<string, string | number>;

/** `{name}` in `text` replaced by `params.name` (numbers as digits: callers format decimals with `decimal`). */
function fill(text: string, params: Params | undefined): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The message in the page's language, its `{placeholders}` filled. */
export function t(key: MessageKey, params?: Params, lang: Language = language()): string {
  return fill(lang === "fr" ? FR[key] : key, params);
}

/** A text made at run time (an enum's label, a known server message) in the page's
 * language when the catalogue has it, else as it is. */
export function translate(text: string, lang: Language = language()): string {
  if (lang === "en") return text;
  return (FR as Record<string, string>)[text] ?? text;
}

/** A number with `digits` decimals, written the language's way: "2.5" or "2,5". */
export function decimal(value: number, digits: number, lang: Language = language()): string {
  const fixed = value.toFixed(digits);
  return lang === "fr" ? fixed.replace(".", ",") : fixed;
}

/** A whole number with thousands grouped: "4,500" or "4 500". */
export function grouped(value: number, lang: Language = language()): string {
  return Math.round(value).toLocaleString(lang === "fr" ? "fr-FR" : "en-GB").replace(/\u202f|\u00a0/g, " ");
}

const ATTRIBUTES = ["title", "placeholder", "aria-label"] as const;

/**
 * The page's static text (index.html) in the page's language: each text and each title,
 * placeholder and aria-label that is a message of the catalogue. Run once at start-up,
 * before anything is built from code; what is not to be translated (the name Bluewatch,
 * markings) is marked `translate="no"`.
 */
export function translatePage(root: HTMLElement = document.body, lang: Language = language()): void {
  document.documentElement.lang = lang;
  document.title = translate(document.title, lang);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? "";
    const key = text.trim();
    if (key && !node.parentElement?.closest("[translate=no]")) node.textContent = text.replace(key, translate(key, lang));
  }
  for (const attribute of ATTRIBUTES) {
    for (const element of root.querySelectorAll<HTMLElement>(`[${attribute}]`)) {
      element.setAttribute(attribute, translate(element.getAttribute(attribute) ?? "", lang));
    }
  }
}
