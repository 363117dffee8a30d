"""Getting data in and out: imports and exports for JMAC teams and GIS tools."""

# The file formats an import reads (here, not in readers.py, so that the command line
# can list them without loading GDAL and pandas).
IMPORT_FORMATS = ("geojson", "geojsonseq", "csv", "gpkg", "kml", "shp.zip")
