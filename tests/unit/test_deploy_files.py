"""The container files, read statically (no Docker engine runs the tests): the Dockerfile copies
what exists to where the code looks, the compose file is well formed and wires the replicas,
nginx sets every header the backend believes, and the example settings are valid."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

import pytest
import yaml  # PyYAML comes with the test tools (responses needs it)

from recall_assistant.api.pages import MSAL_IN_ROOT
from recall_assistant.config import load_settings
from recall_assistant.ops.server import KEEPALIVE_S, LIMIT_REQUEST_FIELD_SIZE

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                          if not line.lstrip().startswith("#")))
    result = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
               for pattern in dockerignore())


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def example_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


# -- Dockerfile ------------------------------------------------------------------------------

def test_every_path_the_build_copies_exists_and_is_sent_to_the_build():
    copies = [rest for word, rest in dockerfile_instructions()
              if word == "COPY" and not rest.startswith("--from")]
    assert copies
    for rest in copies:
        *sources, _ = shlex.split(rest)
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"
            assert not ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_setup_cfg_finds_what_the_build_copies():
    # `pip install .` reads setup.cfg, which reads README.md and the package under backend/.
    setup = (REPO / "setup.cfg").read_text(encoding="utf-8")
    assert "long_description = file: README.md" in setup
    copied = " ".join(rest for word, rest in dockerfile_instructions() if word == "COPY")
    for needed in ("setup.cfg", "pyproject.toml", "README.md", "backend"):
        assert needed in copied
    # The image installs the redis extra, for the replicas' shared rate-limit counters.
    run = " ".join(rest for word, rest in dockerfile_instructions() if word == "RUN")
    if "[redis]" in run:
        assert re.search(r"^redis =", setup, re.M), "setup.cfg has no redis extra"


def test_the_final_image_runs_python_311_slim_as_a_user_that_is_not_root():
    stage = final_stage()
    assert stage[0] == ("FROM", "python:3.11-slim")
    users = [rest for word, rest in stage if word == "USER"]
    assert users, "no USER in the final stage"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_front_end_and_msal_land_where_ra_frontend_dir_says():
    stage = final_stage()
    frontend = env_of(stage)["RA_FRONTEND_DIR"]
    targets = {shlex.split(rest)[-1]: rest for word, rest in stage if word == "COPY"}
    assert frontend in targets, f"nothing is copied to RA_FRONTEND_DIR={frontend}"
    assert shlex.split(targets[frontend])[0] == "frontend"
    msal = str(Path(frontend).parent / MSAL_IN_ROOT)
    assert msal in targets, f"MSAL.js is not copied to {msal}, where the server looks"
    # ...from the npm package that package-lock.json pins as a (non-dev) dependency.
    assert (REPO / MSAL_IN_ROOT).parts[-4:-2] == ("@azure", "msal-browser")
    assert '"@azure/msal-browser"' in (REPO / "package.json").read_text(encoding="utf-8")


def test_it_serves_plain_http_behind_the_proxy_and_checks_its_health_there():
    stage = final_stage()
    command = shlex.split(next(rest for word, rest in stage if word == "CMD").replace(",", " "))
    command = [part.strip("[]\"") for part in command]
    assert command[:3] == ["recall-assistant", "serve", "--no-tls"]
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - behind the proxy
    health = next(rest for word, rest in stage if word == "HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/healthz" in health
    assert ("EXPOSE", port) in stage


# -- compose.yaml -----------------------------------------------------------------------------

def test_compose_runs_two_backends_behind_the_proxy_with_postgresql():
    services = compose()["services"]
    assert set(services) >= {"proxy", "backend", "db"}
    backend = services["backend"]
    assert backend["deploy"]["replicas"] == 2
    assert backend["build"]["dockerfile"] == "Dockerfile"
    assert (DEPLOY / backend["build"]["context"] / "Dockerfile").is_file()
    env = backend["environment"]
    assert env["RA_MODE"] == "tenant"
    assert env["RA_PROXY_COUNT"] == "1"  # exactly the one nginx in front
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert backend["depends_on"]["db"]["condition"] == "service_healthy"
    assert "ports" not in backend, "the backends must be reachable only through the proxy"


def test_compose_gives_postgresql_a_named_volume_and_a_health_check():
    document = compose()
    db = document["services"]["db"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in document["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_mounts_the_nginx_config_and_waits_for_healthy_backends():
    proxy = compose()["services"]["proxy"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in proxy["volumes"]}
    assert (DEPLOY / mounts["/etc/nginx/nginx.conf"]).is_file()
    assert proxy["depends_on"]["backend"]["condition"] == "service_healthy"
    assert "443:443" in proxy["ports"]


def test_the_backends_get_longer_to_stop_than_gunicorn_waits_for_requests():
    backend = compose()["services"]["backend"]
    grace = int(backend["stop_grace_period"].rstrip("s"))
    assert grace > load_settings({"RA_DATA_DIR": "/tmp/x"}).graceful_timeout_s


# -- nginx.conf -------------------------------------------------------------------------------

def nginx() -> str:
    return (DEPLOY / "nginx.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Forwarded-Proto",
                                    "X-Forwarded-Host", "X-Forwarded-Port"])
def test_nginx_sets_every_forwarded_header_the_backend_believes(header):
    # Set, not passed through: with RA_PROXY_COUNT=1 the backend trusts the last value.
    assert re.search(rf"^\s*proxy_set_header {header} \$\S+;", nginx(), re.M), header


def test_nginx_forwards_to_the_backend_service_on_the_port_it_listens_on():
    port = next(rest for word, rest in final_stage() if word == "EXPOSE")
    assert re.search(rf"^\s*server backend:{port}\b", nginx(), re.M)
    assert "backend" in compose()["services"]


def test_nginx_terminates_tls_and_leaves_security_headers_to_the_backend():
    config = nginx()
    assert re.search(r"^\s*listen 443 ssl;", config, re.M)
    assert "ssl_certificate     /etc/nginx/certs/" in config
    assert "Strict-Transport-Security" not in config


def test_nginx_drops_idle_connections_before_gunicorn_does():
    timeout = int(re.search(r"keepalive_timeout (\d+)s;", nginx())[1])
    assert timeout < KEEPALIVE_S


# -- .env.example -----------------------------------------------------------------------------

def test_the_example_settings_are_a_valid_tenant_configuration(tmp_path):
    env = example_env()
    known = (REPO / "backend" / "recall_assistant" / "config.py").read_text(encoding="utf-8")
    for name in env:
        if name.startswith("RA_"):
            assert f'"{name}"' in known, f"{name} is not a setting"
    assert {"RA_PUBLIC_URL", "RA_TENANT_ID", "RA_CLIENT_ID", "RA_API_AUDIENCE",
            "RA_CLIENT_SECRET", "POSTGRES_PASSWORD"} <= set(env)
    compose_env = compose()["services"]["backend"]["environment"]
    settings = load_settings({**env, **{k: v for k, v in compose_env.items()
                                        if k != "DATABASE_URL"}, "RA_DATA_DIR": str(tmp_path)})
    assert settings.mode == "tenant"
    assert settings.api_audience == f"api://addin.contoso.com/{settings.client_id}"


def test_the_example_holds_no_real_secret():
    env = example_env()
    assert env["RA_CLIENT_SECRET"].startswith("replace-")
    assert env["POSTGRES_PASSWORD"].startswith("replace-")
    gitignore = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore and "certs/" in gitignore


def test_nginx_never_redirects_to_a_host_taken_from_the_request():
    # A `return 30x https://$host...` (or $http_host) sends a client wherever its Host header
    # says; there is no plain-HTTP listener to redirect from.
    config = nginx()
    assert not re.search(r"^\s*return 30[1278]\b[^;]*\$(http_)?host", config, re.M)
    assert not re.search(r"^\s*listen 80\b", config, re.M)
    assert "80:80" not in str(compose()["services"]["proxy"].get("ports"))


def test_nginx_passes_the_longest_token_the_backend_accepts():
    _count, size = re.search(r"^\s*large_client_header_buffers (\d+) (\d+)k;", nginx(),
                            re.M).groups()
    assert int(size) * 1024 >= LIMIT_REQUEST_FIELD_SIZE
