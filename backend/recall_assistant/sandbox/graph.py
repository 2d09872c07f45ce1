"""Microsoft Graph stand-in (v1.0 and beta)."""

from __future__ import annotations

from flask import Blueprint

graph = Blueprint("sandbox_graph", __name__)
