"""``recall-assistant serve``: the backend under gunicorn, for production.

- One Flask app per worker process, built after the fork (gunicorn's ``preload_app`` stays
  off): database pools, HTTP sessions and MSAL objects are never shared between processes.
- ``gthread`` workers: Graph calls spend their time waiting, so threads are cheap concurrency.
- HTTPS by itself (the given certificate, else the local dev one), or plain HTTP behind a proxy
  that terminates TLS (``--no-tls``). ``X-Forwarded-*`` headers are believed only from as many
  proxies as ``RA_PROXY_COUNT`` says (werkzeug's ProxyFix); gunicorn's own reading of them is
  switched off, so that there is exactly one place that decides.
- On SIGTERM, workers finish the requests they hold for up to ``RA_GRACEFUL_TIMEOUT_S``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ..auth.tokens import MAX_TOKEN_CHARS
from ..config import Settings

# A worker that stops answering gunicorn's heartbeat for this long is restarted. With gthread
# the heartbeat does not wait for requests, so this bounds a stuck process, not a slow call.
WORKER_TIMEOUT_S = 60
# Longer than a proxy keeps an idle upstream connection (nginx: 60 s), so that the proxy, not
# us, closes it: otherwise it may send a request on a connection we are closing (a 502).
KEEPALIVE_S = 65
# gunicorn answers a header line over this with its own HTML 431. The longest one the API must
# read is an Authorization header with the longest token it accepts; the room above that lets
# a slightly longer token reach the app and get its JSON 401 token_too_large instead.
LIMIT_REQUEST_FIELD_SIZE = len("Authorization: Bearer \r\n") + MAX_TOKEN_CHARS + 1024
# gunicorn's maximum request line (its default is half). Our longest (a recall id, an audit
# cursor) is far shorter, so its HTML 414 is only ever seen by requests that are not ours.
LIMIT_REQUEST_LINE = 8190
# Options of newer gunicorn releases: set when the installed one knows them.
OPTIONAL = frozenset({"control_socket_disable"})


@dataclass(frozen=True)
class Listen:
    """Where and how to listen: address, port, processes, threads, and TLS files (or none)."""

    host: str
    port: int
    workers: int
    threads: int
    certfile: str | None = None
    keyfile: str | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.certfile else "http"
        return f"{scheme}://{self.host}:{self.port}"


def gunicorn_options(settings: Settings, listen: Listen) -> dict[str, Any]:
    """gunicorn's settings for ``listen`` (names as in gunicorn's documentation)."""
    options: dict[str, Any] = {
        "bind": f"{listen.host}:{listen.port}",
        "workers": listen.workers,
        "worker_class": "gthread",
        "threads": listen.threads,
        "preload_app": False,  # the app is built in each worker, after the fork
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": settings.graceful_timeout_s,
        "keepalive": KEEPALIVE_S,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "limit_request_line": LIMIT_REQUEST_LINE,
        # No gunicorn access log: the app writes its own line per request (telemetry.py),
        # which leaves out client addresses and query strings.
        "accesslog": None,
        "proc_name": "recall-assistant",
        # ProxyFix (RA_PROXY_COUNT) alone decides what X-Forwarded-* means.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        # gunicorn >= 25.1 opens a control socket under $HOME by default; we do not use it,
        # and two servers of one user would fight over the same path.
        "control_socket_disable": True,
    }
    if Path("/dev/shm").is_dir():  # noqa: S108 - gunicorn's advice for its heartbeat files
        options["worker_tmp_dir"] = "/dev/shm"  # noqa: S108
    if listen.certfile:
        options.update(certfile=listen.certfile, keyfile=listen.keyfile)
    return options


def behind_proxies(app: Flask, proxy_count: int) -> Flask:
    """Believe ``X-Forwarded-For/-Proto/-Host/-Port`` from ``proxy_count`` proxies (0: none).

    Each header's last ``proxy_count`` values are the ones our proxies wrote; anything a client
    sent before them is ignored. The proxy must set (not pass through) each of these headers.
    """
    if proxy_count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_count, x_proto=proxy_count, x_host=proxy_count,
            x_port=proxy_count, x_prefix=0)
    return app


def make_worker_app(settings: Settings) -> Flask:
    """The WSGI app one worker serves."""
    from ..app import create_app
    return behind_proxies(create_app(settings), settings.proxy_count)


def run(settings: Settings, listen: Listen,
        app_factory: Callable[[Settings], Any] = make_worker_app) -> int:
    """Serve until stopped (SIGTERM or SIGINT: graceful); return the exit status."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(settings, listen)

    class BackendServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in OPTIONAL and key not in self.cfg.settings:
                    continue
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app_factory(settings)  # called in each worker, after the fork

    proxies = (f"X-Forwarded-* believed from {settings.proxy_count} "
               f"prox{'y' if settings.proxy_count == 1 else 'ies'}"
               if settings.proxy_count else "X-Forwarded-* ignored (RA_PROXY_COUNT=0)")
    print(f"Recall Assistant ({settings.mode} mode) on {listen.url}: {listen.workers} workers "
          f"x {listen.threads} threads; {proxies}", flush=True)
    if not listen.certfile and not settings.proxy_count:
        print("Plain HTTP: serve it only behind a proxy that terminates TLS, and set "
              "RA_PROXY_COUNT to the number of proxies in front.", file=sys.stderr, flush=True)
    # Each worker keeps its own counters; this folder lets a scrape of any one add them up.
    # It must be set before a worker first imports prometheus_client.
    from ..metrics_setup import prepare_multiprocess_metrics

    prepare_multiprocess_metrics(os.environ)
    BackendServer().run()
    return 0
