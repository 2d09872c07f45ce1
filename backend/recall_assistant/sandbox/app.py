"""Builds the sandbox WSGI app: identity under /identity, Graph under /graph."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from ..config import Settings
from .demo import demo
from .fixture import TenantFixture
from .graph import graph
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
    app.extensions["sandbox"] = Sandbox(tenant, settings, options, issuer, clock)

    app.register_blueprint(identity)
    app.register_blueprint(graph, url_prefix="/graph")
    app.register_blueprint(demo)
    return app
