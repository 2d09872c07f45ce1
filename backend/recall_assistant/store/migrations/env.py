"""Alembic's environment for the store.

The connection comes from :func:`recall_assistant.store.migrate.upgrade_to_head`, which holds
the migration lock on it (``config.attributes["connection"]``). Run on its own (for example
``command.revision`` from a developer's shell), it takes ``sqlalchemy.url`` from the Alembic
config, or else ``DATABASE_URL`` through our settings.
"""

from __future__ import annotations

from alembic import context

from recall_assistant.store.db import make_engine
from recall_assistant.store.schema import metadata


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from recall_assistant.config import load_settings

    return load_settings().database_url


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: later revisions rebuild its tables in batches.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
