"""`recall-assistant audit export`: a period of the audit log as CSV or JSON, oldest first."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recall_assistant.cli import main
from recall_assistant.config import SANDBOX_TENANT_ID
from recall_assistant.store import Actor, Store
from recall_assistant.store.db import make_engine
from tests.support.store import KINDS, FakeClock, empty_database

ADELE = Actor("adele-oid", SANDBOX_TENANT_ID, "adele@contoso.com")


@pytest.fixture(params=KINDS)
def database_url(request, tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("RA_") and name != "RA_TEST_POSTGRES_URL" or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    with empty_database(request.param, tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))
        yield url


@pytest.fixture
def seeded(database_url):
    """Five events, one a day from 2026-11-01 09:00 UTC; the last one's subject is hostile."""
    engine = make_engine(database_url)
    clock = FakeClock(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    store = Store(engine, clock=clock, audit_subjects=True)
    for day in range(1, 6):
        store.record_event(f"recall.day{day}", actor=ADELE, result="ok",
                           subject="=cmd|' /C calc'!A0" if day == 5 else f"day {day}, ok",
                           details={"day": day})
        clock.advance(days=1)
    yield store
    engine.dispose()


def test_export_csv_to_a_file(seeded, tmp_path, capsys):
    out = tmp_path / "audit.csv"
    code = main(["audit", "export", "--since", "2026-11-02", "--until", "2026-11-05T09:00:00Z",
                 "--format", "csv", "--out", str(out)])
    assert code == 0
    assert "exported 3 audit events" in capsys.readouterr().err
    text = out.read_bytes().decode()
    assert text.count("\r\n") == 4  # header + three rows, RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["event"] for r in rows] == ["recall.day2", "recall.day3", "recall.day4"]
    assert rows[0]["subject"] == "day 2, ok" and '"day 2, ok"' in text
    assert not (tmp_path / "audit.csv.partial").exists()


def test_export_json_to_stdout(seeded, capsys):
    assert main(["audit", "export", "--since", "2026-11-04", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [e["event"] for e in exported] == ["recall.day4", "recall.day5"]
    assert exported[1]["subject"] == "=cmd|' /C calc'!A0"  # JSON is data, not a spreadsheet
    assert exported[0]["occurredAt"] == "2026-11-04T09:00:00.000000Z"


def test_csv_export_defuses_formulas(seeded, capsys):
    assert main(["audit", "export", "--since", "2026-11-05"]) == 0  # csv is the default
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["subject"] == "'=cmd|' /C calc'!A0"


def test_an_empty_period_is_an_empty_export(seeded, capsys):
    assert main(["audit", "export", "--since", "2030-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("args", [
    ["--since", "last tuesday"],
    ["--since", "2026-11-01", "--until", "soon"],
    ["--since", "2026-11-01", "--format", "xml"],
    [],
])
def test_bad_arguments_exit_2_with_a_message(database_url, capsys, args):
    with pytest.raises(SystemExit) as exited:
        main(["audit", "export", *args])
    assert exited.value.code == 2
    assert "recall-assistant audit export: error:" in capsys.readouterr().err


def test_until_before_since_is_refused(database_url, capsys):
    assert main(["audit", "export", "--since", "2026-11-05", "--until", "2026-11-01"]) == 2
    assert "--until must be later than --since" in capsys.readouterr().err


def test_the_installed_command_exports(seeded, tmp_path):
    command = Path(sys.executable).with_name("recall-assistant")
    result = subprocess.run([str(command), "audit", "export", "--since", "2026-11-05",
                             "--format", "json"], capture_output=True, text=True, timeout=60,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert [e["event"] for e in json.loads(result.stdout)] == ["recall.day5"]
