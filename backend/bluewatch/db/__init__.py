"""Database access: the engine, the schema models, migrations and the local cluster."""
