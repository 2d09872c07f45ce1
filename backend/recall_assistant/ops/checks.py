"""``recall-assistant check-config``: does this deployment work, from settings to Graph?

Each check says ``ok`` (with what it found), ``FAILED: why`` (and what to do), or
``skipped: why`` (a check it depends on failed, or it needs an input it was not given). The
checks use the package's own adapters (token validation, MSAL, the Graph client, the store's
migrations) with the server's settings, so that a pass here means the server would pass too.
Nothing is changed anywhere (no schema upgrade) and no mail is read: the deep check's probe
looks for a message id that no mailbox holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests

from ..auth.tokens import Caller
from ..config import Settings
from ..errors import InvalidToken, RecallAssistantError
from ..graph.client import GraphClient, RetryPolicy, odata_string, path_segment
from ..graph.errors import GraphError
from .check_results import FAILED, OK, SKIPPED, CheckFailed, CheckResult, Skip, entra_codes, explain

# Files the server must find in the front end's folder (the manifests name them).
FRONTEND_FILES = ("taskpane.html", "commands.html", "launchevent.js")
# An internet message id that no mailbox holds: looking it up proves the permission, reads nothing.
PROBE_MESSAGE_ID = "<check-config@recall-assistant.invalid>"


@dataclass
class Checkup:
    """Runs the checks in order; later ones use what earlier ones found."""

    settings: Settings
    session: requests.Session
    test_token: str | None = None
    mailbox: str | None = None
    results: list[CheckResult] = field(default_factory=list)
    _configuration: dict[str, Any] | None = None
    _caller: Caller | None = None
    _graph_token: str | None = None
    _app_token_ok: bool = False
    _tokens: Any = None  # one GraphTokens for every check, as one server process has

    def run(self) -> Iterator[CheckResult]:
        """Yield each result as soon as it is known (a slow network shows where it waits)."""
        steps: list[tuple[str, Callable[[], str]]] = [
            ("API audience", self.api_audience),
            ("front end", self.front_end),
            ("authority discovery", self.discovery),
            ("authority keys", self.keys),
            ("test token", self.token),
            ("on-behalf-of", self.on_behalf_of),
            ("Graph /me", self.graph_me),
            ("app-only token", self.app_token),
            ("Graph as the app", self.graph_as_app),
            ("database", self.database),
        ]
        for name, step in steps:
            codes: list[str] = []
            try:
                with entra_codes(codes):
                    result = CheckResult(name, OK, step())
            except Skip as skip:
                result = CheckResult(name, SKIPPED, str(skip))
            except CheckFailed as failure:
                result = CheckResult(name, FAILED, str(failure))
            except (RecallAssistantError, GraphError) as error:
                detail = explain(error)
                if codes:  # Entra ID's own code says most, e.g. AADSTS7000215: wrong secret
                    detail += f" [{', '.join(dict.fromkeys(codes))}]"
                result = CheckResult(name, FAILED, detail)
            except Exception as exc:  # noqa: BLE001 - a checker reports a surprise, never dies of it
                result = CheckResult(name, FAILED, f"unexpected {type(exc).__name__}: {exc}")
            self.results.append(result)
            yield result

    # -- configuration that needs no network ------------------------------------------------

    def api_audience(self) -> str:
        host = urlsplit(self.settings.public_url).netloc
        expected = f"api://{host}/{self.settings.client_id}".lower()
        if self.settings.api_audience.lower() != expected:
            raise CheckFailed(
                f"RA_API_AUDIENCE is {self.settings.api_audience!r}, but the manifest for "
                f"RA_PUBLIC_URL names {expected!r}: Office asks for tokens for the manifest's "
                "resource, so the two must be the same App ID URI")
        return expected

    def front_end(self) -> str:
        from ..api.pages import frontend_dir, msal_bundle_path

        folder = frontend_dir(self.settings)
        missing = [name for name in FRONTEND_FILES if not (folder / name).is_file()]
        if missing:
            raise CheckFailed(f"{folder} lacks {', '.join(missing)}: set RA_FRONTEND_DIR to "
                              "the frontend/ folder of this release")
        if not msal_bundle_path(self.settings).is_file():
            raise CheckFailed(f"no MSAL.js at {msal_bundle_path(self.settings)}: run `npm ci` "
                              "beside the frontend/ folder (the task pane signs in with it)")
        return str(folder)

    # -- the identity authority -------------------------------------------------------------

    def discovery(self) -> str:
        url = self.settings.openid_configuration_url
        document = _get_json(self.session, url, self.settings.http_timeout_s)
        for key in ("issuer", "jwks_uri", "token_endpoint"):
            if not isinstance(document.get(key), str):
                raise CheckFailed(f"{url} has no {key}: is RA_AUTHORITY_HOST an OpenID "
                                  "Connect authority?")
        tenant = self.settings.tenant_id.lower()
        issuer = document["issuer"].replace("{tenantid}", tenant)
        if tenant not in issuer.lower():
            raise CheckFailed(f"the issuer {document['issuer']!r} does not name tenant "
                              f"{self.settings.tenant_id}: check RA_TENANT_ID")
        self._configuration = document
        return f"issuer {issuer}"

    def keys(self) -> str:
        document = _get_json(self.session, self._needs_configuration()["jwks_uri"],
                             self.settings.http_timeout_s)
        usable = 0
        for entry in document.get("keys") or []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            try:
                jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError:
                continue
            usable += 1
        if not usable:
            raise CheckFailed("the key set (JWKS) holds no RSA signing key: tokens cannot be "
                              "verified")
        return f"{usable} signing key{'s' if usable != 1 else ''}"

    def token(self) -> str:
        from ..auth.authority import Authority
        from ..auth.tokens import TokenValidator

        if not self.test_token:
            raise Skip("give --test-token or --test-token-file (a token the task pane sent) "
                       "to check sign-in, on-behalf-of and Graph")
        self._needs_configuration()
        validator = TokenValidator(self.settings, Authority(self.settings, self.session))
        try:
            caller = validator.validate(self.test_token)
        except InvalidToken as refused:
            raise CheckFailed(explain(refused)) from refused
        self._caller = caller
        return f"{caller.address or caller.oid}, tenant {caller.tid}"

    def on_behalf_of(self) -> str:
        caller = self._needs_caller()
        self._graph_token = self._graph_tokens().for_user(caller)
        return f"a Graph token for {caller.address or caller.oid}"

    def graph_me(self) -> str:
        from ..graph.directory import signed_in_user

        if self._graph_token is None:
            raise Skip("needs a test token" if not self.test_token
                       else "no Graph token (the on-behalf-of check did not pass)")
        token = self._graph_token
        person = signed_in_user(self._graph(lambda: token))
        return f"{person.display_name} <{person.mail or person.id}>"

    def app_token(self) -> str:
        if not self.settings.deep_check:
            raise Skip("RA_DEEP_CHECK is off (no application permissions are used)")
        self._needs_configuration()
        self._graph_tokens().for_app()
        self._app_token_ok = True
        return "client credentials accepted"

    def graph_as_app(self) -> str:
        if not self.settings.deep_check:
            raise Skip("RA_DEEP_CHECK is off")
        if not self._app_token_ok:
            raise Skip("no app-only token (the check above did not pass)")
        mailbox = self.mailbox or (self._caller.oid if self._caller else None)
        if mailbox is None:
            raise Skip("give --mailbox ADDRESS (or a test token) to try reading a mailbox "
                       "as the app")
        graph = self._graph(self._graph_tokens().for_app)
        root = f"/users/{path_segment(mailbox)}"
        shown = self.mailbox or (self._caller.address if self._caller else None) or mailbox
        try:
            # The deep check's three reads: a copy by internet id (none has this one), the
            # Inbox's id, and the mailbox kind.
            graph.get(f"{root}/messages", params={
                "$filter": f"internetMessageId eq {odata_string(PROBE_MESSAGE_ID)}",
                "$select": "id,isRead,parentFolderId"})
            graph.get(f"{root}/mailFolders/inbox", params={"$select": "id"})
            purpose = graph.get(f"{root}/mailboxSettings/userPurpose") or {}
        except (RecallAssistantError, GraphError) as error:
            if error.code == "graph_forbidden":
                raise CheckFailed(
                    f"the app may not read {shown}'s mailbox: grant Mail.ReadBasic.All (or "
                    "Mail.Read) and MailboxSettings.Read, or add the mailbox to the app's "
                    "RBAC scope or access policy") from error
            raise
        return (f"{shown}: messages and inbox readable, mailbox kind "
                f"{purpose.get('value') or 'unknown'}")

    # -- the database -----------------------------------------------------------------------

    def database(self) -> str:
        return check_database(self.settings)

    # -- helpers ----------------------------------------------------------------------------

    def _needs_configuration(self) -> dict[str, Any]:
        if self._configuration is None:
            raise Skip("the authority's OpenID configuration could not be read")
        return self._configuration

    def _needs_caller(self) -> Caller:
        if self._caller is None:
            raise Skip("needs a test token" if not self.test_token
                       else "the test token was not accepted")
        return self._caller

    def _graph_tokens(self) -> Any:
        from ..auth.obo import GraphTokens

        if self._tokens is None:
            self._tokens = GraphTokens(self.settings, self.session)
        return self._tokens

    def _graph(self, token_provider: Callable[[], str]) -> GraphClient:
        # One retry at most: a check reports a slow Graph, it does not wait it out.
        return GraphClient.from_settings(
            self.session, self.settings, token_provider,
            retry=RetryPolicy(budget_s=self.settings.http_timeout_s, max_attempts=2))


def check_database(settings: Settings) -> str:
    """Connect, and compare the schema's revision with this release's newest migration."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from ..store.db import make_engine, ping
    from ..store.migrate import current_revision, head_revision

    try:
        url = make_url(settings.database_url)
    except ArgumentError as exc:
        raise CheckFailed("DATABASE_URL is not a database URL") from exc
    shown = url.render_as_string(hide_password=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database
        if path and path != ":memory:" and not Path(path).is_file():
            raise CheckFailed(f"{path} does not exist yet: the server creates it (and its "
                              "schema) when it first starts")
    try:
        if backend == "sqlite":
            engine = make_engine(settings.database_url)
        else:  # the server's pool, but a check must not wait for ever on a dead host
            engine = create_engine(url, poolclass=NullPool, connect_args={
                "connect_timeout": max(1, int(settings.http_timeout_s))})
    except ImportError as exc:
        raise CheckFailed(f"the {url.drivername} driver is not installed: write "
                          "postgresql+psycopg://... (psycopg 3 comes with the package)") from exc
    try:
        ping(engine)
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise CheckFailed(f"cannot use {shown}: {reason}") from exc
    finally:
        engine.dispose()
    head = head_revision()
    if current is None:
        raise CheckFailed(f"{shown} has no schema yet: the server creates it when it starts")
    if current != head:
        raise CheckFailed(f"{shown} is at revision {current}, this release expects {head}: "
                          "start this release's server once (it upgrades at start-up), or "
                          "check that an older release is not running against a newer schema")
    return f"{shown}, schema at head {head}"


def _get_json(session: requests.Session, url: str, timeout: float) -> dict[str, Any]:
    """A JSON document, or :class:`CheckFailed` saying in plain words what went wrong."""
    host = urlsplit(url).netloc
    try:
        response = session.get(url, timeout=timeout)
    except requests.exceptions.SSLError as exc:
        raise CheckFailed(f"{host} presented a certificate this server does not trust: set "
                          "RA_CA_BUNDLE to the CA that signed it") from exc
    except requests.Timeout as exc:
        raise CheckFailed(f"{host} did not answer within {timeout:g} s") from exc
    except requests.RequestException as exc:
        raise CheckFailed(f"cannot reach {host}: {_reason(exc)}") from exc
    if response.status_code != 200:
        raise CheckFailed(f"{url} answered {response.status_code}"
                          + (f": {_entra_error(response)}" if _entra_error(response) else ""))
    try:
        document = response.json()
    except ValueError as exc:
        raise CheckFailed(f"{url} did not answer with JSON") from exc
    if not isinstance(document, dict):
        raise CheckFailed(f"{url} did not answer with a JSON object")
    return document


def _entra_error(response: requests.Response) -> str:
    """The first line of Entra ID's ``error_description`` (e.g. AADSTS90002), if any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    text = body.get("error_description") or body.get("error") if isinstance(body, dict) else ""
    return str(text or "").strip().splitlines()[0][:200] if text else ""


def _reason(exc: BaseException) -> str:
    # requests wraps urllib3's error, which wraps the socket's: the innermost one says it best.
    inner: BaseException = exc
    while True:
        nested = getattr(inner, "reason", None) or (inner.args[0] if inner.args else None)
        if not isinstance(nested, BaseException) or nested is inner:
            break
        inner = nested
    text = str(inner)
    return text.rsplit(": ", 1)[-1] if ": " in text else text or type(exc).__name__
