"""The command line refuses bad configuration with one clear line per problem."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import pytest

from recall_assistant.cli import EXIT_CHECK_FAILED, EXIT_CONFIG, main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("RA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))


def error_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line]


def test_missing_client_id_in_tenant_mode(monkeypatch, capsys):
    monkeypatch.setenv("RA_MODE", "tenant")
    monkeypatch.setenv("RA_TENANT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("RA_CLIENT_SECRET", "x")
    monkeypatch.setenv("RA_API_AUDIENCE", "api://addin.contoso.com/x")
    assert main(["serve"]) == EXIT_CONFIG
    assert error_lines(capsys) == [
        "recall-assistant: RA_CLIENT_ID is missing: it is required in tenant mode."
    ]


def test_malformed_url(monkeypatch, capsys):
    monkeypatch.setenv("RA_GRAPH_URL", "graph.microsoft.com")
    assert main(["check-config"]) == EXIT_CONFIG
    lines = error_lines(capsys)
    assert len(lines) == 1
    assert lines[0].startswith("recall-assistant: RA_GRAPH_URL='graph.microsoft.com' is not an https URL")


def test_unreadable_fixture(tmp_path, capsys):
    assert main(["demo", "--tenant", str(tmp_path / "nope.json")]) == EXIT_CONFIG
    lines = error_lines(capsys)
    assert len(lines) == 1
    assert "nope.json: cannot be read" in lines[0]


def test_fixture_with_a_message_whose_owner_does_not_exist(tmp_path, capsys):
    fixture = tmp_path / "tenant.json"
    fixture.write_text(json.dumps({
        "tenant": {"id": "t", "verifiedDomains": ["contoso.com"]},
        "users": [{"id": "u1", "mail": "adele@contoso.com"}],
        "messages": [{"id": "m1", "owner": "nobody@contoso.com", "subject": "x"}],
    }))
    assert main(["demo", "--tenant", str(fixture)]) == EXIT_CONFIG
    assert error_lines(capsys) == [
        f"recall-assistant: Tenant fixture {fixture}: message 'm1' has owner "
        "'nobody@contoso.com', who is not among the users."
    ]


def test_check_config_prints_its_settings_then_one_line_per_check(monkeypatch, capsys):
    # Nothing listens on this port: the authority check fails, and the command says so.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RA_PUBLIC_URL", f"https://localhost:{port}")
    assert main(["check-config"]) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "mode            sandbox" in out
    assert re.search(r"^settings +ok$", out, re.M)
    assert re.search(rf"^authority discovery +FAILED: cannot reach localhost:{port}: ", out, re.M)
    assert re.search(r"^test token +skipped: give --test-token", out, re.M)
    assert out.rstrip().endswith("checks FAILED.")


def test_check_config_reads_the_test_token_from_a_file(tmp_path, capsys):
    empty = tmp_path / "token.txt"
    empty.write_text("Bearer   \n")
    assert main(["check-config", "--test-token-file", str(empty)]) == EXIT_CONFIG
    assert error_lines(capsys) == ["recall-assistant: The test token is empty."]
    assert main(["check-config", "--test-token-file", str(tmp_path / "none")]) == EXIT_CONFIG
    assert "cannot be read" in error_lines(capsys)[0]


def test_the_console_script_exits_non_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "recall_assistant.cli", "check-config"],
        env={"RA_MODE": "tenant", "RA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.count("is missing") == 4
