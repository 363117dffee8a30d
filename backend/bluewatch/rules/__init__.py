"""Early-warning rules: proximity to camps and routes, and surges (clusters)."""
