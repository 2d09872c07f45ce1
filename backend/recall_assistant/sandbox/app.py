"""Builds the sandbox WSGI app: identity under /identity, Graph under /graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from ..config import SandboxOptions, Settings
from .fixture import TenantFixture
from .tokens import TokenIssuer


@dataclass
class Sandbox:
    """Everything the sandbox's routes share: the tenant, its keys, its clock."""

    tenant: TenantFixture
    settings: Settings
    options: SandboxOptions
    issuer: TokenIssuer
    clock: Callable[[], float]


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def create_sandbox_app(tenant: TenantFixture, settings: Settings, options: SandboxOptions,
                       *, clock: Callable[[], float] = time.time) -> Flask:
    """The stand-in for Entra ID and Graph, answering at the URLs ``settings`` point to."""
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    issuer = TokenIssuer(f"{settings.authority_host}/{tenant.id}/v2.0", tenant.id, clock)
    app.extensions["sandbox"] = Sandbox(tenant, settings, options, issuer, clock)

    from .graph import graph
    from .identity import identity

    app.register_blueprint(identity)
    app.register_blueprint(graph, url_prefix="/graph")
    return app
