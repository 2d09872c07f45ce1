"""The add-in manifests, rendered from the templates in ``addin-manifest/``.

Two manifests describe the same add-in (README, "Outlook add-in: manifests"): the add-in only
XML manifest,
which every Outlook client reads, and the unified manifest for Microsoft 365 (JSON), which is
zipped with its two icons into an app package. Both point at one https origin: the task pane
(``/taskpane.html``), the on-send runtime (``/commands.html`` and, for classic Outlook on
Windows, ``/launchevent.js``) and the icons (``/assets/...``). Single sign-on needs the
``Resource`` to be ``api://<host[:port]>/<client id>`` on that same host
(docs/microsoft-facts.md, "Office.js"), which is
why the base URL must be a bare origin.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from ..config import GUID
from ..errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "addin-manifest"
ASSETS = ROOT / "frontend" / "assets"
PACKAGE_ICONS = ("color.png", "outline.png")
APP_PACKAGE = "recall-assistant.zip"

_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
# Fits both the XML <Version> (up to four numbers) and the unified manifest's semver.
_VERSION = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# A fixed namespace so that the same origin and client id always get the same add-in id.
_ADDIN_NAMESPACE = uuid.UUID("5b0d6f0e-2c1f-4c55-9a8e-7f3d2b1a6c40")


@dataclass(frozen=True)
class ManifestTarget:
    """Where and as what the add-in is deployed: everything the templates need."""

    base_url: str
    client_id: str
    addin_id: str
    version: str
    provider: str

    @property
    def host(self) -> str:
        """``host[:port]`` of the base URL."""
        return urlsplit(self.base_url).netloc

    @property
    def resource(self) -> str:
        """The Application ID URI that SSO tokens are issued for."""
        return f"api://{self.host}/{self.client_id}"

    def values(self) -> dict[str, str]:
        return {"base_url": self.base_url, "client_id": self.client_id,
                "addin_id": self.addin_id, "version": self.version, "provider": self.provider,
                "host": self.host, "resource": self.resource}


def package_version() -> str:
    """The installed package's version (the manifests carry it so that updates roll out)."""
    try:
        return metadata.version("recall-assistant")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.1.0"


def manifest_target(base_url: str, client_id: str, *, addin_id: str | None = None,
                    version: str | None = None,
                    provider: str = "Recall Assistant") -> ManifestTarget:
    """Check the inputs; raise :class:`ConfigError` with one line per problem."""
    problems: list[str] = []
    origin = _origin(base_url, problems)
    client_id = client_id.strip()
    if not GUID.match(client_id):
        problems.append(f"--client-id {client_id!r} is not a GUID: give the application "
                        "(client) ID of the app registration.")
    if addin_id is not None and not GUID.match(addin_id):
        problems.append(f"--addin-id {addin_id!r} is not a GUID.")
    version = version or package_version()
    if not _VERSION.match(version):
        problems.append(f"--version {version!r} is not three numbers like 1.2.3.")
    if not 0 < len(provider) <= 32:
        problems.append("--provider must be 1 to 32 characters (the unified manifest's limit).")
    if problems:
        raise ConfigError(problems)
    client_id = client_id.lower()
    if addin_id is None:
        addin_id = str(uuid.uuid5(_ADDIN_NAMESPACE, f"{origin}|{client_id}"))
    return ManifestTarget(base_url=origin, client_id=client_id, addin_id=addin_id.lower(),
                          version=version, provider=provider)


def _origin(base_url: str, problems: list[str]) -> str:
    """``https://host[:port]`` from the base URL, or a problem saying what is wrong with it."""
    raw = base_url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        problems.append(f"--base-url {raw!r} is not a valid URL.")
        return raw
    if parts.scheme != "https":
        problems.append(f"--base-url {raw!r} is not https: Outlook loads add-ins only over "
                        "https.")
        return raw
    host = (parts.hostname or "").lower()
    if not host or not _HOST.match(host) or parts.username or parts.password:
        problems.append(f"--base-url {raw!r} has no valid host name.")
        return raw
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        problems.append(f"--base-url {raw!r} must be an origin such as https://addin.contoso.com "
                        "with no path, query or fragment: single sign-on needs "
                        "api://<host>/<client id> and Outlook looks for "
                        "/.well-known/ at the origin's root.")
        return raw
    return f"https://{host}" + (f":{port}" if port is not None else "")


def render(template: str, values: dict[str, str], quote: Callable[[str], str]) -> str:
    """Fill ``{{name}}`` placeholders, each value escaped with ``quote``."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"the manifest template names an unknown value {{{{{name}}}}}")
        return quote(values[name])

    return _PLACEHOLDER.sub(fill, template)


def _xml_quote(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def _json_quote(value: str) -> str:
    return json.dumps(value)[1:-1]


def render_manifests(target: ManifestTarget, templates: Path = TEMPLATES) -> dict[str, str]:
    """``{"manifest.xml": ..., "manifest.json": ...}`` for the target."""
    values = target.values()
    xml = render((templates / "manifest.template.xml").read_text(encoding="utf-8"), values,
                 _xml_quote)
    unified = render((templates / "manifest.template.json").read_text(encoding="utf-8"), values,
                     _json_quote)
    json.loads(unified)  # a template edit that breaks JSON fails here, not in Outlook
    return {"manifest.xml": xml, "manifest.json": unified}


def write_manifests(target: ManifestTarget, out: Path, *, assets: Path = ASSETS,
                    templates: Path = TEMPLATES) -> list[Path]:
    """Write both manifests, the unified manifest's icons and its app package into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_manifests(target, templates).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for icon in PACKAGE_ICONS:
        written.append(Path(shutil.copyfile(assets / icon, out / icon)))
    package = out / APP_PACKAGE
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("manifest.json", *PACKAGE_ICONS):
            archive.write(out / name, arcname=name)
    written.append(package)
    return written
