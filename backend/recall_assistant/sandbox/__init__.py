"""The sandbox tenant: a local, stateful stand-in for Entra ID and Microsoft Graph.

Only ``cli.py`` imports this package (for ``demo``); production code never does. It is a
separate WSGI app mounted under ``/sandbox``, so that in tenant mode the path does not exist.
"""

from __future__ import annotations

from .app import create_sandbox_app

__all__ = ["create_sandbox_app"]
