"""Attacker-chosen cells leave both CSV exports (the API and the CLI) defused against formulas.

OWASP "CSV Injection": leading spaces, full-width ``＝``, newlines, ``;`` and ``|`` starts are
still evaluated by spreadsheets, so each must come out with a leading ``'``. Events carry the
sandbox tenant's id: the audit trail is read per tenant.
"""

from __future__ import annotations

import csv
import io
import os

import pytest

from recall_assistant.cli import main
from recall_assistant.config import SANDBOX_TENANT_ID
from recall_assistant.store import Actor, Store
from recall_assistant.store.db import make_engine
from tests.support.store import empty_database

ADMIN_ROLE = "RecallAssistant.Admin"
NASTY = [" =1+1", "\u3000=1", "＝1+1", "\n=1", "\t=1", "\r=1", ";=1", "|calc", "  ＋1",
         "－1", "＠SUM(A1)", "%0A=1", "\u200b=HYPERLINK(\"http://evil\")"]


def record_nasty(store: Store) -> None:
    for index, cell in enumerate(NASTY):
        store.record_event(f"recall.nasty{index}", result="recorded", subject=cell,
                           actor=Actor("mallory-oid", SANDBOX_TENANT_ID, cell),
                           internet_message_id=cell)


def assert_defused(text: str) -> None:
    rows = {row["event"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    for index, cell in enumerate(NASTY):
        row = rows[f"recall.nasty{index}"]
        for column in ("subject", "actorAddress", "internetMessageId"):
            assert row[column] == "'" + cell, (column, cell)


def test_the_api_csv_defuses_hidden_formulas(live_server):
    runtime = live_server.app.extensions["recall_assistant"]
    record_nasty(Store(runtime.engine, audit_subjects=True))
    session = live_server.session()
    token = session.get(f"{live_server.url}/sandbox/token",
                        params={"user": "adele@contoso.com", "roles": ADMIN_ROLE}).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    response = session.get(f"{live_server.url}/api/audit",
                           params={"format": "csv", "limit": len(NASTY)})
    assert response.status_code == 200
    assert_defused(response.text)


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("RA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    with empty_database("sqlite", tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))
        yield url


def test_the_cli_csv_defuses_hidden_formulas(database_url, capsys):
    engine = make_engine(database_url)
    try:
        record_nasty(Store(engine, audit_subjects=True))
    finally:
        engine.dispose()
    assert main(["audit", "export", "--since", "2000-01-01", "--format", "csv"]) == 0
    assert_defused(capsys.readouterr().out)
