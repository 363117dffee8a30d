"""Getting data out (and, later, in): exports for JMAC teams and GIS tools."""
