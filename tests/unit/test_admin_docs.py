"""docs/administrators.md keeps up with the code: every error code the API can answer with is
in its troubleshooting tables, every setting it names exists, every README anchor it links to
is there."""

from __future__ import annotations

import re
from pathlib import Path

from recall_assistant.auth.tokens import REASONS
from recall_assistant.errors import RecallAssistantError

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "backend" / "recall_assistant"
DOC = (REPO / "docs" / "administrators.md").read_text(encoding="utf-8")

# `code = "x"`, `code: str = "x"`, `code="x"`, and the audience errors' first argument.
CODE = re.compile(r'\bcode(?::\s*str)?\s*=\s*"([a-z][a-z0-9_]*)"|AudienceError\(\s*"([a-z_]+)"')


def api_error_codes() -> set[str]:
    codes = {RecallAssistantError.code, *REASONS}
    for path in PACKAGE.rglob("*.py"):
        if "sandbox" in path.relative_to(PACKAGE).parts:
            continue  # the stand-in's codes are Microsoft's, not ours
        for match in CODE.finditer(path.read_text(encoding="utf-8")):
            codes.add(match[1] or match[2])
    return codes


def test_the_code_scan_finds_the_codes_it_should():
    codes = api_error_codes()
    assert {"internal_error", "consent_required", "wrong_audience", "database_unavailable",
            "recipients_not_in_original", "graph_outcome_unknown"} <= codes


def test_every_error_code_is_explained_for_administrators():
    documented = set(re.findall(r"`([a-z][a-z0-9_]*)`", DOC))
    missing = sorted(api_error_codes() - documented)
    assert not missing, f"add these codes to docs/administrators.md, section 7: {missing}"


def test_every_setting_the_guide_names_exists():
    config = (PACKAGE / "config.py").read_text(encoding="utf-8")
    named = set(re.findall(r"\bRA_[A-Z_]+[A-Z]\b", DOC))
    unknown = sorted(name for name in named if f'"{name}"' not in config)
    assert not unknown, unknown


def test_the_readme_sections_it_links_to_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", readme, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    for anchor in re.findall(r"\.\./README\.md#([\w-]+)", DOC):
        assert anchor in anchors, f"README has no section #{anchor}"


def test_the_limits_gunicorn_enforces_are_the_ones_the_guide_states():
    from recall_assistant.auth.tokens import MAX_TOKEN_CHARS
    from recall_assistant.ops.server import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_LINE

    for figure in (LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_LINE, MAX_TOKEN_CHARS):
        assert f"{figure:,} " in DOC, figure
