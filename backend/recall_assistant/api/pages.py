"""Pages served to the browser: the task pane, its files, and the demo.

The task pane loads Microsoft's office.js from the CDN. Only in sandbox mode (the demo and the
browser tests, where no Outlook hosts the page) does ``/taskpane.html`` name the static Office
shim in ``frontend/demo/`` instead; the shim, the demo page and everything under
``frontend/demo/`` are 404 in tenant mode. The decision is the configured mode, nothing else.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from ..config import Settings
from .runtime import runtime

pages = Blueprint("pages", __name__)

# In a source checkout the front end sits beside backend/; an installed package (the container
# image) is told where it is with RA_FRONTEND_DIR (see frontend_dir).
ROOT_DIR = Path(__file__).resolve().parents[3]
FRONTEND_DIR = ROOT_DIR / "frontend"
# `npm ci` installs MSAL.js here; its browser bundle is served as /vendor/msal-browser.js.
MSAL_IN_ROOT = Path("node_modules") / "@azure" / "msal-browser" / "lib" / "msal-browser.min.js"
MSAL_BUNDLE = ROOT_DIR / MSAL_IN_ROOT

TASKPANE = "taskpane.html"
# The one line of taskpane.html that differs between Outlook and the sandbox.
OFFICE_JS_TAG = ('<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js">'
                 '</script>')
OFFICE_SHIM_TAG = '<script src="/frontend/demo/office-shim.js"></script>'


def frontend_dir(settings: Settings | None = None) -> Path:
    """The task pane's folder: ``RA_FRONTEND_DIR`` when set, else the source tree's."""
    return (settings or runtime().settings).frontend_dir or FRONTEND_DIR


def msal_bundle_path(settings: Settings | None = None) -> Path:
    """MSAL.js's bundle, in the ``node_modules/`` beside the front end's folder."""
    return frontend_dir(settings).parent / MSAL_IN_ROOT


def _sandbox_only() -> None:
    if runtime().settings.mode != "sandbox":
        abort(404)


def _no_cache(response: Response) -> Response:
    # The pane's files change with each release; Outlook's webviews cache aggressively.
    response.headers["Cache-Control"] = "no-cache"
    return response


@pages.get("/")
def index():
    return send_from_directory(frontend_dir(), "index.html")


@pages.get(f"/{TASKPANE}")
def taskpane():
    """The task pane, with office.js (tenant mode) or the Office shim (sandbox mode)."""
    html = (frontend_dir() / TASKPANE).read_text(encoding="utf-8")
    if runtime().settings.mode == "sandbox":
        html = html.replace(OFFICE_JS_TAG, OFFICE_SHIM_TAG, 1)
    return _no_cache(Response(html, mimetype="text/html"))


@pages.get("/demo")
def demo():
    """The demo page: the task pane outside Outlook, against the sandbox tenant."""
    _sandbox_only()
    return _no_cache(send_from_directory(frontend_dir() / "demo", "demo.html"))


@pages.get("/vendor/msal-browser.js")
def msal_bundle():
    """MSAL.js's browser bundle, as npm installed it (no CDN but Microsoft's office.js)."""
    bundle = msal_bundle_path()
    if not bundle.is_file():
        abort(404, description="MSAL.js is not installed on this server: run `npm ci`.")
    response = send_from_directory(bundle.parent, bundle.name,
                                   mimetype="text/javascript")
    return _no_cache(response)


@pages.get("/frontend/<path:name>")
def frontend_file(name: str):
    # Decide on the path as the file system will see it: `./demo`, `views/../demo` and a
    # case-folding file system all reach the demo's folder.
    if is_demo_file(name):
        _sandbox_only()
    return _no_cache(send_from_directory(frontend_dir(), name))


def is_demo_file(name: str) -> bool:
    """Whether ``name`` (under ``frontend/``) names something in the demo's folder."""
    normal = posixpath.normpath("/" + name.replace("\\", "/")).lstrip("/")
    return normal.split("/", 1)[0].casefold() == "demo"
