"""Builds the sandbox WSGI app: identity under /identity (and /token), Graph under /graph."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from ..config import Settings
from .demo import demo
from .faults import Admission, Gateway
from .fixture import TenantFixture
from .graph import GraphApp
from .identity import identity
from .options import SandboxOptions
from .state import Sandbox, sandbox
from .tokens import TokenIssuer

__all__ = ["Sandbox", "create_sandbox_app", "sandbox"]


def create_sandbox_app(tenant: TenantFixture, settings: Settings, options: SandboxOptions,
                       *, clock: Callable[[], float] = time.time) -> Flask:
    """The stand-in for Entra ID and Graph, answering at the URLs ``settings`` point to."""
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    issuer = TokenIssuer(f"{settings.authority_host}/{tenant.id}/v2.0", tenant.id, clock)
    state = app.extensions["sandbox"] = Sandbox(tenant, settings, options, issuer, clock)

    app.register_blueprint(identity)
    app.register_blueprint(demo)
    # Identity's answers take the latency as Graph's do (without faults); the demo's pages
    # read the state directly and take none.
    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        Gateway(app.wsgi_app, state, _identity_admission), {"/graph": GraphApp(state).front})
    return app


def _identity_admission(environ: dict) -> Admission | None:
    path = environ.get("PATH_INFO", "")
    return Admission(faults=False) if path.startswith("/identity/") or path == "/token" else None
