"""CASEVAC's travel times against a reference Dijkstra we did not write (issue 20):
networkx over the same edges, lengths from pyproj.Geod and the same class speeds, on
generated road grids with one-way roads and a part that is not connected. Every
facility the reference reaches is reached within 0.5 %; every one it cannot reach is
listed as unreachable."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from bluewatch.layers.roads import RoadClass
from bluewatch.network.speeds import SPEED_KMH
from tests.factories import GEOJSON, collection, facility, incident, road

GEOD = Geod(ellps="WGS84")
SIDE = 7  # vertices per side of a grid
SPACING = 0.01  # degrees
ORIGIN = (29.0, -1.5)
ISLAND = (29.4, -1.5)  # a grid of its own, 0.4° east: no road joins it to the first


Nodes = dict[tuple[int, int], tuple[float, float]]


def _grid(rng: random.Random, origin: tuple[float, float], side: int) -> Nodes:
    return {
        (i, j): (
            round(origin[0] + i * SPACING + rng.uniform(-0.002, 0.002), 6),
            round(origin[1] + j * SPACING + rng.uniform(-0.002, 0.002), 6),
        )
        for i in range(side)
        for j in range(side)
    }


def _edges(rng: random.Random, nodes: Nodes) -> list[dict[str, Any]]:
    edges = []
    for (i, j), start in nodes.items():
        for di, dj in ((1, 0), (0, 1)):
            end = nodes.get((i + di, j + dj))
            if end is None or rng.random() < 0.2:
                continue
            if rng.random() < 0.5:
                start, end = end, start
            edges.append({
                "start": start, "end": end,
                "class": rng.choice(list(RoadClass)), "oneway": rng.random() < 0.25,
            })  # fmt: skip
    return edges


def _seconds(edge: dict[str, Any]) -> float:
    metres = GEOD.inv(*edge["start"], *edge["end"])[2]
    return float(metres / (SPEED_KMH[edge["class"]] / 3.6))


def _midpoint(edge: dict[str, Any]) -> tuple[float, float]:
    (x1, y1), (x2, y2) = edge["start"], edge["end"]
    return ((x1 + x2) / 2, (y1 + y2) / 2)


def _reference(edges: list[dict[str, Any]], points: dict[str, dict[str, Any]]) -> nx.DiGraph[Any]:
    """The network with each point splitting its (two-way) edge in half."""
    graph: nx.DiGraph[Any] = nx.DiGraph()
    split = {id(edge): name for name, edge in points.items()}
    for edge in edges:
        cost = _seconds(edge)
        name = split.get(id(edge))
        legs = [(edge["start"], edge["end"], cost)]
        if name is not None:
            legs = [(edge["start"], name, cost / 2), (name, edge["end"], cost / 2)]
        for a, b, seconds in legs:
            graph.add_edge(a, b, weight=seconds)
            if not edge["oneway"]:
                graph.add_edge(b, a, weight=seconds)
    return graph


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_travel_times_equal_networkx_within_half_a_percent(client: TestClient, seed: int) -> None:
    rng = random.Random(seed)
    edges = _edges(rng, _grid(rng, ORIGIN, SIDE)) + _edges(rng, _grid(rng, ISLAND, 2))
    two_way = [e for e in edges if not e["oneway"]]
    main = [e for e in two_way if e["start"][0] < ISLAND[0] - 0.1]
    island = [e for e in two_way if e["start"][0] >= ISLAND[0] - 0.1]
    assert len(main) > 8 and island  # the generator made what the test needs
    chosen = [*rng.sample(main, 7), island[0]]
    points = {"incident": chosen[0]} | {f"facility {n}": e for n, e in enumerate(chosen[1:])}

    features = [
        road([list(e["start"]), list(e["end"])], **{"class": e["class"]}, oneway=e["oneway"])
        for e in edges
    ]
    posted = client.post("/api/v1/roads", json=collection(*features), headers=GEOJSON)
    assert posted.status_code == 200, posted.text
    start = _midpoint(points["incident"])
    incident_id = client.post("/api/v1/incidents", json=incident(*start), headers=GEOJSON).json()[
        "id"
    ]
    ids = {}
    for name, edge in points.items():
        if name != "incident":
            made = client.post("/api/v1/facilities", json=facility(*_midpoint(edge), name=name),
                               headers=GEOJSON)  # fmt: skip
            ids[made.json()["id"]] = name

    body = client.get(f"/api/v1/incidents/{incident_id}/casevac").json()
    graph = _reference(edges, points)
    expected = nx.single_source_dijkstra_path_length(graph, "incident", weight="weight")
    found = {ids[f["id"]]: f["properties"] for f in body["features"]}
    assert set(found) == set(ids.values())
    assert "facility 6" not in expected  # the island: unreachable by the reference too
    reached = 0
    for name, properties in found.items():
        assert properties["reachable"] is (name in expected), name
        if name in expected:
            reached += 1
            assert properties["offroad_m"] == pytest.approx(0, abs=0.01)
            assert properties["travel_time_s"] == pytest.approx(expected[name], rel=0.005), name
    assert reached >= 3  # enough of the grid was connected for the comparison to mean much
