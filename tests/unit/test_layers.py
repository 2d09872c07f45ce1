"""The package's layers, held by its imports: ``app``/``cli`` → ``api`` → ``services`` →
(``recall`` | ``graph`` | ``store``), ``api`` → ``auth``; ``recall/`` (the domain) imports
nothing of ours; nothing imports ``sandbox/`` but the CLI, which wires the demo.

Beside the layers sit the shared modules at the package root (settings, the error hierarchy,
logs, metrics, the HTTP session, languages, the on-send policy), which any layer but the
domain may use. The API maps Graph's errors to its own answers, so it alone of the upper
layers may read ``graph/errors.py``."""

from __future__ import annotations

from tests.support.imports import import_graph

SHARED = "shared"
LAYERS = ("api", "auth", "services", "recall", "graph", "store", "ops", "sandbox")
MAY_IMPORT = {
    "top": {"api", "auth", "services", "recall", "graph", "store", "ops", SHARED},
    "ops": {"top", "api", "auth", "services", "recall", "graph", "store", SHARED},
    "api": {"services", "auth", "recall", SHARED},
    "services": {"recall", "graph", "store", SHARED},
    "auth": {SHARED},
    "graph": {"recall", SHARED},
    "store": {SHARED},
    "recall": set(),
    SHARED: {"recall"},  # the languages module says the domain's texts
    "sandbox": {"ops", SHARED},  # the demo's certificates
}
EXCEPTIONS = {
    ("api", "recall_assistant.graph.errors"),  # the one table of what Graph's errors answer
    ("recall_assistant.cli", "sandbox"),  # the demo wiring
}


def layer(module: str) -> str:
    name = module.split(".")[1]
    if name in ("app", "cli"):
        return "top"
    return name if name in LAYERS else SHARED


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        here = layer(module)
        for target in sorted(imported):
            there = layer(target)
            if there == here or there in MAY_IMPORT[here]:
                continue
            if (here, target) in EXCEPTIONS or (module, there) in EXCEPTIONS:
                continue
            found.append(f"{module} ({here}) imports {target} ({there})")
    return found


def test_every_import_follows_the_layers():
    assert violations(import_graph()) == []


def test_the_check_sees_an_import_across_the_layers():
    assert violations({"recall_assistant.recall.model": {"recall_assistant.config"},
                       "recall_assistant.api.me": {"recall_assistant.graph.directory"},
                       "recall_assistant.services.x": {"recall_assistant.sandbox.state"},
                       "recall_assistant.app": {"recall_assistant.sandbox"},
                       "recall_assistant.api.once": {"recall_assistant.graph.errors"},
                       "recall_assistant.cli": {"recall_assistant.sandbox.app"}}) == [
        "recall_assistant.api.me (api) imports recall_assistant.graph.directory (graph)",
        "recall_assistant.app (top) imports recall_assistant.sandbox (sandbox)",
        "recall_assistant.recall.model (recall) imports recall_assistant.config (shared)",
        "recall_assistant.services.x (services) imports recall_assistant.sandbox.state (sandbox)",
    ]
