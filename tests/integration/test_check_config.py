"""`recall-assistant check-config` against the live sandbox: settings, authority, the test
token, on-behalf-of, Graph as the user and as the app, and the database — one line each."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from recall_assistant.cli import EXIT_CHECK_FAILED, main
from recall_assistant.store.db import make_engine
from recall_assistant.store.migrate import upgrade_to_head
from tests.support import free_port
from tests.support.store import KINDS, empty_database

ADELE = "adele@contoso.com"
CHECKS = ["settings", "API audience", "front end", "authority discovery", "authority keys",
          "test token", "on-behalf-of", "Graph /me", "app-only token", "Graph as the app",
          "database"]
LINE = re.compile(r"^(?P<name>\S.*?)\s{2,}(?P<status>ok|FAILED|skipped)(?:[: ]\s*(?P<detail>.*))?$")


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("RA_") and name != "RA_TEST_POSTGRES_URL" or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def env_for(clean_env):
    """Point the command at a live sandbox, as an administrator's environment would."""

    def configure(live, **extra: str):
        settings = live.settings
        values = {
            "RA_MODE": "sandbox",
            "RA_PUBLIC_URL": settings.public_url,
            "RA_TENANT_ID": settings.tenant_id,
            "RA_CLIENT_ID": settings.client_id,
            "RA_CLIENT_SECRET": settings.client_secret or "",
            "RA_AUTHORITY_HOST": settings.authority_host,
            "RA_GRAPH_URL": settings.graph_url,
            "RA_CA_BUNDLE": str(live.certs.ca_cert),
            "RA_DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": settings.database_url,  # the live server made its schema
        }
        values.update(extra)
        for name, value in values.items():
            clean_env.setenv(name, value)

    return configure


def pane_token(live, user: str = ADELE, **params: str) -> str:
    response = live.session().get(f"{live.url}/sandbox/token", params={"user": user, **params})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def run_check(capsys, *args: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """(exit status, {check: (status, detail)} in order, the whole output)."""
    status = main(["check-config", *args])
    out = capsys.readouterr().out
    results: dict[str, tuple[str, str]] = {}
    report = out.split("\n\n")[1]  # the settings summary, the checks, the verdict
    for line in report.splitlines():
        match = LINE.match(line)
        assert match, f"not a check line: {line!r}"
        results[match["name"]] = (match["status"], (match["detail"] or "").strip(" ()"))
    return status, results, out


def test_everything_passes_with_a_test_token_and_the_deep_check(live_server, env_for, capsys,
                                                                  monkeypatch):
    env_for(live_server, RA_DEEP_CHECK="1")
    monkeypatch.setattr("sys.stdin", io.StringIO("Bearer " + pane_token(live_server) + "\n"))
    status, results, out = run_check(capsys, "--test-token-file", "-")
    assert status == 0, out
    assert list(results) == CHECKS
    assert {name: s for name, (s, _) in results.items()} == {name: "ok" for name in CHECKS}
    tenant = live_server.settings.tenant_id
    assert results["authority discovery"][1].endswith(f"/{tenant}/v2.0")
    assert results["test token"][1] == f"{ADELE}, tenant {tenant}"
    assert results["Graph /me"][1] == f"Adele Vance <{ADELE}>"
    assert results["Graph as the app"][1] == (f"{ADELE}: messages and inbox readable, "
                                              "mailbox kind user")
    assert "schema at head" in results["database"][1]
    assert out.rstrip().endswith("check-config: no check failed.")


def test_without_a_token_the_user_checks_are_skipped_and_say_why(live_server, env_for, capsys):
    env_for(live_server)
    status, results, _ = run_check(capsys)
    assert status == 0
    assert results["test token"][0] == "skipped"
    assert "--test-token" in results["test token"][1]
    assert results["on-behalf-of"] == ("skipped", "needs a test token")
    assert results["Graph /me"][0] == "skipped"
    assert results["app-only token"][0] == "skipped"
    assert "RA_DEEP_CHECK is off" in results["app-only token"][1]


def test_a_wrong_secret_fails_the_on_behalf_of_line(live_server, env_for, capsys):
    env_for(live_server, RA_CLIENT_SECRET="not-the-secret", RA_DEEP_CHECK="1")
    status, results, out = run_check(capsys, "--test-token", pane_token(live_server))
    assert status == EXIT_CHECK_FAILED
    assert results["test token"][0] == "ok"  # our side of sign-in does not need the secret
    state, detail = results["on-behalf-of"]
    assert state == "FAILED"
    assert detail.startswith("app_credentials_rejected: Entra ID refused the app's credentials")
    assert "RA_CLIENT_SECRET" in detail
    assert detail.endswith("[AADSTS7000215]")  # Entra ID's own code for a wrong secret
    assert results["Graph /me"][0] == "skipped"
    assert results["app-only token"][0] == "FAILED"  # the same secret, the same refusal
    assert results["Graph as the app"][0] == "skipped"
    assert "not-the-secret" not in out
    assert "check-config: 2 of 11 checks FAILED." in out


def test_an_unreachable_authority_fails_and_what_depends_on_it_is_skipped(
        live_server, env_for, capsys):
    env_for(live_server, RA_AUTHORITY_HOST=f"https://localhost:{free_port()}/nowhere")
    status, results, _ = run_check(capsys, "--test-token", pane_token(live_server))
    assert status == EXIT_CHECK_FAILED
    state, detail = results["authority discovery"]
    assert state == "FAILED"
    assert re.match(r"cannot reach localhost:\d+: .*(refused|Errno)", detail), detail
    for name in ("authority keys", "test token", "on-behalf-of", "Graph /me"):
        assert results[name][0] == "skipped", name
    assert results["database"][0] == "ok"  # unrelated checks still run


def test_an_untrusted_certificate_says_to_set_the_ca_bundle(live_server, env_for, capsys,
                                                            clean_env):
    env_for(live_server)
    clean_env.delenv("RA_CA_BUNDLE")
    status, results, _ = run_check(capsys)
    assert status == EXIT_CHECK_FAILED
    assert results["authority discovery"][0] == "FAILED"
    assert "RA_CA_BUNDLE" in results["authority discovery"][1]


def test_a_wrong_tenant_id_is_caught_by_the_authority(live_server, env_for, capsys):
    env_for(live_server, RA_TENANT_ID="11111111-2222-3333-4444-555555555555")
    status, results, _ = run_check(capsys)
    assert status == EXIT_CHECK_FAILED
    state, detail = results["authority discovery"]
    assert state == "FAILED" and "answered 400" in detail, detail


def test_an_expired_test_token_fails_its_line_and_nothing_is_exchanged(live_server, env_for,
                                                                       capsys):
    env_for(live_server)
    status, results, _ = run_check(capsys, "--test-token",
                                   pane_token(live_server, lifetime="-600"))
    assert status == EXIT_CHECK_FAILED
    assert results["test token"] == ("FAILED", "expired: the test token has expired: get a "
                                               "fresh one")
    assert results["on-behalf-of"] == ("skipped", "the test token was not accepted")


def test_a_mailbox_that_does_not_exist(live_server, env_for, capsys):
    env_for(live_server, RA_DEEP_CHECK="1")
    status, results, _ = run_check(capsys, "--mailbox", "nobody@contoso.com")
    assert status == EXIT_CHECK_FAILED
    assert results["app-only token"][0] == "ok"
    assert results["Graph as the app"] == (
        "FAILED", "graph_not_found: Graph knows no such mailbox: check --mailbox")


def test_an_api_audience_that_is_not_the_manifests_resource(live_server, env_for, capsys):
    env_for(live_server, RA_API_AUDIENCE="api://elsewhere.example/"
                                         + live_server.settings.client_id)
    status, results, _ = run_check(capsys)
    assert status == EXIT_CHECK_FAILED
    state, detail = results["API audience"]
    assert state == "FAILED" and "must be the same App ID URI" in detail


def test_a_front_end_folder_without_msal_js(live_server, env_for, capsys, tmp_path):
    release = tmp_path / "release"
    shutil.copytree(Path(__file__).resolve().parents[2] / "frontend", release / "frontend")
    env_for(live_server, RA_FRONTEND_DIR=str(release / "frontend"))
    status, results, _ = run_check(capsys)
    assert status == EXIT_CHECK_FAILED
    state, detail = results["front end"]
    assert state == "FAILED" and "npm ci" in detail


@pytest.mark.parametrize("kind", KINDS)
def test_the_database_line_follows_the_schema(kind, live_server, env_for, capsys, tmp_path):
    with empty_database(kind, tmp_path) as url:
        env_for(live_server, DATABASE_URL=url)
        status, results, _ = run_check(capsys)
        assert status == EXIT_CHECK_FAILED
        assert results["database"][0] == "FAILED"
        assert re.search(r"does not exist yet|has no schema yet", results["database"][1])

        engine = make_engine(url)
        upgrade_to_head(engine)
        engine.dispose()
        status, results, _ = run_check(capsys)
        assert status == 0
        assert results["database"][0] == "ok"


def test_an_unreachable_database_fails_without_showing_its_password(live_server, env_for,
                                                                    capsys):
    url = f"postgresql+psycopg://recall:s3cr3t-pw@127.0.0.1:{free_port()}/recall"
    env_for(live_server, DATABASE_URL=url)
    status, results, out = run_check(capsys)
    assert status == EXIT_CHECK_FAILED
    state, detail = results["database"]
    assert state == "FAILED" and detail.startswith("cannot use postgresql+psycopg://recall:***@")
    assert "s3cr3t-pw" not in out


def test_a_database_driver_that_is_not_installed(live_server, env_for, capsys):
    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here")
    env_for(live_server, DATABASE_URL=f"postgresql+psycopg2://u:pw@127.0.0.1:{free_port()}/db")
    _, results, _ = run_check(capsys)
    state, detail = results["database"]
    assert state == "FAILED" and "postgresql+psycopg://" in detail, detail
