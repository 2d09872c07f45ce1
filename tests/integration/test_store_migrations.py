"""Schema migrations on SQLite and PostgreSQL: empty to head, idempotent, safe in parallel."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from recall_assistant.app import create_app
from recall_assistant.store.db import make_engine
from recall_assistant.store.migrate import (
    MIGRATIONS,
    alembic_config,
    current_revision,
    head_revision,
    upgrade_to_head,
)
from recall_assistant.store.schema import metadata
from tests.support import sandbox_settings
from tests.support.store import KINDS, empty_database

TABLES = {"actions", "recipient_outcomes", "idempotency_keys", "audit_events"}


@pytest.fixture(params=KINDS)
def database_url(request, tmp_path):
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_the_package_ships_one_line_of_migrations():
    assert (MIGRATIONS / "env.py").is_file() and (MIGRATIONS / "script.py.mako").is_file()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]  # two heads would mean two unmerged branches


def test_empty_to_head_then_nothing_more_to_do(engine):
    assert current_revision(engine) is None and tables(engine) == set()
    assert upgrade_to_head(engine) is True
    assert current_revision(engine) == head_revision()
    assert tables(engine) == TABLES
    assert upgrade_to_head(engine) is False  # idempotent: a second start changes nothing
    with engine.begin() as connection:  # and so is Alembic's own upgrade, run again
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert current_revision(engine) == head_revision()


def test_the_migrations_build_exactly_what_schema_py_describes(engine):
    upgrade_to_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_empty_and_up_again(engine):
    upgrade_to_head(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert tables(engine) == set()
    assert upgrade_to_head(engine) is True and tables(engine) == TABLES


def test_instances_starting_together_upgrade_once(database_url):
    """Four "instances" (each its own engine and connections) upgrade the same empty database
    at the same moment: one does the work, the others wait for its lock and find head."""
    instances = 4
    barrier = threading.Barrier(instances)
    engines = [make_engine(database_url) for _ in range(instances)]

    def start(engine):
        barrier.wait()
        return upgrade_to_head(engine)

    try:
        with ThreadPoolExecutor(instances) as pool:
            changed = list(pool.map(start, engines))
        assert changed.count(True) == 1
        assert all(current_revision(engine) == head_revision() for engine in engines)
        assert tables(engines[0]) == TABLES
    finally:
        for engine in engines:
            engine.dispose()


def test_create_app_brings_the_schema_to_head(database_url, tmp_path, engine):
    app = create_app(sandbox_settings(tmp_path, 3000, DATABASE_URL=database_url))
    assert current_revision(engine) == head_revision() and tables(engine) == TABLES
    assert app.test_client().get("/readyz").get_json()["checks"]["database"] == "ok"


def test_0002_lets_outcomes_read_no_report_and_keeps_what_was_there(engine):
    import datetime as dt

    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from recall_assistant.store.schema import actions, recipient_outcomes

    def migrate(verb, target):
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, verb)(config, target)

    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    migrate("upgrade", "0001")
    with engine.begin() as connection:
        connection.execute(insert(actions).values(
            id="a1", kind="recall", state="submitted", caller_oid="o", caller_tid="t",
            message_id="m", created_at=now, updated_at=now))
        connection.execute(insert(recipient_outcomes).values(
            action_id="a1", address="alex@contoso.com", status="succeeded", source="report",
            checked_at=now))
    migrate("upgrade", "head")
    with engine.begin() as connection:
        connection.execute(insert(recipient_outcomes).values(
            action_id="a1", address="lee@contoso.com", status="no_report", source="wait_limit",
            reason_code="no_report", checked_at=now))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(recipient_outcomes).values(
            action_id="a1", address="x@contoso.com", status="lost", source="report",
            checked_at=now))
    with engine.connect() as connection:
        rows = connection.execute(select(recipient_outcomes.c.address, recipient_outcomes.c.status)
                                  .order_by(recipient_outcomes.c.address)).all()
    assert [tuple(r) for r in rows] == [("alex@contoso.com", "succeeded"),
                                        ("lee@contoso.com", "no_report")]
    migrate("downgrade", "0001")  # no_report reads pending again under the older code
    with engine.connect() as connection:
        rows = connection.execute(select(recipient_outcomes.c.address, recipient_outcomes.c.status)
                                  .order_by(recipient_outcomes.c.address)).all()
    assert [tuple(r) for r in rows] == [("alex@contoso.com", "succeeded"),
                                        ("lee@contoso.com", "pending")]
