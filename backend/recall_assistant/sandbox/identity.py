"""Entra ID stand-in: discovery, JWKS, token endpoint, and /token for the pane."""

from __future__ import annotations

from flask import Blueprint

identity = Blueprint("sandbox_identity", __name__)
