"""Actions, per-recipient outcomes, idempotency keys and the append-only audit log.

Revision ID: 0001
Revises:
Created: 2026-11-27

A revision is a frozen snapshot: it spells its tables out instead of importing ``schema.py``,
which describes only the newest schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("caller_oid", sa.String(64), nullable=False),
        sa.Column("caller_tid", sa.String(64), nullable=False),
        sa.Column("caller_address", sa.String(320)),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("internet_message_id", sa.String(998)),
        sa.Column("parent_id", sa.String(36),
                  sa.ForeignKey("actions.id", name="fk_actions_parent")),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("request_summary", _json),
        sa.Column("response_summary", _json),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("request_id", sa.String(64)),
        _ts("created_at"),
        _ts("updated_at"),
        sa.CheckConstraint("kind IN ('recall', 'correction')", name="ck_actions_kind"),
        sa.CheckConstraint(
            "state IN ('recorded', 'submitted', 'completed', 'failed', 'unknown')",
            name="ck_actions_state"),
    )
    op.create_index("ix_actions_caller", "actions", ["caller_oid", "created_at"])
    op.create_index("ix_actions_message", "actions", ["internet_message_id"])
    op.create_index("ix_actions_state", "actions", ["state", "created_at"])

    op.create_table(
        "recipient_outcomes",
        sa.Column("action_id", sa.String(36),
                  sa.ForeignKey("actions.id", name="fk_outcomes_action"), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("source", sa.String(16), nullable=False),
        _ts("checked_at"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')",
                           name="ck_outcomes_status"),
        sa.CheckConstraint("source IN ('report', 'deep_check', 'eligibility')",
                           name="ck_outcomes_source"),
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("caller_oid", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("action_id", sa.String(36),
                  sa.ForeignKey("actions.id", name="fk_idempotency_action")),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", _json),
        _ts("created_at"),
        _ts("claimed_at"),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", _big_id, primary_key=True, autoincrement=True),
        _ts("occurred_at"),
        sa.Column("actor_oid", sa.String(64)),
        sa.Column("actor_tid", sa.String(64)),
        sa.Column("actor_address", sa.String(320)),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("internet_message_id", sa.String(998)),
        sa.Column("subject", sa.Text),
        sa.Column("action_id", sa.String(36)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("details", _json),
    )
    op.create_index("ix_audit_events_time", "audit_events", ["occurred_at", "id"])
    op.create_index("ix_audit_events_action", "audit_events", ["action_id"])
    _forbid_audit_changes()


def _forbid_audit_changes() -> None:
    """The database itself refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit rows,
    whatever code or person tries. Purging old rows, when it comes, is a migration's job."""
    if op.get_context().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION ra_audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only
            BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION ra_audit_events_append_only()
        """)
        op.execute("""
            CREATE TRIGGER audit_events_no_truncate
            BEFORE TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION ra_audit_events_append_only()
        """)
    elif op.get_context().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{verb.lower()}
                BEFORE {verb} ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: {verb} refused'); END
            """)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS ra_audit_events_append_only()")
    op.drop_table("audit_events")
    op.drop_table("idempotency_keys")
    op.drop_table("recipient_outcomes")
    op.drop_index("ix_actions_state", table_name="actions")
    op.drop_index("ix_actions_message", table_name="actions")
    op.drop_index("ix_actions_caller", table_name="actions")
    op.drop_table("actions")
