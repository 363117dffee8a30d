"""Bluewatch: geospatial early warning for UN peacekeeping missions."""

__version__ = "0.1.0"
