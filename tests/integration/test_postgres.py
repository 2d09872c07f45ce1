"""The store on PostgreSQL: the same app, DATABASE_URL pointing at the server make test starts."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from recall_assistant.app import create_app
from recall_assistant.store.db import make_engine, ping
from tests.support import require, sandbox_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("RA_TEST_POSTGRES_URL", "")
    require(bool(url), "PostgreSQL (RA_TEST_POSTGRES_URL, started by `make test`)")
    return url


def test_engine_reaches_postgres(postgres_url):
    engine = make_engine(postgres_url)
    ping(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT current_setting('server_encoding')")).scalar() == "UTF8"


def test_readyz_checks_postgres(live_server_factory, postgres_url):
    live = live_server_factory(DATABASE_URL=postgres_url)
    response = live.session().get(f"{live.url}/readyz")
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_fails_when_the_database_is_down(tmp_path):
    settings = sandbox_settings(tmp_path, 3000,
                                DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = create_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("failed:")
