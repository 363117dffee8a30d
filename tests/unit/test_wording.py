"""Alert wording in English and French: the server's French category labels are the
map's (frontend/src/messages/fr.ts), so a headline and the panel around it agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bluewatch.layers.incidents import CATEGORY_LABELS, CATEGORY_LABELS_FR, IncidentCategory

CATALOGUE = Path(__file__).parents[2] / "frontend" / "src" / "messages" / "fr.ts"


def french_catalogue() -> dict[str, str]:
    pairs = re.findall(
        r'^\s*("(?:[^"\\]|\\.)*"):\s*("(?:[^"\\]|\\.)*")', CATALOGUE.read_text(), re.M | re.S
    )
    return {json.loads(key): json.loads(value) for key, value in pairs}


def test_every_category_has_a_label_in_both_languages() -> None:
    assert set(CATEGORY_LABELS) == set(CATEGORY_LABELS_FR) == {c.value for c in IncidentCategory}


def test_the_server_labels_categories_in_french_as_the_map_does() -> None:
    catalogue = french_catalogue()
    assert len(catalogue) > 200  # the catalogue was read
    differing = {
        key: (CATEGORY_LABELS_FR[key], catalogue.get(english))
        for key, english in CATEGORY_LABELS.items()
        if english in catalogue and catalogue[english] != CATEGORY_LABELS_FR[key]
    }
    assert differing == {}
    # Every category but "other" (the server says "Other incident") is in the catalogue.
    assert [key for key, english in CATEGORY_LABELS.items() if english not in catalogue] == [
        "other"
    ]
