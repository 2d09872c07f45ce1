"""The body limit over a real connection to the demo's server (cheroot, over TLS): a chunked
body past ``RA_MAX_BODY_BYTES`` is a JSON 413, the connection ends, and nothing the body
carried is taken for a next request. gunicorn's side is in test_serve_command.py."""

from __future__ import annotations

import json
import socket
import ssl

from tests.support import chunked_post_carrying_a_request, exchange

LIMIT = 2048


def test_a_chunked_body_past_the_limit_is_413_and_smuggles_nothing(live_server_factory):
    live = live_server_factory(RA_MAX_BODY_BYTES=str(LIMIT))
    context = ssl.create_default_context(cafile=str(live.certs.ca_cert))
    port = int(live.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as sock:
        answer, closed = exchange(sock, chunked_post_carrying_a_request("/api/recalls", LIMIT))

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert answer.count(b"HTTP/1.1 ") == 1  # the smuggled GET /healthz was never answered
    assert closed
