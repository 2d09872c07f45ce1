"""Alembic migration scripts for the store (run by :mod:`recall_assistant.store.migrate`)."""
