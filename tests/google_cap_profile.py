"""The Google Public Alerts CAP profile: what a CAP 1.2 document needs beyond the XSD for
Google's (and most public aggregators') intake.

Written from the profile's published rule list (google/cap-library, "Google Public
Alerts CAP v1.0": its required checks and its recommendations), as an independent
reading of our output: it parses the XML itself and shares nothing with bluewatch.cap.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
UNKNOWN = "Unknown"


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path, namespaces=NS) or "").strip()


def _all(element: etree._Element, path: str) -> list[str]:
    return sorted((e.text or "").strip() for e in element.iterfind(path, NS))


def errors(document: bytes) -> list[str]:
    """The profile's required checks; any of these keeps an alert off the platform."""
    alert = etree.fromstring(document)
    found: list[str] = []
    if _text(alert, "cap:msgType") in ("Update", "Cancel") and not _text(alert, "cap:references"):
        found.append("an Update or Cancel must reference the messages it changes")
    infos = alert.findall("cap:info", NS)
    if not infos:
        found.append("at least one <info> is required")
    first = infos[0] if infos else None
    events: dict[str, str] = {}
    for index, info in enumerate(infos):
        where = f"info[{index}]"
        if first is not None and _all(info, "cap:category") != _all(first, "cap:category"):
            found.append(f"{where}: every <info> has the same categories")
        if first is not None and _all(info, "cap:eventCode/cap:value") != _all(
            first, "cap:eventCode/cap:value"
        ):
            found.append(f"{where}: every <info> has the same event codes")
        language = _text(info, "cap:language") or "en-US"
        if events.setdefault(language, _text(info, "cap:event")) != _text(info, "cap:event"):
            found.append(f"{where}: infos in one language name the same event")
        for member in ("description", "web", "expires", "urgency", "severity", "certainty"):
            if not _text(info, f"cap:{member}"):
                found.append(f"{where}: <{member}> is required")
        expires = _text(info, "cap:expires")
        effective = _text(info, "cap:effective") or _text(alert, "cap:sent")
        if (
            expires
            and effective
            and datetime.fromisoformat(effective) > datetime.fromisoformat(expires)
        ):
            found.append(f"{where}: <effective> must not come after <expires>")
        areas = info.findall("cap:area", NS)
        if not areas:
            found.append(f"{where}: at least one <area> is required")
        for area_index, area in enumerate(areas):
            shapes = [*area.iterfind("cap:circle", NS), *area.iterfind("cap:polygon", NS),
                      *area.iterfind("cap:geocode", NS)]  # fmt: skip
            if not shapes:
                found.append(f"{where}/area[{area_index}]: a circle, polygon or geocode")
    return found


def recommendations(document: bytes) -> list[str]:
    """The profile's recommendations: what makes an alert useful to the public."""
    alert = etree.fromstring(document)
    found: list[str] = []
    times = [("sent", _text(alert, "cap:sent"))]
    for index, info in enumerate(alert.findall("cap:info", NS)):
        where = f"info[{index}]"
        times += [(f"{where}/{m}", _text(info, f"cap:{m}")) for m in ("effective", "onset",
                                                                       "expires")]  # fmt: skip
        for member in ("senderName", "responseType", "instruction", "contact"):
            if not _text(info, f"cap:{member}"):
                found.append(f"{where}: <{member}> is recommended")
        headline, description = _text(info, "cap:headline"), _text(info, "cap:description")
        if len(headline) > 140:
            found.append(f"{where}: the headline is longer than 140 characters")
        if description == headline:
            found.append(f"{where}: the description should say more than the headline")
        if description and description == _text(info, "cap:instruction"):
            found.append(f"{where}: description and instruction should differ")
        for member in ("urgency", "severity", "certainty"):
            if _text(info, f"cap:{member}") == UNKNOWN:
                found.append(f"{where}: an Unknown <{member}> is discouraged")
        circles = [_text(c, ".") for c in info.iterfind("cap:area/cap:circle", NS)]
        if any(float(circle.split()[-1]) == 0 for circle in circles):
            found.append(f"{where}: a circle should have a nonzero radius")
        if info.find("cap:area", NS) is not None and not (
            circles or info.find("cap:area/cap:polygon", NS) is not None
        ):
            found.append(f"{where}: a polygon or circle is encouraged")
    for where, value in times:
        if value.endswith("-00:00"):
            found.append(f"{where}: give the time zone, not -00:00")
    return found
