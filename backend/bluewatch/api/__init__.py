"""HTTP routers. Thin: parse, authorize, call a service, shape the response."""
