"""How an alert is worded, in English and in French (MONUSCO and MINUSCA work in French).

Headlines are written in SQL when an alert is raised or changes, one column per language
(``headline``, ``headline_fr``): the map shows the one of its page's language, CAP
carries both. French writes decimals with a comma ("2,5 km"); coordinates keep the
point in both, as they are typed and exchanged.
"""

from __future__ import annotations

from typing import Literal, Protocol

from bluewatch.layers.incidents import category_label_sql, category_labels

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")
HEADLINE_COLUMNS: dict[Language, str] = {"en": "headline", "fr": "headline_fr"}


def _number(expression: str, language: Language, pattern: str = "FM99990.0") -> str:
    written = f"to_char({expression}, '{pattern}')"
    return f"replace({written}, '.', ',')" if language == "fr" else written


def proximity_headline(alias: str, target_type: str, language: Language) -> str:
    """ "IED 2.5 km from route MSR-1" / "EEI à 2,5 km de l'axe MSR-1"; inside a camp when 0.
    ``target_type`` is an SQL expression ('camp' or 'route')."""
    category = category_label_sql(f"{alias}.category", language)
    km = _number(f"{alias}.distance_m / 1000.0", language)
    name = f"{alias}.target_name"
    return f"({_proximity_words(alias, target_type, category, km, name, language)}) || " + (
        f"CASE WHEN {alias}.uncertain THEN '{APPROXIMATE[language]}' ELSE '' END"
    )


# Said after a headline when only the incident's stated uncertainty brought it in.
APPROXIMATE: dict[Language, str] = {
    "en": " (approximate position)",
    "fr": " (position approximative)",
}


def _proximity_words(
    alias: str, target_type: str, category: str, km: str, name: str, language: Language
) -> str:
    if language == "fr":
        return f"""
            CASE WHEN {alias}.distance_m = 0 THEN
                format('%s %s %s', {category},
                       CASE WHEN {target_type} = 'route' THEN 'sur l''axe' ELSE 'dans le camp' END,
                       {name})
            ELSE format('%s à %s km %s %s', {category}, {km},
                        CASE WHEN {target_type} = 'route' THEN 'de l''axe' ELSE 'du camp' END,
                        {name})
            END"""
    return f"""
        CASE WHEN {alias}.distance_m = 0 THEN format('%s inside %s', {category}, {name})
        ELSE format('%s %s km from %s%s', {category}, {km},
                    CASE WHEN {target_type} = 'route' THEN 'route ' ELSE '' END, {name})
        END"""


def proximity_group_headline(
    count: str, distance: str, name: str, target_type: str, language: Language
) -> str:
    """A grouped proximity alert (a rule's cooldown): "3 incidents near Goma HQ, the
    closest 0.4 km from it" / "3 incidents près du camp Goma HQ, le plus proche à 0,4 km".
    Each argument is an SQL expression."""
    km = _number(f"{distance} / 1000.0", language)
    if language == "fr":
        return f"""
            format('%s incidents près %s %s, le plus proche %s', {count},
                   CASE WHEN {target_type} = 'route' THEN 'de l''axe' ELSE 'du camp' END, {name},
                   CASE WHEN {distance} = 0 THEN 'à l''intérieur' ELSE 'à ' || {km} || ' km' END)"""
    return f"""
        format('%s incidents near %s%s, the closest %s', {count},
               CASE WHEN {target_type} = 'route' THEN 'route ' ELSE '' END, {name},
               CASE WHEN {distance} = 0 THEN 'inside' ELSE {km} || ' km from it' END)"""


def _hemisphere(value: str, positive: str, negative: str) -> str:
    return f"CASE WHEN {value} < 0 THEN '{negative}' ELSE '{positive}' END"


def surge_place(alias: str, centre: str, language: Language) -> str:
    """Where a surge is: at or near the nearest camp or route the alert may name (one no
    more sensitive than the surge's incidents, so naming it reveals nothing; the alert
    rests on it, so its marking follows that target from then on), else its centre."""
    lat, lon = f"ST_Y({centre})", f"ST_X({centre})"
    coordinates = (
        f"to_char(abs({lat}), 'FM990.000'), {_hemisphere(lat, 'N', 'S')}, "
        f"to_char(abs({lon}), 'FM990.000'), "
        f"{_hemisphere(lon, 'E', 'O' if language == 'fr' else 'W')}"
    )
    km = _number(f"{alias}.distance_m / 1000.0", language)
    route = f"{alias}.target_type = 'route'"
    name = f"{alias}.target_name"
    if language == "fr":
        return f"""
            CASE WHEN {name} IS NULL THEN format('près de %s°%s %s°%s', {coordinates})
            WHEN {alias}.distance_m < 50 THEN
                format('%s %s', CASE WHEN {route} THEN 'sur l''axe' ELSE 'au camp' END, {name})
            ELSE format('à %s km %s %s', {km},
                        CASE WHEN {route} THEN 'de l''axe' ELSE 'du camp' END, {name})
            END"""
    return f"""
        CASE WHEN {name} IS NULL THEN format('near %s°%s %s°%s', {coordinates})
        WHEN {alias}.distance_m < 50 THEN
            format('at %s%s', CASE WHEN {route} THEN 'route ' ELSE '' END, {name})
        ELSE format('%s km from %s%s', {km}, CASE WHEN {route} THEN 'route ' ELSE '' END, {name})
        END"""


def surge_headline(count: str, alias: str, centre: str, language: Language) -> str:
    """ "Surge: 3 incidents within 10 km in 24 h, 2.5 km from Camp X" (or in French).
    Binds ``:radius_m`` and ``:window_seconds``."""
    radius = _number(":radius_m / 1000.0", language, "FM99990.#")
    hours = _number(":window_seconds / 3600.0", language, "FM99990.#")
    place = surge_place(alias, centre, language)
    words = (
        "Pic : %s incidents dans un rayon de %s km en %s h, %s"
        if language == "fr"
        else "Surge: %s incidents within %s km in %s h, %s"
    )
    # 'FM99990.#' leaves a trailing point on whole numbers ("10."): trimmed.
    return (
        f"format('{words}', {count}, rtrim(rtrim({radius}, '.'), ','), "
        f"rtrim(rtrim({hours}, '.'), ','), {place})"
    )


class AlertFacts(Protocol):
    """What an alert's words are made of (a CAP message has these)."""

    @property
    def category(self) -> str | None: ...
    @property
    def incident_ids(self) -> list[int]: ...
    @property
    def target_type(self) -> str | None: ...
    @property
    def target_name(self) -> str | None: ...
    @property
    def distance_m(self) -> float | None: ...
    @property
    def headline(self) -> str: ...
    @property
    def headline_fr(self) -> str | None: ...
    @property
    def incident_status(self) -> str | None: ...
    @property
    def uncertain(self) -> bool: ...


def category_words(facts: AlertFacts, language: Language) -> str:
    fallback = "Incident de sécurité" if language == "fr" else "Security incident"
    return category_labels(language).get(facts.category or "", fallback)


def proximity_event(facts: AlertFacts, language: Language) -> str:
    """CAP <event>: "IED near camp" / "EEI près d'un camp"."""
    category = category_words(facts, language)
    if language == "fr":
        near = {"camp": "près d'un camp", "route": "près d'un axe"}
        return f"{category} {near.get(facts.target_type or '', 'dans la zone')}"
    return f"{category} near {facts.target_type or 'area'}"


def proximity_certainty(facts: AlertFacts) -> str:
    """CAP <certainty>: Possible when only the position's uncertainty brought the
    incident in, Observed when it was verified, else Likely."""
    if facts.uncertain:
        return "Possible"
    return "Observed" if facts.incident_status == "verified" else "Likely"


# "of the camp" / "of the route" in French, for the CAP descriptions.
FR_OF_TARGET = {"camp": "du camp", "route": "de l'axe"}


def proximity_description(facts: AlertFacts, language: Language) -> str:
    """CAP <description>: where the incident was reported, against which camp or route
    (for a group, how many and the closest)."""
    category = category_words(facts, language)
    count = len(facts.incident_ids)
    if count > 1:
        km = f"{(facts.distance_m or 0) / 1000:.1f}"
        if language == "fr":
            target = FR_OF_TARGET.get(facts.target_type or "", "de")
            return (
                f"{count} incidents signalés près {target} {facts.target_name}, le plus proche "
                f"({category}) à {km.replace('.', ',')} km."
            )
        return (
            f"{count} incidents reported near {facts.target_type} {facts.target_name}, "
            f"the closest ({category}) {km} km from it."
        )
    if language == "fr":
        target = FR_OF_TARGET.get(facts.target_type or "", "de")
        where = (
            f"dans le périmètre {target}"
            if not facts.distance_m
            else f"à {facts.distance_m / 1000:.1f} km {target}".replace(".", ",")
        )
        return f"{category} signalé {where} {facts.target_name}."
    where = "inside the perimeter of" if not facts.distance_m else (
        f"{facts.distance_m / 1000:.1f} km from"
    )  # fmt: skip
    return f"{category} reported {where} {facts.target_type} {facts.target_name}."


def surge_event(facts: AlertFacts, language: Language) -> str:
    return "Pic d'incidents de sécurité" if language == "fr" else "Surge of security incidents"


def surge_description(facts: AlertFacts, language: Language) -> str:
    count = len(facts.incident_ids)
    if language == "fr":
        return f"{count} incidents signalés à proximité les uns des autres. {facts.headline_fr}."
    return f"{count} incidents reported close together. {facts.headline}."


def baseline_headline(alias: str, target_type: str, language: Language) -> str:
    """ "Incidents up near Goma HQ: 12 in 7 d, 4.0 times the average of 3.0 over 4
    windows" (written with a multiplication sign), or in French; "none before" when the
    place had none. Binds ``:window_days`` and ``:baseline_windows``."""
    ratio = _number(f"{alias}.ratio", language)
    average = _number(f"{alias}.average", language)
    if language == "fr":
        where = f"CASE WHEN {target_type} = 'route' THEN 'de l''axe' ELSE 'du camp' END"
        return f"""
            format('Hausse des incidents près %s %s : %s en %s j, %s', {where},
                   {alias}.target_name, {alias}.recent, :window_days,
                   CASE WHEN {alias}.ratio IS NULL THEN 'aucun auparavant'
                        ELSE {ratio} || '× la moyenne de ' || {average} || ' sur '
                             || :baseline_windows || ' périodes' END)"""
    where = f"CASE WHEN {target_type} = 'route' THEN 'route ' ELSE '' END"
    return f"""
        format('Incidents up near %s%s: %s in %s d, %s', {where}, {alias}.target_name,
               {alias}.recent, :window_days,
               CASE WHEN {alias}.ratio IS NULL THEN 'none before'
                    ELSE {ratio} || '× the average of ' || {average} || ' over '
                         || :baseline_windows || ' windows' END)"""


def baseline_event(facts: AlertFacts, language: Language) -> str:
    if language == "fr":
        return "Hausse des incidents de sécurité par rapport à la normale"
    return "Security incidents above their usual rate"


def headline_sentence(facts: AlertFacts, language: Language) -> str:
    """CAP <description> of a kind whose headline says it all (baseline, coverage)."""
    return f"{facts.headline_fr if language == 'fr' else facts.headline}."


def coverage_event(facts: AlertFacts, language: Language) -> str:
    if language == "fr":
        return "Soins médicaux hors des délais de prise en charge"
    return "Medical care beyond the casualty-care timeline"
