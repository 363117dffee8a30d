"""Build the sample scenario: eastern DRC (North Kivu and Ituri), the last 30 days.

Writes towns.geojson, camps.geojson, routes.geojson and incidents.geojson beside
this file. Deterministic (seeded). Times are relative: ``hours_ago`` on incidents,
``active_from_hours`` / ``active_until_hours`` on routes (negative = in the past);
``bluewatch seed`` turns them into timestamps at load time.

Town coordinates are real (rounded); camp perimeters are illustrative shapes at
real places; routes follow the national roads RN2, RN4 and RN27 through the towns
they serve. Incidents are synthetic: plausible, not real events.

    python sample_data/build_scenario.py
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
RNG = random.Random(20261122)

# name: (lon, lat, weight for incident placement)
TOWNS: dict[str, tuple[float, float, int]] = {
    "Goma": (29.2228, -1.6792, 10),
    "Sake": (29.0453, -1.5736, 7),
    "Mugunga": (29.1550, -1.6400, 3),
    "Kibumba": (29.3340, -1.5090, 4),
    "Rugari": (29.3690, -1.4080, 3),
    "Rutshuru": (29.4500, -1.1850, 6),
    "Kiwanja": (29.4600, -1.1500, 5),
    "Kitchanga": (28.9830, -1.1870, 5),
    "Masisi": (28.8167, -1.4000, 4),
    "Minova": (29.0167, -1.7000, 3),
    "Kanyabayonga": (29.1780, -0.7050, 4),
    "Lubero": (29.2400, -0.1585, 3),
    "Butembo": (29.2917, 0.1417, 7),
    "Beni": (29.4731, 0.4911, 10),
    "Oicha": (29.5170, 0.7000, 6),
    "Eringeti": (29.5800, 0.7750, 5),
    "Komanda": (29.7670, 1.3670, 4),
    "Bunia": (30.2500, 1.5667, 9),
    "Djugu": (30.5000, 1.9200, 6),
    "Kasindi": (29.7167, 0.0333, 3),
}

ROUTES = [
    {
        "name": "RN2 Goma – Sake",
        "status": "active",
        "via": [(29.2228, -1.6792), (29.1550, -1.6400), (29.1000, -1.6100), (29.0453, -1.5736)],
        "classification": "unclassified",
        "description": "Daily logistics convoy to the Sake company base.",
    },
    {
        "name": "RN2 Goma – Rutshuru – Kiwanja",
        "status": "suspended",
        "via": [(29.2228, -1.6792), (29.2480, -1.6240), (29.3340, -1.5090), (29.3690, -1.4080),
                (29.4000, -1.3200), (29.4500, -1.1850), (29.4600, -1.1500)],
        "classification": "confidential",
        "description": "Suspended: armed group control north of Kibumba.",
    },
    {
        "name": "RN2 Kanyabayonga – Lubero – Butembo",
        "status": "planned",
        "window": (10, 58),
        "via": [(29.1780, -0.7050), (29.1900, -0.5600), (29.2150, -0.3500), (29.2400, -0.1585),
                (29.2700, 0.0200), (29.2917, 0.1417)],
        "classification": "confidential",
        "description": "Rotation convoy, escorted, movement window from tomorrow.",
    },
    {
        "name": "RN4 Butembo – Beni",
        "status": "active",
        "via": [(29.2917, 0.1417), (29.3300, 0.2500), (29.4000, 0.3500), (29.4731, 0.4911)],
        "classification": "unclassified",
        "description": "Main supply road between the two North Kivu brigade areas.",
    },
    {
        "name": "RN4 Beni – Oicha – Eringeti – Komanda",
        "status": "active",
        "window": (-6, 30),
        "via": [(29.4731, 0.4911), (29.4700, 0.5800), (29.5170, 0.7000), (29.5800, 0.7750),
                (29.6500, 1.1000), (29.7670, 1.3670)],
        "classification": "confidential",
        "description": "Escorted convoy through the ADF-affected 'triangle of death'.",
    },
    {
        "name": "RN27 Komanda – Bunia",
        "status": "planned",
        "window": (12, 36),
        "via": [(29.7670, 1.3670), (29.9800, 1.4500), (30.1200, 1.5200), (30.2500, 1.5667)],
        "classification": "confidential",
        "description": "Planned resupply of the Ituri brigade.",
    },
    {
        "name": "RN27 Bunia – Djugu",
        "status": "closed",
        "via": [(30.2500, 1.5667), (30.2900, 1.7000), (30.3600, 1.8000), (30.5000, 1.9200)],
        "classification": "strictly_confidential",
        "description": "Closed after repeated ambushes near Iga Barrière.",
    },
    {
        "name": "Beni – Kasindi (Uganda border)",
        "status": "planned",
        "window": (120, 160),
        "via": [(29.4731, 0.4911), (29.5300, 0.3800), (29.6000, 0.2500), (29.7167, 0.0333)],
        "classification": "unclassified",
        "description": "Border crossing movement, next week.",
    },
    {
        "name": "Sake – Masisi",
        "status": "suspended",
        "via": [(29.0453, -1.5736), (28.9800, -1.5200), (28.9000, -1.4600), (28.8167, -1.4000)],
        "classification": "confidential",
        "description": "Suspended: road cut by fighting around Kilolirwe.",
    },
]  # fmt: skip

# The roads CASEVAC routes over (issue 20): each convoy route's road, with its class,
# and the links between them and to the camps. Public roads: unclassified.
ROUTE_ROAD_CLASS = {
    "Sake – Masisi": "tertiary",
    "Beni – Kasindi (Uganda border)": "secondary",
}  # the others are primary (RN2, RN4, RN27)
LINK_ROADS = [
    ("RN2 Kiwanja – Kanyabayonga", "primary",
     [(29.4600, -1.1500), (29.4000, -1.0000), (29.2500, -0.8500), (29.1780, -0.7050)]),
    ("Masisi – Kitchanga", "track",
     [(28.8167, -1.4000), (28.8800, -1.3000), (28.9850, -1.1880)]),
    ("Goma – Force HQ", "residential",
     [(29.2228, -1.6792), (29.2300, -1.6740), (29.2365, -1.6685)]),
    ("Force HQ – airport", "residential", [(29.2365, -1.6685), (29.2385, -1.6708)]),
    ("Beni – Mavivi", "secondary", [(29.4731, 0.4911), (29.4690, 0.5300), (29.4695, 0.5765)]),
    ("Beni – airport", "tertiary", [(29.4731, 0.4911), (29.4550, 0.5300), (29.4447, 0.5750)]),
]  # fmt: skip

# Medical facilities at the camps (UN levels of care), and two helipads.
FACILITIES = [
    ("Level 2 hospital Goma", 2, "hospital", (29.2365, -1.6685), 60, "unclassified"),
    ("Goma airport helipad", None, "helipad", (29.2385, -1.6708), None, "unclassified"),
    ("Level 1 hospital Sake", 1, "hospital", (29.0460, -1.5745), 20, "confidential"),
    ("Level 1 hospital Kiwanja", 1, "hospital", (29.4605, -1.1490), 20, "confidential"),
    ("Aid post Kitchanga", 1, "aid_post", (28.9855, -1.1885), 4, "confidential"),
    ("Level 1 hospital Butembo", 1, "hospital", (29.2915, 0.1410), 20, "unclassified"),
    ("Level 2 hospital Beni (Mavivi)", 2, "hospital", (29.4695, 0.5765), 50, "confidential"),
    ("Beni airport helipad", None, "helipad", (29.4447, 0.5750), None, "unclassified"),
    ("Level 1 hospital Oicha", 1, "hospital", (29.5175, 0.7005), 20, "confidential"),
    ("Level 2 hospital Bunia", 2, "hospital", (30.2505, 1.5672), 50, "unclassified"),
]

# Units that can be sent (issue 20): quick reaction forces, patrols, medical teams and
# engineers at the camps; the engineers at Beni are resting (unavailable).
UNITS = [
    ("QRF Goma", "qrf", (29.2368, -1.6688), True, "unclassified"),
    ("Medical team Goma", "medical_team", (29.2370, -1.6690), True, "unclassified"),
    ("Patrol Sake", "patrol", (29.0520, -1.5740), True, "confidential"),
    ("QRF Kiwanja", "qrf", (29.4630, -1.1410), True, "confidential"),
    ("Patrol Butembo", "patrol", (29.2920, 0.1420), True, "unclassified"),
    ("QRF Beni", "qrf", (29.4700, 0.5750), True, "unclassified"),
    ("Engineers Beni", "engineers", (29.4735, 0.4920), False, "unclassified"),
    ("Medical team Bunia", "medical_team", (30.2510, 1.5680), True, "unclassified"),
]

CAMPS = [
    ("MONUSCO Force HQ Goma", "hq", "Force Headquarters", (29.2350, -1.6700), 650, "unclassified"),
    ("Sake Company Operating Base", "company_base", "SAMIDRC / FIB coy", (29.0500, -1.5760), 320,
     "confidential"),
    ("Kiwanja Company Base", "company_base", "Rapid Deployment Bn", (29.4620, -1.1420), 300,
     "confidential"),
    ("Kitchanga Team Site", "team_site", "Military observers", (28.9850, -1.1900), 200,
     "confidential"),
    ("Butembo Team Site", "team_site", "UNPOL / MILOBS", (29.2900, 0.1300), 220, "unclassified"),
    ("Mavivi Base Beni", "hq", "North Kivu Brigade HQ", (29.4680, 0.5750), 600, "confidential"),
    ("Oicha Company Base", "company_base", "Infantry coy", (29.5200, 0.6950), 300,
     "strictly_confidential"),
    ("Bunia Ituri Brigade HQ", "hq", "Ituri Brigade HQ", (30.2300, 1.5700), 550, "unclassified"),
    ("Rhoe IDP site", "poc_site", "Protection of civilians (Djugu)", (30.5300, 1.8700), 700,
     "confidential"),
]  # fmt: skip

CATEGORY_WEIGHTS = {
    "armed_clash": 14, "ied": 6, "ambush": 8, "indirect_fire": 5, "attack_on_civilians": 12,
    "abduction": 6, "protest": 7, "crime": 10, "checkpoint": 8, "drone_sighting": 5, "uxo": 4,
    "natural_hazard": 4, "other": 4,
}  # fmt: skip

TITLES = {
    "armed_clash": "Exchange of fire between armed groups near {town}",
    "ied": "IED detonation on the road near {town}",
    "ambush": "Ambush on a civilian vehicle near {town}",
    "indirect_fire": "Mortar rounds impact near {town}",
    "attack_on_civilians": "Attack on a village near {town}",
    "abduction": "Abduction of civilians reported near {town}",
    "protest": "Demonstration against insecurity in {town}",
    "crime": "Armed robbery in {town}",
    "checkpoint": "Illegal checkpoint set up near {town}",
    "drone_sighting": "Unidentified drone observed over {town}",
    "uxo": "Unexploded ordnance found near {town}",
    "natural_hazard": "Landslide blocks road near {town}",
    "other": "Unusual movement of armed men near {town}",
}

SOURCES = [
    ("MONUSCO patrol", "A", 2),
    ("UNDSS", "B", 2),
    ("Local authority", "C", 3),
    ("Civil society network", "C", 3),
    ("OCHA flash update", "B", 2),
    ("Open source (social media)", "E", 4),
    ("Community alert network", "D", 3),
]


def offset(lon: float, lat: float, distance_m: float, bearing_deg: float) -> tuple[float, float]:
    """A point ``distance_m`` from (lon, lat) on ``bearing_deg`` (spherical, fine at this scale)."""
    radius = 6_371_000.0
    bearing = math.radians(bearing_deg)
    lat1, lon1 = math.radians(lat), math.radians(lon)
    angle = distance_m / radius
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return round(math.degrees(lon2), 6), round(math.degrees(lat2), 6)


def perimeter(lon: float, lat: float, radius_m: float) -> list[list[float]]:
    """An irregular, counter-clockwise, closed ring of 10 vertices."""
    ring = []
    for index in range(10):
        bearing = 360 - index * 36  # decreasing bearing = counter-clockwise
        ring.append(list(offset(lon, lat, radius_m * RNG.uniform(0.8, 1.15), bearing)))
    ring.append(ring[0])
    return ring


def feature(geometry: dict[str, object], properties: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(features: list[dict[str, object]]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": features}


def point_along(route: dict[str, object]) -> tuple[float, float]:
    via = route["via"]
    assert isinstance(via, list)
    index = RNG.randrange(len(via) - 1)
    (lon1, lat1), (lon2, lat2) = via[index], via[index + 1]
    share = RNG.random()
    return lon1 + (lon2 - lon1) * share, lat1 + (lat2 - lat1) * share


def build_incidents(count: int) -> list[dict[str, object]]:
    names = list(TOWNS)
    weights = [TOWNS[name][2] for name in names]
    categories = list(CATEGORY_WEIGHTS)
    incidents = []
    for number in range(1, count + 1):
        # Every category appears; the rest follow regional weights.
        if number <= len(categories) * 5:
            category = categories[(number - 1) % len(categories)]
        else:
            category = RNG.choices(categories, weights=list(CATEGORY_WEIGHTS.values()))[0]
        if category in {"ambush", "ied", "checkpoint"} and RNG.random() < 0.7:
            route = RNG.choice(ROUTES)
            lon, lat = point_along(route)
            lon, lat = offset(lon, lat, RNG.uniform(50, 2500), RNG.uniform(0, 360))
            town = min(names, key=lambda n: math.dist(TOWNS[n][:2], (lon, lat)))
        else:
            town = RNG.choices(names, weights=weights)[0]
            base_lon, base_lat, _ = TOWNS[town]
            lon, lat = offset(base_lon, base_lat, RNG.uniform(200, 15_000), RNG.uniform(0, 360))
        severity = min(5, max(1, round(RNG.gauss(3, 1.1))))
        fatalities = 0 if severity < 3 else int(RNG.expovariate(1 / (severity - 1.5)))
        source, reliability, credibility = RNG.choice(SOURCES)
        roll = RNG.random()
        classification = (
            "unclassified" if roll < 0.45 else "confidential" if roll < 0.85
            else "strictly_confidential"
        )  # fmt: skip
        hours_ago = round(min(719.0, RNG.expovariate(1 / 200)) + 0.25, 2)
        incidents.append(
            feature(
                {"type": "Point", "coordinates": [lon, lat]},
                {
                    "hours_ago": hours_ago,
                    "category": category,
                    "severity": severity,
                    "fatalities": fatalities,
                    "injured": int(fatalities * RNG.uniform(0.5, 3)),
                    "title": TITLES[category].format(town=town),
                    "description": f"Reported by {source.lower()}; see the daily SITREP.",
                    "source": source,
                    "source_reliability": reliability,
                    "source_credibility": credibility,
                    "geo_precision": RNG.choice([1, 1, 1, 2, 2, 3]),
                    "status": RNG.choice(["reported", "reported", "verified", "dismissed"]),
                    "classification": classification,
                    "external_source": "bluewatch-scenario",
                    "external_id": f"INC-{number:04d}",
                },
            )
        )
    return incidents


def main() -> None:
    towns = [
        feature({"type": "Point", "coordinates": [lon, lat]}, {"name": name, "rank": weight})
        for name, (lon, lat, weight) in TOWNS.items()
    ]
    camps = [
        feature(
            {"type": "Polygon", "coordinates": [perimeter(lon, lat, radius)]},
            {
                "name": name,
                "kind": kind,
                "unit": unit,
                "classification": classification,
                "external_source": "bluewatch-scenario",
                "external_id": f"CAMP-{index:02d}",
            },
        )
        for index, (name, kind, unit, (lon, lat), radius, classification) in enumerate(CAMPS, 1)
    ]
    routes = []
    for index, route in enumerate(ROUTES, 1):
        properties: dict[str, object] = {
            "name": route["name"],
            "status": route["status"],
            "description": route["description"],
            "classification": route["classification"],
            "external_source": "bluewatch-scenario",
            "external_id": f"ROUTE-{index:02d}",
        }
        if "window" in route:
            start, end = route["window"]  # type: ignore[misc]
            properties["active_from_hours"] = start
            properties["active_until_hours"] = end
        routes.append(feature({"type": "LineString", "coordinates": route["via"]}, properties))
    roads = [
        feature(
            {"type": "LineString", "coordinates": via},
            {
                "name": name,
                "class": road_class,
                "classification": "unclassified",
                "external_source": "bluewatch-scenario",
                "external_id": f"ROAD-{index:02d}",
            },
        )
        for index, (name, road_class, via) in enumerate(
            [(r["name"], ROUTE_ROAD_CLASS.get(str(r["name"]), "primary"), r["via"]) for r in ROUTES]
            + LINK_ROADS,
            1,
        )
    ]
    facilities = [
        feature(
            {"type": "Point", "coordinates": [lon, lat]},
            {
                "name": name,
                "level": level,
                "kind": kind,
                "capacity": capacity,
                "classification": classification,
                "external_source": "bluewatch-scenario",
                "external_id": f"FACILITY-{index:02d}",
            },
        )
        for index, (name, level, kind, (lon, lat), capacity, classification) in enumerate(
            FACILITIES, 1
        )
    ]
    units = [
        feature(
            {"type": "Point", "coordinates": [lon, lat]},
            {
                "name": name,
                "kind": kind,
                "available": available,
                "classification": classification,
                "external_source": "bluewatch-scenario",
                "external_id": f"UNIT-{index:02d}",
            },
        )
        for index, (name, kind, (lon, lat), available, classification) in enumerate(UNITS, 1)
    ]
    incidents = build_incidents(360)
    for name, layer in [
        ("towns", towns), ("camps", camps), ("routes", routes), ("roads", roads),
        ("facilities", facilities), ("units", units), ("incidents", incidents),
    ]:  # fmt: skip
        path = HERE / f"{name}.geojson"
        path.write_text(json.dumps(collection(layer), indent=1) + "\n")
        print(f"{path.name}: {len(layer)} features")


if __name__ == "__main__":
    main()
