"""What the sandbox's routes and gateways share: the tenant, its keys, its clock, its mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from ..config import Settings
from .faults import Faults
from .fixture import TenantFixture
from .mailstore import MailStore
from .options import SandboxOptions
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
    faults: Faults = field(init=False)  # the gateways' (faults.py); a test may swap it
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
