"""Pages served to the browser: the task pane's files and the demo."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

pages = Blueprint("pages", __name__)

# In a source checkout (and the container image) the front end sits beside backend/.
FRONTEND_DIR = Path(__file__).resolve().parents[3] / "frontend"


@pages.get("/")
def index():
    return send_from_directory(FRONTEND_DIR, "index.html")


@pages.get("/demo")
def demo():
    """The demo page (outside Outlook, against the sandbox tenant)."""
    return send_from_directory(FRONTEND_DIR, "demo.html")


@pages.get("/frontend/<path:name>")
def frontend_file(name: str):
    return send_from_directory(FRONTEND_DIR, name)
