"""Builds the sandbox WSGI app: identity under /identity, Graph under /graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from ..config import SandboxOptions, Settings
from .faults import Faults
from .fixture import TenantFixture
from .mailstore import MailStore
from .tokens import TokenIssuer


@dataclass
class Sandbox:
    """Everything the sandbox's routes share: the tenant, its keys, its clock, its mail.

    Graph reads ``clock`` on every request, so a test may swap in a fake clock at any time.
    """

    tenant: TenantFixture
    settings: Settings
    options: SandboxOptions
    issuer: TokenIssuer
    clock: Callable[[], float]
    mail: MailStore = field(init=False)
    faults: Faults = field(init=False)
    # Called by reset(): what else the demo keeps about the sandbox's mail (its database).
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mail = MailStore(self.tenant, seeded_at=self.clock())
        self.faults = Faults(self.options)

    def reset(self) -> None:
        """Every mailbox as the fixture seeds it, and the hooks' state with it."""
        for hook in self.reset_hooks:
            hook()
        self.mail = MailStore(self.tenant, seeded_at=self.clock())


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def create_sandbox_app(tenant: TenantFixture, settings: Settings, options: SandboxOptions,
                       *, clock: Callable[[], float] = time.time) -> Flask:
    """The stand-in for Entra ID and Graph, answering at the URLs ``settings`` point to."""
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    issuer = TokenIssuer(f"{settings.authority_host}/{tenant.id}/v2.0", tenant.id, clock)
    app.extensions["sandbox"] = Sandbox(tenant, settings, options, issuer, clock)

    from .demo import demo
    from .graph import graph
    from .identity import identity

    app.register_blueprint(identity)
    app.register_blueprint(graph, url_prefix="/graph")
    app.register_blueprint(demo)
    return app
