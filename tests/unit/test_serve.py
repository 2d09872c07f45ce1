"""`recall-assistant serve`: gunicorn's settings, ProxyFix by proxy count, options from the
environment, and the front end served from RA_FRONTEND_DIR."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import jsonify, request

from recall_assistant.app import create_app
from recall_assistant.auth.tokens import MAX_TOKEN_CHARS
from recall_assistant.cli import EXIT_CONFIG, main
from recall_assistant.ops.server import Listen, behind_proxies, gunicorn_options
from tests.support import sandbox_settings

REPO = Path(__file__).resolve().parents[2]
EVERYWHERE = "0.0.0.0"  # noqa: S104 - as in the container, behind its proxy


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("RA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))


@pytest.fixture
def served(monkeypatch):
    """Run `serve` up to the point where gunicorn would start; return what it was given."""
    calls = []
    monkeypatch.setattr("recall_assistant.ops.server.run",
                        lambda settings, listen: calls.append((settings, listen)) or 0)
    return calls


def probe_app(tmp_path, proxy_count: int):
    app = create_app(sandbox_settings(tmp_path, 3000))

    @app.get("/probe")
    def probe():
        return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)

    return behind_proxies(app, proxy_count).test_client()


FORWARDED = {"X-Forwarded-For": "198.51.100.66, 203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "addin.contoso.com", "X-Forwarded-Port": "443"}


def test_with_one_proxy_its_forwarded_headers_are_believed(tmp_path):
    answer = probe_app(tmp_path, 1).get("/probe", headers=FORWARDED).get_json()
    # The last X-Forwarded-For entry is the one our proxy added; the first is the client's claim.
    assert answer == {"addr": "203.0.113.7", "scheme": "https", "host": "addin.contoso.com"}


def test_with_two_proxies_the_second_last_address_is_the_client(tmp_path):
    answer = probe_app(tmp_path, 2).get("/probe", headers=FORWARDED).get_json()
    assert answer["addr"] == "198.51.100.66"


def test_without_proxies_forwarded_headers_are_ignored(tmp_path):
    answer = probe_app(tmp_path, 0).get("/probe", headers=FORWARDED).get_json()
    assert answer == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_gunicorn_builds_the_app_in_each_worker_and_leaves_forwarding_to_proxyfix(tmp_path):
    settings = sandbox_settings(tmp_path, 3000, RA_GRACEFUL_TIMEOUT_S="45")
    options = gunicorn_options(settings, Listen(EVERYWHERE, 8000, workers=3, threads=6))
    assert options["preload_app"] is False
    assert options["worker_class"] == "gthread"
    assert (options["workers"], options["threads"]) == (3, 6)
    assert options["bind"] == f"{EVERYWHERE}:8000"
    assert options["graceful_timeout"] == 45
    assert options["secure_scheme_headers"] == {}
    assert options["forwarded_allow_ips"] == ""
    assert options["accesslog"] is None  # the app logs each request itself, without addresses
    assert "certfile" not in options


def test_gunicorn_receives_the_longest_token_the_api_accepts(tmp_path):
    options = gunicorn_options(sandbox_settings(tmp_path, 3000), Listen("127.0.0.1", 8000, 1, 1))
    # gunicorn counts the whole header line with its CRLF against limit_request_field_size.
    longest = f"Authorization: Bearer {'a' * MAX_TOKEN_CHARS}\r\n"
    assert options["limit_request_field_size"] > len(longest)
    assert options["limit_request_line"] == 8190  # gunicorn's maximum (0 would mean 1 MiB)


def test_tls_files_reach_gunicorn(tmp_path):
    settings = sandbox_settings(tmp_path, 3000)
    options = gunicorn_options(settings, Listen("127.0.0.1", 3000, 1, 1, "c.pem", "k.pem"))
    assert (options["certfile"], options["keyfile"]) == ("c.pem", "k.pem")


def test_workers_threads_and_proxies_come_from_the_environment(served, monkeypatch):
    monkeypatch.setenv("RA_WORKERS", "3")
    monkeypatch.setenv("RA_THREADS", "8")
    monkeypatch.setenv("RA_PROXY_COUNT", "1")
    assert main(["serve", "--no-tls", "--host", EVERYWHERE, "--port", "8000"]) == 0
    settings, listen = served[0]
    assert listen == Listen(EVERYWHERE, 8000, workers=3, threads=8)
    assert settings.proxy_count == 1


def test_the_command_line_wins_over_the_environment(served, monkeypatch):
    monkeypatch.setenv("RA_WORKERS", "3")
    assert main(["serve", "--no-tls", "--workers", "5", "--threads", "2"]) == 0
    assert (served[0][1].workers, served[0][1].threads) == (5, 2)


def test_defaults_are_two_workers_and_the_dev_certificate(served, tmp_path):
    assert main(["serve"]) == 0
    listen = served[0][1]
    assert (listen.workers, listen.threads) == (2, 4)
    assert listen.certfile == str(tmp_path / "certs" / "localhost.pem")


@pytest.mark.parametrize("args", [
    ["--no-tls", "--tls-cert", "c.pem", "--tls-key", "k.pem"],
    ["--tls-cert", "c.pem"],
])
def test_contradictory_tls_options_are_refused(served, capsys, args):
    assert main(["serve", *args]) == EXIT_CONFIG
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not served


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("RA_WORKERS", "0", "RA_WORKERS=0 is out of range"),
    ("RA_PROXY_COUNT", "9", "RA_PROXY_COUNT=9 is out of range"),
    ("RA_THREADS", "many", "RA_THREADS='many' is not a number"),
    ("RA_FRONTEND_DIR", "/nonexistent", "RA_FRONTEND_DIR='/nonexistent' is not a folder"),
])
def test_bad_server_settings_are_refused(served, monkeypatch, capsys, name, value, problem):
    monkeypatch.setenv(name, value)
    assert main(["serve", "--no-tls"]) == EXIT_CONFIG
    assert problem in capsys.readouterr().err
    assert not served


def test_the_front_end_is_served_from_ra_frontend_dir(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(REPO / "frontend", release / "frontend")
    marker = "<!-- served from RA_FRONTEND_DIR -->"
    page = release / "frontend" / "taskpane.html"
    page.write_text(page.read_text(encoding="utf-8") + marker, encoding="utf-8")
    settings = sandbox_settings(tmp_path, 3000, RA_FRONTEND_DIR=str(release / "frontend"))
    client = create_app(settings).test_client()
    assert marker in client.get("/taskpane.html").get_data(as_text=True)
    assert client.get("/launchevent.js").status_code == 200
    assert client.get("/commands.html").status_code == 200
    assert client.get("/assets/icon-32.png").status_code == 200
    # MSAL.js is looked for beside the front end's folder: not installed in this release yet.
    assert client.get("/vendor/msal-browser.js").status_code == 404
    bundle = release / "node_modules" / "@azure" / "msal-browser" / "lib" / "msal-browser.min.js"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("/* msal */", encoding="utf-8")
    assert client.get("/vendor/msal-browser.js").get_data(as_text=True) == "/* msal */"
