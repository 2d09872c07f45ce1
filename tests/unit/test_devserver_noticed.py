"""The dev server says when it noticed a request on a kept-alive connection."""

from __future__ import annotations

import json
import threading
import time

import requests

from recall_assistant.ops.devserver import NOTICED, make_dev_server


def test_a_kept_alive_request_says_when_it_was_noticed(dev_certs):
    seen: list[float | None] = []

    def app(environ, start_response):
        seen.append(environ.get(NOTICED))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"now": time.monotonic()}).encode()]

    server = make_dev_server("127.0.0.1", 0, app, str(dev_certs.cert), str(dev_certs.key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session = requests.Session()
        session.trust_env, session.verify = False, str(dev_certs.ca_cert)
        url = f"https://localhost:{server.server_port}/"
        first = session.get(url, timeout=10).json()["now"]
        before = time.monotonic()
        second = session.get(url, timeout=10).json()["now"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
    # A new connection's first request: its TLS handshake came first, so no moment is given.
    assert seen[0] is None and first > 0
    # The next one, on the same connection: noticed after it was sent, before the app ran.
    assert seen[1] is not None and before <= seen[1] <= second
