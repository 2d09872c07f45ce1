"""Files Outlook loads by the URLs in the manifests: the on-send runtime and the icons, and
the well-known file that lets classic Outlook's JavaScript-only runtime call our API.

Classic Outlook on Windows runs ``launchevent.js`` without a page, so the script cannot learn
its own origin and ``fetch`` there takes absolute URLs only (docs/microsoft-facts.md,
"Office.js"): the script is served
with the configured public URL written in. The same runtime allows CORS and SSO only for
scripts that the origin lists in ``/.well-known/microsoft-officeaddins-allowed.json``
(office-js-docs-pr, docs/develop/use-sso-in-event-based-activation.md).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_from_directory

from .pages import frontend_dir
from .runtime import runtime

addin = Blueprint("addin", __name__)

ON_SEND_SCRIPT = "launchevent.js"
# launchevent.js holds this marker where the backend writes its public origin.
ORIGIN_MARKER = "__RECALL_ASSISTANT_ORIGIN__"


@addin.get("/commands.html")
def commands_page():
    """The on-send runtime's page (Outlook on the web, new Outlook, Mac)."""
    return send_from_directory(frontend_dir(), "commands.html")


@addin.get(f"/{ON_SEND_SCRIPT}")
def on_send_script():
    """The on-send handler, with our origin written in for classic Outlook's runtime."""
    text = (frontend_dir() / ON_SEND_SCRIPT).read_text(encoding="utf-8")
    text = text.replace(ORIGIN_MARKER, runtime().settings.public_url, 1)
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@addin.get("/assets/<path:name>")
def asset(name: str):
    """Icons named in the manifests."""
    return send_from_directory(frontend_dir() / "assets", name)


@addin.get("/.well-known/microsoft-officeaddins-allowed.json")
def allowed_scripts():
    """The scripts of this origin that may use SSO and CORS in a JavaScript-only runtime."""
    return jsonify(allowed=[f"{runtime().settings.public_url}/{ON_SEND_SCRIPT}"])
