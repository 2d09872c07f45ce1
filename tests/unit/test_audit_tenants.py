"""A deployment serving two tenants: each administrator reads their own tenant's audit log only.

JSON, CSV, the cursor handed out and the CLI's ``audit export --tenant`` are each checked with
both tenants' rows in one database; before, ``GET /api/audit`` answered every tenant's rows.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from recall_assistant.app import create_app
from recall_assistant.cli import main
from recall_assistant.store import Actor
from tests.support.entra import OTHER_TENANT_ID, TENANT_ID, FakeEntra, tenant_env, tenant_settings

ADMIN = "RecallAssistant.Admin"
CONTOSO = Actor("0a1b2c3d-0000-4000-8000-00000000adele", TENANT_ID, "adele@contoso.com")
FABRIKAM = Actor("0a1b2c3d-0000-4000-8000-0000000f4b41", OTHER_TENANT_ID, "eve@fabrikam.com")


@pytest.fixture
def env(tmp_path):
    return tenant_env(tmp_path, RA_ALLOWED_TENANTS=OTHER_TENANT_ID)


@pytest.fixture
def app(env, tmp_path):
    app = create_app(tenant_settings(tmp_path, RA_ALLOWED_TENANTS=OTHER_TENANT_ID))
    store = app.extensions["recall_assistant"].store
    for n in range(3):
        store.record_event(f"contoso.{n}", actor=CONTOSO, result="ok")
        store.record_event(f"fabrikam.{n}", actor=FABRIKAM, result="ok")
    return app


@pytest.fixture
def entra(app, mocked_http):
    return FakeEntra(app.extensions["recall_assistant"].settings, mocked_http)


def admin_of(entra, actor: Actor) -> dict[str, str]:
    token = entra.mint(tid=actor.tid, oid=actor.oid, preferred_username=actor.address,
                       roles=[ADMIN], iss=f"https://login.microsoftonline.com/{actor.tid}/v2.0")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("actor", "prefix"), [(CONTOSO, "contoso"), (FABRIKAM, "fabrikam")])
def test_each_admin_sees_only_their_tenants_events_in_json_and_csv(app, entra, actor, prefix):
    client = app.test_client()
    events = client.get("/api/audit", headers=admin_of(entra, actor)).get_json()["events"]
    assert [e["event"] for e in events] == [f"{prefix}.{n}" for n in (2, 1, 0)]
    assert {e["actorTid"] for e in events} == {actor.tid}
    response = client.get("/api/audit?format=csv", headers=admin_of(entra, actor))
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert [row["event"] for row in rows] == [f"{prefix}.{n}" for n in (2, 1, 0)]


def test_paging_stays_in_the_tenant_and_a_cursor_does_not_cross_to_another(app, entra):
    client = app.test_client()
    first = client.get("/api/audit?limit=2", headers=admin_of(entra, CONTOSO)).get_json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    rest = client.get(f"/api/audit?limit=2&cursor={cursor}", headers=admin_of(entra, CONTOSO))
    assert [e["event"] for e in rest.get_json()["events"]] == ["contoso.0"]
    stolen = client.get(f"/api/audit?limit=2&cursor={cursor}", headers=admin_of(entra, FABRIKAM))
    assert stolen.status_code == 400
    assert stolen.get_json()["error"]["code"] == "invalid_cursor"


def test_another_instance_of_the_deployment_accepts_the_cursor(app, entra, tmp_path):
    first = app.test_client().get("/api/audit?limit=2", headers=admin_of(entra, CONTOSO))
    cursor = parse_qs(urlsplit(first.get_json()["next"]).query)["cursor"][0]
    # Same settings (so the same client secret), same database, another process's app.
    twin = create_app(tenant_settings(tmp_path, RA_ALLOWED_TENANTS=OTHER_TENANT_ID))
    rest = twin.test_client().get(f"/api/audit?limit=2&cursor={cursor}",
                                  headers=admin_of(entra, CONTOSO))
    assert [e["event"] for e in rest.get_json()["events"]] == ["contoso.0"]


@pytest.fixture
def cli_env(app, env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("tenant", "prefix"), [(TENANT_ID, "contoso"),
                                                (OTHER_TENANT_ID.upper(), "fabrikam")])
def test_the_cli_exports_the_tenant_it_is_told(cli_env, capsys, tenant, prefix):
    assert main(["audit", "export", "--since", "2000-01-01", "--format", "json",
                 "--tenant", tenant]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [e["event"] for e in exported] == [f"{prefix}.{n}" for n in range(3)]


def test_the_cli_asks_which_tenant_when_it_serves_several(cli_env, capsys):
    assert main(["audit", "export", "--since", "2000-01-01"]) == 2
    captured = capsys.readouterr()
    assert "--tenant" in captured.err and captured.out == ""


def test_the_cli_refuses_a_tenant_it_does_not_serve(cli_env, capsys):
    assert main(["audit", "export", "--since", "2000-01-01",
                 "--tenant", "12345678-1234-1234-1234-123456789abc"]) == 2
    captured = capsys.readouterr()
    assert "not a tenant this deployment serves" in captured.err and captured.out == ""


def test_with_one_tenant_the_cli_exports_it_without_being_told(tmp_path, monkeypatch, capsys):
    app = create_app(tenant_settings(tmp_path))
    store = app.extensions["recall_assistant"].store
    store.record_event("contoso.only", actor=CONTOSO, result="ok")
    store.record_event("stray.other", actor=FABRIKAM, result="ok")
    for name, value in tenant_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["audit", "export", "--since", "2000-01-01", "--format", "json"]) == 0
    assert [e["event"] for e in json.loads(capsys.readouterr().out)] == ["contoso.only"]
