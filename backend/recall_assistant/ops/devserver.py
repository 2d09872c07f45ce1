"""The HTTPS server behind ``recall-assistant demo`` (and the tests' live servers).

Cheroot (CherryPy's WSGI server) rather than Werkzeug's development server: it keeps
connections alive and sets TCP_NODELAY. Werkzeug's closes every connection, so each call the
backend makes to the sandbox paid a new TLS handshake (about 10 ms here, 20 ms a POST), which
would swamp the latencies the demo and the benchmarks are meant to show. It runs in-process,
so the sandbox's state stays inspectable from tests.
"""

from __future__ import annotations

import logging
import ssl
import sys
import time
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

# The backend calls the sandbox on the same server while it handles a request, and fans its
# Graph calls out four at a time: leave plenty of threads for that.
THREADS = 32

log = logging.getLogger("recall_assistant.ops.devserver")

# A client that went away mid-answer (a browser tab closed, a worker killed) is not our error.
_GONE = (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError)


def log_server_error(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """cheroot's error reports, through logging: a peer that vanished is a debug line, not a
    traceback on the console; anything else keeps its traceback."""
    error = sys.exc_info()[1]
    if isinstance(error, _GONE) or "peer dropped the TLS connection" in msg:
        log.debug("%s (%s)", msg or "client went away", type(error).__name__ if error else "")
        return
    log.log(max(level, logging.WARNING) if traceback else level, "%s", msg,
            exc_info=traceback)


# The environ key holding when the server noticed the request (``time.monotonic()``).
NOTICED = "recall_assistant.noticed"


class _Gateway(wsgi.Gateway_10):
    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[NOTICED] = getattr(self.req.conn, "noticed", None)
        return environ


class _Server(wsgi.Server):
    """Notes when a request on a kept-alive connection was noticed: its bytes were there and
    the loop woke up. The worker that reads it may start later, when other requests keep the
    interpreter lock. A new connection's first request has no such moment (its TLS handshake
    comes first): its worker's own clock serves."""

    def process_conn(self, conn: Any) -> None:
        conn.noticed = time.monotonic() if getattr(conn, "kept", False) else None
        conn.kept = True
        super().process_conn(conn)


class DevServer:
    """A threaded HTTPS WSGI server, bound as soon as it is made (port 0 picks a free one)."""

    def __init__(self, host: str, port: int, app: Any, cert_file: str, key_file: str):
        self._server = _Server((host, port), app, numthreads=THREADS, max=4 * THREADS,
                               request_queue_size=64, timeout=30)
        self._server.gateway = _Gateway
        self._server.ssl_adapter = BuiltinSSLAdapter(cert_file, key_file)
        self._server.error_log = log_server_error
        # How often the accept loop wakes up; it bounds how long stop() takes (0.5 s default).
        self._server.expiration_interval = 0.05
        self._server.prepare()

    @property
    def server_port(self) -> int:
        return int(self._server.bind_addr[1])

    @property
    def app(self) -> Any:
        return self._server.wsgi_app

    @app.setter
    def app(self, app: Any) -> None:
        self._server.wsgi_app = app

    def serve_forever(self) -> None:
        self._server.serve()

    def shutdown(self) -> None:
        self._server.stop()


def make_dev_server(host: str, port: int, app: Any, cert_file: str, key_file: str) -> DevServer:
    """Bind ``host:port`` serving ``app`` over HTTPS; call ``serve_forever`` to start."""
    return DevServer(host, port, app, cert_file, key_file)
