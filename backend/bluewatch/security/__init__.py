"""Who is asking: principals, roles and clearance."""
