"""One caller's way into Microsoft 365 for one request: the one place Graph clients are built.

A use case is given a :class:`Session` and never builds a client itself, so the time-out, the
Graph endpoint and the choice of the app's client (the deep check) are decided here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from ..config import Settings
from ..graph.client import GraphClient


@dataclass(frozen=True)
class Sender:
    """The signed-in user, who sent the message: tenant and object id (cache keys, ownership)
    and their address."""

    tenant_id: str
    user_id: str
    address: str


@dataclass(frozen=True)
class Session:
    """The sender, their delegated Graph client and, with the deep check on, the app's."""

    sender: Sender
    graph: GraphClient
    app_graph: GraphClient | None


class Sessions:
    """Opens sessions with the app instance's HTTP pool and settings."""

    def __init__(self, settings: Settings, http: requests.Session,
                 app_token: Callable[[], str]):
        self.settings = settings
        self.http = http
        self.app_token = app_token

    def client(self, token: Callable[..., str]) -> GraphClient:
        return GraphClient.from_settings(self.http, self.settings, token)

    def open(self, sender: Sender, user_token: Callable[..., str]) -> Session:
        app_graph = self.client(self.app_token) if self.settings.deep_check else None
        return Session(sender, self.client(user_token), app_graph)
