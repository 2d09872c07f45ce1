"""Persistence: the audit log, actions and idempotency keys (SQLAlchemy)."""
