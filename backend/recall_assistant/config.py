"""Settings, read once from the environment and validated at start-up.

Nothing else in the package reads ``os.environ``: everything takes a :class:`Settings`.
Sandbox and tenant mode differ only in the values found here: the code paths are the same.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import SCHEMES as LIMIT_STORAGE_SCHEMES

from .errors import ConfigError
from .send_policy import load_send_policy

MODES = ("sandbox", "tenant")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("json", "text")

# The sandbox tenant's application registration. These are not secrets: they only open the
# local stand-in, which refuses to run in tenant mode.
SANDBOX_TENANT_ID = "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60"
SANDBOX_CLIENT_ID = "3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c"
SANDBOX_CLIENT_SECRET = "sandbox-secret-not-for-production"  # noqa: S105
DEFAULT_PUBLIC_URL = "https://localhost:3000"

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Settings:
    """Everything the backend needs to know about where it runs."""

    mode: str
    tenant_id: str
    client_id: str
    client_secret: str | None
    api_audience: str
    authority_host: str
    graph_url: str
    public_url: str
    ca_bundle: str | None
    database_url: str
    data_dir: Path
    deep_check: bool = False
    recall_enabled: bool = True
    recall_read_enabled: bool = True
    # Message subjects in the audit log: personal data, so off unless the administrator says.
    audit_subjects: bool = False
    max_recallable_age_days: int | None = None
    cross_tenant_domains: tuple[str, ...] = ()
    allowed_tenants: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    admin_role: str = "RecallAssistant.Admin"
    log_level: str = "INFO"
    max_body_bytes: int = 256 * 1024
    # Per-user request limits (the limits package's syntax, e.g. "30/minute") and where their
    # counters live: memory:// counts per process, redis://host:6379 across instances.
    rate_limit_storage: str = field(default="memory://", repr=False)
    rate_limit_mutating: str = "30/minute"
    rate_limit_read: str = "120/minute"
    # json: one object a line, for log collectors; text: for people at a terminal.
    log_format: str = "json"
    # When set, GET /metrics answers only to "Authorization: Bearer <metrics_token>".
    metrics_token: str | None = field(default=None, repr=False)
    http_timeout_s: float = 10.0
    directory_cache_ttl_s: float = 300.0
    # How long a recorded action may wait for its Graph call before it reads as "unknown" (a
    # process that died in between never finishes it). Longer than any Graph call can take.
    action_grace_s: float = 120.0
    # How long a recall waits for its report before whoever is still pending reads
    # "no report": Exchange keeps retrying a recall for about a day.
    recall_report_wait_s: float = 86_400.0
    # The App ID URI that Graph tokens are requested for (``<resource>/.default``).
    graph_resource: str = "https://graph.microsoft.com"
    client_cert_path: str | None = None
    client_cert_thumbprint: str | None = None
    # The on-send policy file (send_policy.py); None: the built-in policy.
    policy_file: str | None = None
    templates_dir: Path | None = None
    # Where the task pane's files are; None: frontend/ beside backend/ in the source tree.
    frontend_dir: Path | None = None
    # `recall-assistant serve` (gunicorn): processes, threads each, and the proxies in front
    # whose X-Forwarded-* headers are believed (0: none, so a client cannot forge them).
    workers: int = 2
    threads: int = 4
    proxy_count: int = 0
    graceful_timeout_s: int = 30

    @property
    def authority(self) -> str:
        """The tenant's authority URL, as MSAL wants it."""
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def openid_configuration_url(self) -> str:
        return f"{self.authority}/v2.0/.well-known/openid-configuration"

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)


def default_data_dir(env: Mapping[str, str]) -> Path:
    """A per-user folder for the dev certificates and the embedded database."""
    if env.get("RA_DATA_DIR"):
        return Path(env["RA_DATA_DIR"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local/share")
    return Path(base) / "recall-assistant"


@dataclass
class _Reader:
    """Collects one problem per bad setting instead of stopping at the first."""

    env: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.env.get(name, "").strip()
        if value:
            return value
        if required and default is None:
            self.problems.append(f"{name} is missing: it is required in tenant mode.")
        return default

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.env.get(name, "").strip() or default
        if value not in choices:
            self.problems.append(f"{name}={value!r} is not one of {', '.join(choices)}.")
            return default
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.env.get(name, "").strip().lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{name}={raw!r} is not a boolean: use 1 or 0.")
        return default

    def number(self, name: str, default: float | None, cast: Callable[[str], float],
               minimum: float, maximum: float) -> float | None:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = cast(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not a number.")
            return default
        if not minimum <= value <= maximum:
            self.problems.append(f"{name}={raw} is out of range ({minimum:g} to {maximum:g}).")
            return default
        return value

    def https_url(self, name: str, default: str) -> str:
        value = (self.env.get(name, "").strip() or default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            self.problems.append(
                f"{name}={value!r} is not an https URL (MSAL and Outlook both require https)."
            )
        return value

    def guid(self, name: str, value: str | None) -> None:
        if value and not GUID.match(value):
            self.problems.append(f"{name}={value!r} is not a GUID.")

    def client_certificate(self, name: str) -> str | None:
        """A PEM file holding the app's private key and its certificate (MSAL needs both)."""
        path = self.env.get(name, "").strip()
        if not path:
            return None
        try:
            pem = Path(path).read_text(encoding="ascii", errors="replace")
        except OSError:
            self.problems.append(f"{name}={path!r} is not a readable file.")
            return path
        if "PRIVATE KEY-----" not in pem or "BEGIN CERTIFICATE-----" not in pem:
            self.problems.append(
                f"{name}={path!r} must be a PEM file with the private key and the certificate."
            )
        return path

    def thumbprint(self, name: str) -> str | None:
        raw = self.env.get(name, "").strip()
        value = raw.replace(":", "").replace(" ", "").upper()
        if raw and not re.fullmatch(r"[0-9A-F]{40}", value):
            self.problems.append(f"{name}={raw!r} is not a SHA-1 thumbprint (40 hex digits).")
        return value or None

    def rate_limit(self, name: str, default: str) -> str:
        value = self.env.get(name, "").strip() or default
        try:
            parse_many(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not a rate limit (e.g. 30/minute).")
            return default
        return value

    def limit_storage(self, name: str, default: str) -> str:
        value = self.env.get(name, "").strip() or default
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme.startswith("async+") or scheme not in LIMIT_STORAGE_SCHEMES:
            # Only the scheme is echoed: the URI may hold a password.
            self.problems.append(f"{name} has the scheme {scheme!r}: use memory:// or "
                                 "redis://host:port (see the limits package's storage URIs).")
            return default
        return value

    def secret(self, name: str, min_chars: int) -> str | None:
        value = self.env.get(name, "").strip()
        if value and len(value) < min_chars:
            self.problems.append(f"{name} is too short: use at least {min_chars} characters.")
        return value or None

    def csv(self, name: str) -> tuple[str, ...]:
        raw = self.env.get(name, "")
        return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings; raise :class:`ConfigError` listing every problem."""
    env = os.environ if env is None else env
    r = _Reader(env)
    mode = r.choice("RA_MODE", MODES, "sandbox")
    tenant = mode == "tenant"
    public_url = r.https_url("RA_PUBLIC_URL", DEFAULT_PUBLIC_URL)

    # In sandbox mode every identity setting has a default that points at the local stand-in.
    tenant_id = r.text("RA_TENANT_ID", None if tenant else SANDBOX_TENANT_ID, required=True)
    client_id = r.text("RA_CLIENT_ID", None if tenant else SANDBOX_CLIENT_ID, required=True)
    cert_path = r.client_certificate("RA_CLIENT_CERT_PATH")
    thumbprint = r.thumbprint("RA_CLIENT_CERT_THUMBPRINT")
    if thumbprint and not cert_path:
        r.problems.append("RA_CLIENT_CERT_THUMBPRINT is set without RA_CLIENT_CERT_PATH.")
    secret = r.text("RA_CLIENT_SECRET", None if tenant else SANDBOX_CLIENT_SECRET)
    if tenant and not secret and not cert_path:
        r.problems.append("RA_CLIENT_SECRET is missing: tenant mode needs it "
                          "(or a certificate in RA_CLIENT_CERT_PATH).")
    r.guid("RA_TENANT_ID", tenant_id)
    r.guid("RA_CLIENT_ID", client_id)
    host = urlsplit(public_url).netloc
    default_audience = f"api://{host}/{client_id}" if client_id else None
    audience = r.text("RA_API_AUDIENCE", None if tenant else default_audience, required=True)
    if tenant:
        authority_host = r.https_url("RA_AUTHORITY_HOST", "https://login.microsoftonline.com")
        graph_url = r.https_url("RA_GRAPH_URL", "https://graph.microsoft.com")
    else:
        authority_host = r.https_url("RA_AUTHORITY_HOST", f"{public_url}/sandbox/identity")
        graph_url = r.https_url("RA_GRAPH_URL", f"{public_url}/sandbox/graph")
    # Graph's resource id is its endpoint's origin in every Microsoft cloud; the sandbox stands
    # in for the global Graph and so answers to its resource id, whatever its own URL.
    parts = urlsplit(graph_url)
    graph_resource = f"{parts.scheme}://{parts.netloc}" if tenant else "https://graph.microsoft.com"
    if env.get("RA_GRAPH_RESOURCE", "").strip():  # checked only when set: one line a problem
        graph_resource = r.https_url("RA_GRAPH_RESOURCE", graph_resource)

    ca_bundle = r.text("RA_CA_BUNDLE")
    if ca_bundle and not Path(ca_bundle).is_file():
        r.problems.append(f"RA_CA_BUNDLE={ca_bundle!r} is not a readable file.")
    templates_raw = r.text("RA_TEMPLATES_DIR")
    templates_dir = Path(templates_raw) if templates_raw else None
    if templates_dir is not None and not templates_dir.is_dir():
        r.problems.append(f"RA_TEMPLATES_DIR={templates_raw!r} is not a folder.")
    frontend_raw = r.text("RA_FRONTEND_DIR")
    frontend_dir = Path(frontend_raw) if frontend_raw else None
    if frontend_dir is not None and not (frontend_dir / "taskpane.html").is_file():
        r.problems.append(f"RA_FRONTEND_DIR={frontend_raw!r} is not a folder holding the task "
                          "pane (taskpane.html).")
    policy_file = r.text("RA_POLICY_FILE")
    if policy_file:  # read here too, so that check-config reports a bad file line by line
        try:
            load_send_policy(policy_file)
        except ConfigError as exc:
            r.problems.extend(exc.problems)

    data_dir = default_data_dir(env)
    database_url = r.text("DATABASE_URL", f"sqlite:///{data_dir / 'recall-assistant.db'}")
    if database_url and not database_url.startswith(("sqlite:", "postgresql")):
        scheme = database_url.split(":", 1)[0]  # never echo credentials
        r.problems.append(f"DATABASE_URL starts with {scheme!r}: use sqlite:// or postgresql://.")
    max_age = r.number("RA_MAX_RECALLABLE_AGE_DAYS", None, int, 1, 3650)
    origins = tuple(o.rstrip("/") for o in r.csv("RA_ALLOWED_ORIGINS"))
    for origin in origins:
        if urlsplit(origin).scheme != "https":
            r.problems.append(f"RA_ALLOWED_ORIGINS entry {origin!r} is not an https origin.")
    allowed_tenants = r.csv("RA_ALLOWED_TENANTS")
    for tid in allowed_tenants:
        r.guid("RA_ALLOWED_TENANTS", tid)

    settings = Settings(
        mode=mode,
        tenant_id=tenant_id or "",
        client_id=client_id or "",
        client_secret=secret,
        api_audience=audience or "",
        authority_host=authority_host,
        graph_url=graph_url,
        public_url=public_url,
        ca_bundle=ca_bundle,
        database_url=database_url or "",
        data_dir=data_dir,
        deep_check=r.flag("RA_DEEP_CHECK", False),
        recall_enabled=r.flag("RA_RECALL_ENABLED", True),
        recall_read_enabled=r.flag("RA_RECALL_READ_ENABLED", True),
        audit_subjects=r.flag("RA_AUDIT_SUBJECTS", False),
        max_recallable_age_days=int(max_age) if max_age is not None else None,
        cross_tenant_domains=r.csv("RA_CROSS_TENANT_DOMAINS"),
        allowed_tenants=allowed_tenants,
        allowed_origins=origins,
        admin_role=r.text("RA_ADMIN_ROLE", "RecallAssistant.Admin") or "",
        log_level=r.choice("RA_LOG_LEVEL", LOG_LEVELS, "INFO"),
        max_body_bytes=int(r.number("RA_MAX_BODY_BYTES", 256 * 1024, int, 1024, 50 * 2**20)),
        rate_limit_storage=r.limit_storage("RA_RATE_LIMIT_STORAGE", "memory://"),
        rate_limit_mutating=r.rate_limit("RA_RATE_LIMIT_MUTATING", "30/minute"),
        rate_limit_read=r.rate_limit("RA_RATE_LIMIT_READ", "120/minute"),
        log_format=r.choice("RA_LOG_FORMAT", LOG_FORMATS, "json" if tenant else "text"),
        metrics_token=r.secret("RA_METRICS_TOKEN", 16),
        http_timeout_s=float(r.number("RA_HTTP_TIMEOUT_S", 10.0, float, 0.5, 120)),
        directory_cache_ttl_s=float(r.number("RA_DIRECTORY_CACHE_TTL_S", 300.0, float, 0, 86_400)),
        action_grace_s=float(r.number("RA_ACTION_GRACE_S", 120.0, float, 1, 86_400)),
        recall_report_wait_s=float(r.number("RA_RECALL_REPORT_WAIT_S", 86_400.0, float, 1,
                                            30 * 86_400)),
        graph_resource=graph_resource,
        client_cert_path=cert_path,
        client_cert_thumbprint=thumbprint,
        policy_file=policy_file,
        templates_dir=templates_dir,
        frontend_dir=frontend_dir,
        workers=int(r.number("RA_WORKERS", 2, int, 1, 64)),
        threads=int(r.number("RA_THREADS", 4, int, 1, 64)),
        proxy_count=int(r.number("RA_PROXY_COUNT", 0, int, 0, 5)),
        graceful_timeout_s=int(r.number("RA_GRACEFUL_TIMEOUT_S", 30, int, 1, 600)),
    )
    if r.problems:
        raise ConfigError(r.problems)
    return settings

