// An alert's headline in the page's language: the server writes each in English and in
// French when it raises or changes the alert (alerts raised before French headlines
// existed have only the English).

import type { AlertProperties } from "./alerts";
import { language, type Language } from "./i18n";

export function headline(properties: AlertProperties, lang: Language = language()): string {
  return lang === "fr" ? properties.headline_fr ?? properties.headline : properties.headline;
}
