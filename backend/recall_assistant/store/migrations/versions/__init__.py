"""One module a schema revision, oldest first (Alembic skips this ``__init__``)."""
