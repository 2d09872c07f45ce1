"""The ``recall-assistant`` command: serve, demo, manifest, check-config, audit export.

This is the one module that wires the sandbox tenant in: nothing else imports ``sandbox``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .config import Settings, load_settings
from .errors import ConfigError
from .ops.devcerts import DevCertificates, ensure_dev_certificates

EXIT_CONFIG = 2
EXIT_CHECK_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"recall-assistant: {problem}", file=sys.stderr)
        return EXIT_CONFIG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recall-assistant", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="serve the task pane against the sandbox tenant")
    demo.add_argument("--tenant", metavar="FILE", help="tenant fixture (default: the shipped one)")
    _listen_options(demo)
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser("serve", help="serve the backend with gunicorn (production)")
    _listen_options(serve)
    serve.add_argument("--workers", type=_positive, metavar="N",
                       help="worker processes (default: RA_WORKERS, else 2)")
    serve.add_argument("--threads", type=_positive, metavar="N",
                       help="threads per worker (default: RA_THREADS, else 4)")
    serve.add_argument("--tls-cert", help="certificate file (default: the local dev certificate)")
    serve.add_argument("--tls-key", help="key file for --tls-cert")
    serve.add_argument("--no-tls", action="store_true",
                       help="plain HTTP, behind a proxy that terminates TLS (see RA_PROXY_COUNT)")
    serve.set_defaults(handler=_serve)

    check = commands.add_parser(
        "check-config", help="check the settings, Entra ID, Graph and the database, one line each")
    token = check.add_mutually_exclusive_group()
    token.add_argument("--test-token", metavar="TOKEN",
                       help="an access token the task pane sent (visible in the process list: "
                            "prefer --test-token-file)")
    token.add_argument("--test-token-file", metavar="FILE",
                       help="a file holding such a token ('-': standard input)")
    check.add_argument("--mailbox", metavar="ADDRESS",
                       help="with RA_DEEP_CHECK=1: the mailbox to read as the app (default: "
                            "the test token's user)")
    check.set_defaults(handler=_check_config)

    manifest = commands.add_parser(
        "manifest", help="write the Outlook add-in manifests (XML and unified JSON)")
    manifest.add_argument("--base-url", metavar="URL",
                          help="https origin that serves the add-in (default: RA_PUBLIC_URL)")
    manifest.add_argument("--client-id", metavar="GUID",
                          help="the app registration's client id (default: RA_CLIENT_ID)")
    manifest.add_argument("--out", metavar="DIR", default="build/manifest",
                          help="folder to write into (default: build/manifest)")
    manifest.add_argument("--addin-id", metavar="GUID",
                          help="the add-in's own id (default: derived from URL and client id)")
    manifest.add_argument("--provider", default="Recall Assistant",
                          help="publisher name shown in Outlook")
    manifest.set_defaults(handler=_manifest)
    _audit_commands(commands)
    return parser


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")


def sandbox_environment(env: Mapping[str, str], port: int,
                        certs: DevCertificates) -> dict[str, str]:
    """The environment the demo runs with: sandbox mode, pointing at itself over HTTPS, with a
    database of its own (never the one ``serve`` uses by default)."""
    from .config import default_data_dir

    merged = dict(env)
    merged["RA_MODE"] = "sandbox"
    merged.setdefault("DATABASE_URL", f"sqlite:///{default_data_dir(env) / DEMO_DATABASE}")
    merged.setdefault("RA_PUBLIC_URL", f"https://localhost:{port}")
    merged.setdefault("RA_CA_BUNDLE", str(certs.ca_cert))
    return merged


def build_demo_app(settings: Settings, tenant: Any, options: Any) -> Any:
    """The backend with the sandbox tenant mounted under ``/sandbox`` (sandbox mode only)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from .app import create_app

    backend = create_app(settings)
    if settings.mode != "sandbox":
        return backend
    from .sandbox import create_sandbox_app

    sandbox_app = create_sandbox_app(tenant, settings, options)
    # "Reset the sandbox" empties the demo's database with the mailboxes: a recall stored for
    # a message the reset brought back would otherwise still say it was recalled.
    rt = backend.extensions["recall_assistant"]
    sandbox_app.extensions["sandbox"].reset_hooks.append(lambda: empty_database(rt.engine))
    backend.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        backend.wsgi_app, {"/sandbox": sandbox_app}
    )
    return backend


def empty_database(engine: Any) -> None:
    """The schema undone by its own migrations and built again, empty: the audit log is
    append-only (its triggers refuse DELETE), so rows cannot simply be deleted. For the demo's
    reset only (sandbox mode)."""
    from alembic import command

    from .store.migrate import alembic_config, upgrade_to_head

    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    upgrade_to_head(engine)


def settings_for_tenant(settings: Settings, tenant: Any) -> Settings:
    """Mirror the fixture's tenant id and recall policy into the settings (as an admin would)."""
    policy = tenant.policy
    return settings.replace(
        tenant_id=tenant.id,
        recall_enabled=policy.message_recall_enabled,
        recall_read_enabled=policy.recall_read_messages_enabled,
        max_recallable_age_days=policy.max_recallable_age_days,
        cross_tenant_domains=policy.cross_tenant_domains,
    )


DEMO_DATABASE = "demo.db"


def _demo(args: argparse.Namespace) -> int:
    from .config import default_data_dir
    from .ops.devserver import make_dev_server
    from .sandbox.fixture import load_tenant
    from .sandbox.options import load_sandbox_options

    tenant = load_tenant(args.tenant)
    certs = ensure_dev_certificates(default_data_dir(os.environ) / "certs")
    env = sandbox_environment(os.environ, args.port, certs)
    settings = settings_for_tenant(load_settings(env), tenant)
    app = build_demo_app(settings, tenant, load_sandbox_options(env))
    if "DATABASE_URL" not in os.environ:
        # The sandbox's mailboxes start as seeded: so does what the demo stored about them.
        empty_database(app.extensions["recall_assistant"].engine)
    print(certs.trust_instructions())
    print(f"Sandbox tenant: {tenant.display_name} ({tenant.source})")
    print(f"Recall Assistant demo: {settings.public_url}/demo", flush=True)
    server = make_dev_server(args.host, args.port, app, str(certs.cert), str(certs.key))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        server.shutdown()
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _serve(args: argparse.Namespace) -> int:
    from .ops.server import Listen, run

    settings = load_settings()
    if args.no_tls and (args.tls_cert or args.tls_key):
        raise ConfigError("--no-tls cannot be given with --tls-cert or --tls-key.")
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together.")
    certfile = keyfile = None
    if args.tls_cert:
        certfile, keyfile = args.tls_cert, args.tls_key
    elif not args.no_tls:
        certs = ensure_dev_certificates(settings.data_dir / "certs")
        certfile, keyfile = str(certs.cert), str(certs.key)
    listen = Listen(host=args.host, port=args.port,
                    workers=args.workers or settings.workers,
                    threads=args.threads or settings.threads,
                    certfile=certfile, keyfile=keyfile)
    return run(settings, listen)


def _check_config(args: argparse.Namespace) -> int:
    from .httpclient import new_session
    from .ops.checks import Checkup

    settings = load_settings()  # bad settings: one line each on stderr, exit status 2
    token = _test_token(args)
    print(f"mode            {settings.mode}")
    print(f"public URL      {settings.public_url}")
    print(f"tenant          {settings.tenant_id}")
    print(f"client id       {settings.client_id}")
    print(f"API audience    {settings.api_audience}")
    print(f"authority       {settings.authority}")
    print(f"Graph           {settings.graph_url}")
    print(f"database        {_without_password(settings.database_url)}")
    print(f"deep check      {'on' if settings.deep_check else 'off'}")
    print()
    print(f"{'settings':<22}ok")
    checkup = Checkup(settings, new_session(settings), test_token=token, mailbox=args.mailbox)
    for result in checkup.run():
        print(result.line(), flush=True)
    failed = sum(result.failed for result in checkup.results)
    print()
    if failed:
        print(f"check-config: {failed} of {len(checkup.results) + 1} checks FAILED.")
        return EXIT_CHECK_FAILED
    print("check-config: no check failed.")
    return 0


def _test_token(args: argparse.Namespace) -> str | None:
    """The test token from --test-token or --test-token-file, without a "Bearer " prefix."""
    from pathlib import Path

    raw, source = args.test_token, args.test_token_file
    if source:
        try:
            raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--test-token-file {source}: cannot be read "
                              f"({type(exc).__name__}).") from exc
    if raw is None:
        return None
    import re

    token = re.sub(r"^bearer(\s+|$)", "", raw.strip(), flags=re.IGNORECASE)
    if not token:
        raise ConfigError("The test token is empty.")
    return token


def _without_password(database_url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return database_url.split("@")[-1]


def _manifest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .ops.manifests import manifest_target, write_manifests

    base_url, client_id = args.base_url, args.client_id
    if base_url is None or client_id is None:  # only then do the settings matter
        settings = load_settings()
        base_url = settings.public_url if base_url is None else base_url
        client_id = settings.client_id if client_id is None else client_id
    target = manifest_target(base_url, client_id, addin_id=args.addin_id, provider=args.provider)
    for path in write_manifests(target, Path(args.out)):
        print(path)
    print(f"add-in {target.addin_id} for {target.base_url} (SSO resource {target.resource})")
    return 0


def _audit_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit log (administrators)")
    actions = audit.add_subparsers(required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="write the audit events of a period as CSV or JSON, oldest first")
    export.add_argument("--since", required=True, type=_instant, metavar="ISO",
                        help="first instant, inclusive (2026-11-01 or 2026-11-01T09:00:00Z)")
    export.add_argument("--until", type=_instant, metavar="ISO",
                        help="end, exclusive (default: none); no offset means UTC")
    export.add_argument("--format", choices=("csv", "json"), default="csv",
                        help="csv (default; spreadsheet-safe) or json (an array)")
    export.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    export.add_argument("--tenant", metavar="TENANT_ID",
                        help="whose events (default: RA_TENANT_ID; required when "
                             "RA_ALLOWED_TENANTS lists more than one tenant)")
    export.set_defaults(handler=_audit_export)


def _instant(text: str) -> Any:
    from .services.audit import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _export_tenant(settings: Any, wanted: str | None) -> str | None:
    """The one tenant whose events an export holds; None (after saying why) when unclear."""
    served = {settings.tenant_id.lower(), *(tid.lower() for tid in settings.allowed_tenants)}
    if wanted is None:
        if len(served) > 1:
            print("recall-assistant: this deployment serves several tenants "
                  f"({', '.join(sorted(served))}); say whose events with --tenant.",
                  file=sys.stderr)
            return None
        return settings.tenant_id.lower()
    if wanted.lower() not in served:
        print(f"recall-assistant: --tenant {wanted} is not a tenant this deployment serves "
              f"({', '.join(sorted(served))}).", file=sys.stderr)
        return None
    return wanted.lower()


def _audit_export(args: argparse.Namespace) -> int:
    from .services.audit import write_csv, write_json
    from .store import Store, StoreUnavailable
    from .store.db import make_engine

    settings = load_settings()
    if args.until is not None and args.until <= args.since:
        print("recall-assistant: --until must be later than --since.", file=sys.stderr)
        return EXIT_CONFIG
    tenant = _export_tenant(settings, args.tenant)
    if tenant is None:
        return EXIT_CONFIG
    engine = make_engine(settings.database_url)
    events = Store(engine).iter_audit(tenant_id=tenant, since=args.since, until=args.until)
    write = write_csv if args.format == "csv" else write_json
    # With --out, write beside the target and rename: a failed export leaves no half file.
    partial = f"{args.out}.partial" if args.out else None
    try:
        if partial:
            with open(partial, "w", encoding="utf-8", newline="") as stream:
                count = write(events, stream)
            os.replace(partial, args.out)
        else:
            count = write(events, sys.stdout)
            sys.stdout.flush()
    except StoreUnavailable:
        if partial and os.path.exists(partial):
            os.remove(partial)
        print("recall-assistant: the database did not answer; nothing was exported.",
              file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"recall-assistant: exported {count} audit events.", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
