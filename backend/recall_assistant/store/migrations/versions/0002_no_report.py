"""Outcomes may read ``no_report``, said by the end of the wait (``wait_limit``).

Revision ID: 0002
Revises: 0001
Created: 2026-12-03

Every recall ends: after ``RA_RECALL_REPORT_WAIT_S`` a person still pending reads
``no_report``. The CHECK constraints of ``recipient_outcomes`` are widened for that. SQLite
cannot alter a constraint, so its table is rebuilt in a batch from the frozen definition below
(nothing is reflected); PostgreSQL drops and adds the two constraints in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OLD_STATUSES = ("pending", "succeeded", "failed")
_OLD_SOURCES = ("report", "deep_check", "eligibility")
_NEW_STATUSES = (*_OLD_STATUSES, "no_report")
_NEW_SOURCES = (*_OLD_SOURCES, "wait_limit")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _table(statuses: tuple[str, ...], sources: tuple[str, ...]) -> sa.Table:
    """``recipient_outcomes`` as it stands with these constraints (for SQLite's rebuild)."""
    return sa.Table(
        "recipient_outcomes", sa.MetaData(),
        sa.Column("action_id", sa.String(36),
                  sa.ForeignKey("actions.id", name="fk_outcomes_action"), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", statuses), name="ck_outcomes_status"),
        sa.CheckConstraint(_in("source", sources), name="ck_outcomes_source"),
    )


def _widen(old: tuple[tuple[str, ...], tuple[str, ...]],
           new: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    with op.batch_alter_table("recipient_outcomes", copy_from=_table(*old)) as batch:
        batch.drop_constraint("ck_outcomes_status", type_="check")
        batch.drop_constraint("ck_outcomes_source", type_="check")
        batch.create_check_constraint("ck_outcomes_status", _in("status", new[0]))
        batch.create_check_constraint("ck_outcomes_source", _in("source", new[1]))


def upgrade() -> None:
    _widen((_OLD_STATUSES, _OLD_SOURCES), (_NEW_STATUSES, _NEW_SOURCES))


def downgrade() -> None:
    # The older code knows no "no_report": such people read pending again, as they did.
    op.execute("UPDATE recipient_outcomes SET status = 'pending', source = 'report' "
               "WHERE status = 'no_report' OR source = 'wait_limit'")
    _widen((_NEW_STATUSES, _NEW_SOURCES), (_OLD_STATUSES, _OLD_SOURCES))
