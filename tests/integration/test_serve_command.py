"""`recall-assistant serve --no-tls` behind a proxy: plain HTTP, several workers, a graceful
stop, and X-Forwarded-For believed only from as many proxies as RA_PROXY_COUNT says.

What the app takes for the client's address is seen through a feature that depends on it: a
request without a valid token counts against its address's rate limit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from recall_assistant.auth.tokens import MAX_TOKEN_CHARS
from tests.support import chunked_post_carrying_a_request, exchange, free_port

CLIENT = "203.0.113.7"  # the address a proxy reports for its client (TEST-NET-3)
NEIGHBOUR = "203.0.113.8"  # another client behind the same proxy
FORGED = "198.51.100.66"  # what a client itself claims, before the proxy appends the truth


def start_serve(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("RA_") and k != "DATABASE_URL"}
    environment.update(RA_DATA_DIR=str(tmp_path), **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "recall_assistant.cli", "serve", "--no-tls", "--port", str(port),
         *args],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return process, url
        except requests.RequestException:  # not listening yet, or no worker booted yet
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"serve did not start:\n{process.stdout.read()}")
            time.sleep(0.2)


def post_unsigned(url: str, forwarded_for: str) -> int:
    """POST /api/eligibility without a token, as relayed by a proxy; the status code."""
    # A connection of its own, closed at once: an idle keep-alive one would hold up the stop.
    with requests.Session() as session:
        session.trust_env = False
        return session.post(f"{url}/api/eligibility", json={}, timeout=10, headers={
            "X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https",
            "Connection": "close"}).status_code


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return status, process.stdout.read()


def test_behind_one_proxy_each_client_address_is_its_own(tmp_path):
    process, url = start_serve(tmp_path, "--workers", "1", RA_PROXY_COUNT="1",
                               RA_RATE_LIMIT_READ="2/minute")
    try:
        # What nginx sends with $proxy_add_x_forwarded_for: the client's claim, then the truth.
        seen = [post_unsigned(url, f"{FORGED}, {CLIENT}") for _ in range(3)]
        assert seen == [401, 401, 429]  # the third goes over CLIENT's limit
        assert post_unsigned(url, f"{FORGED}, {NEIGHBOUR}") == 401  # not over its neighbour's
    finally:
        status, output = stop(process)
    assert status == 0, output
    assert "1 workers x 4 threads; X-Forwarded-* believed from 1 proxy" in output


def test_without_a_proxy_count_forwarded_headers_are_ignored(tmp_path):
    process, url = start_serve(tmp_path, "--workers", "1", "--threads", "2",
                               RA_RATE_LIMIT_READ="2/minute")
    try:
        assert [post_unsigned(url, CLIENT) for _ in range(3)] == [401, 401, 429]
        # Every request is the proxy's own (127.0.0.1), whatever the header claims.
        assert post_unsigned(url, NEIGHBOUR) == 429
    finally:
        status, output = stop(process)
    assert status == 0, output
    assert "1 workers x 2 threads; X-Forwarded-* ignored (RA_PROXY_COUNT=0)" in output
    assert "Plain HTTP: serve it only behind a proxy" in output


def test_several_workers_boot_answer_and_stop_gracefully(tmp_path):
    process, url = start_serve(tmp_path, RA_WORKERS="2", RA_PROXY_COUNT="1")
    try:
        with requests.Session() as session:
            session.trust_env = False
            response = session.get(f"{url}/healthz", headers={"Connection": "close"})
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"]
    finally:
        status, output = stop(process)
    assert status == 0, output
    assert output.count("Booting worker") >= 2
    assert "Shutting down" in output
    assert " - - [" not in output  # gunicorn writes no access log (addresses stay out of logs)


def test_a_chunked_body_past_the_limit_is_413_and_ends_the_connection(tmp_path):
    # gunicorn would drain an unread body and keep the connection; the app ends it, so what
    # the body carried is never read as a next request.
    process, url = start_serve(tmp_path, "--workers", "1", RA_MAX_BODY_BYTES="2048")
    try:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            answer, closed = exchange(sock, chunked_post_carrying_a_request("/api/recalls", 2048))
    finally:
        stop(process)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b'"payload_too_large"' in answer
    assert answer.count(b"HTTP/1.1 ") == 1
    assert closed


def test_the_longest_token_reaches_the_app_and_gets_its_json_answer(tmp_path):
    # gunicorn's default header limit (8190 bytes) answered a 16 KB token with its own HTML
    # 431 before the app saw it.
    process, url = start_serve(tmp_path, "--workers", "1")
    try:
        answers = {}
        for length in (MAX_TOKEN_CHARS, MAX_TOKEN_CHARS + 1):
            with requests.Session() as session:
                session.trust_env = False
                answers[length] = session.get(f"{url}/api/me", timeout=10, headers={
                    "Authorization": "Bearer " + "a" * length, "Connection": "close"})
    finally:
        stop(process)
    for answer in answers.values():
        assert answer.status_code == 401
        assert answer.headers["Content-Type"].startswith("application/json")
    assert answers[MAX_TOKEN_CHARS].json()["error"]["code"] == "malformed_token"
    assert answers[MAX_TOKEN_CHARS + 1].json()["error"]["code"] == "token_too_large"
