"""The tables, as SQLAlchemy Core sees them (the migrations in ``migrations/`` create them).

A test compares these definitions with the database the migrations build, so the two cannot
drift apart silently. Timestamps are always timezone-aware UTC in Python; SQLite stores them as
naive UTC text, PostgreSQL as ``timestamptz``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

ACTION_KINDS = ("recall", "correction")
# Stored states. "unknown" is also *derived* on read for an action stuck in "recorded".
ACTION_STATES = ("recorded", "submitted", "completed", "failed", "unknown")
OUTCOME_STATUSES = ("pending", "succeeded", "failed", "no_report")
OUTCOME_SOURCES = ("report", "deep_check", "eligibility", "wait_limit")

# Lengths: Entra object ids are GUIDs; an address is at most 320 characters (RFC 5321 limits);
# a Message-ID header line at most 998 (RFC 5322).
OID = 64
ADDRESS = 320
MESSAGE_ID_HEADER = 998
IDEMPOTENCY_KEY = 255


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that goes in and comes out as an aware UTC ``datetime``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only takes timezone-aware datetimes")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text: store naive UTC so that values sort and compare as text.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


metadata = MetaData()

actions = Table(
    "actions", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("caller_oid", String(OID), nullable=False),
    Column("caller_tid", String(OID), nullable=False),
    Column("caller_address", String(ADDRESS)),
    Column("message_id", Text, nullable=False),
    Column("internet_message_id", String(MESSAGE_ID_HEADER)),
    Column("parent_id", String(36), ForeignKey("actions.id", name="fk_actions_parent")),
    Column("idempotency_key", String(IDEMPOTENCY_KEY)),
    Column("request_summary", Json),
    Column("response_summary", Json),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("request_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _one_of("kind", ACTION_KINDS, "ck_actions_kind"),
    _one_of("state", ACTION_STATES, "ck_actions_state"),
    Index("ix_actions_caller", "caller_oid", "created_at"),
    Index("ix_actions_message", "internet_message_id"),
    Index("ix_actions_state", "state", "created_at"),
)

recipient_outcomes = Table(
    "recipient_outcomes", metadata,
    Column("action_id", String(36), ForeignKey("actions.id", name="fk_outcomes_action"),
           primary_key=True),
    Column("address", String(ADDRESS), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("reason_code", String(64)),
    Column("source", String(16), nullable=False),
    Column("checked_at", UtcDateTime, nullable=False),
    _one_of("status", OUTCOME_STATUSES, "ck_outcomes_status"),
    _one_of("source", OUTCOME_SOURCES, "ck_outcomes_source"),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    # The primary key is the uniqueness rule: one key per caller, whichever instance asks.
    Column("caller_oid", String(OID), primary_key=True),
    Column("key", String(IDEMPOTENCY_KEY), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("action_id", String(36), ForeignKey("actions.id", name="fk_idempotency_action")),
    Column("response_status", Integer),
    Column("response_body", Json),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("actor_oid", String(OID)),
    Column("actor_tid", String(OID)),
    Column("actor_address", String(ADDRESS)),
    Column("event", String(64), nullable=False),
    Column("result", String(32), nullable=False),
    Column("internet_message_id", String(MESSAGE_ID_HEADER)),
    Column("subject", Text),
    Column("action_id", String(36)),  # no foreign key: the log outlives anything it mentions
    Column("request_id", String(64)),
    Column("details", Json),
    Index("ix_audit_events_time", "occurred_at", "id"),
    Index("ix_audit_events_action", "action_id"),
)
