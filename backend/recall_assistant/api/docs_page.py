"""The API docs page: the OpenAPI document rendered on the server as plain HTML.

No script and no inline style, so the page works under a Content-Security-Policy that allows
only ``'self'``, and needs no CDN. Its stylesheet is ``/docs.css``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def type_label(schema: dict[str, Any] | None) -> str:
    """A JSON schema in a few words: ``string or null``, ``array of Recipient``, ``one of …``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_label(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for name in kinds:
        if name == "array":
            words.append(f"array of {type_label(schema.get('items'))}")
        elif name == "object" and isinstance(schema.get("additionalProperties"), dict):
            words.append(f"map of {type_label(schema['additionalProperties'])}")
        else:
            words.append(name)
    return " or ".join(words)


def constraints(schema: dict[str, Any] | None) -> str:
    """The limits a value must keep, in words."""
    if not schema:
        return ""
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(v) for v in schema["enum"] if v is not None))
    for key, word in (("minLength", "min length"), ("maxLength", "max length"),
                      ("minimum", "min"), ("maximum", "max"), ("minItems", "min items"),
                      ("maxItems", "max items"), ("maxProperties", "max entries"),
                      ("pattern", "pattern"), ("format", "format"), ("default", "default")):
        if key in schema and schema[key] is not None:
            parts.append(f"{word} {schema[key]}")
    return "; ".join(parts)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            found.append({"path": path, "method": method.upper(), "op": operation,
                          "anchor": operation.get("operationId", f"{method}-{path}")})
    found.sort(key=lambda o: (o["path"], METHOD_ORDER.get(o["method"].lower(), 9)))
    return found


def _success(responses: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(status, r) for status, r in sorted(responses.items())
            if "x-error-codes" not in r]


def _errors(responses: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(status, r) for status, r in sorted(responses.items()) if "x-error-codes" in r]


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


_ENV.filters.update(success=_success, errors=_errors, pretty=_pretty)

TEMPLATE = _ENV.from_string(
    (Path(__file__).with_name("docs.html")).read_text(encoding="utf-8"))


def split_label(schema: dict[str, Any] | None) -> tuple[str, str, str]:
    """``type_label`` cut around the component schema it names (the page links that name)."""
    label = type_label(schema)
    ref = _first_ref(schema)
    if ref and ref in label:
        before, _, after = label.partition(ref)
        return before, ref, after
    return label, "", ""


def _first_ref(schema: Any) -> str:
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            return _first_ref(schema[key])
    for option in schema.get("anyOf", []):
        found = _first_ref(option)
        if found:
            return found
    return ""


def intro(text: str) -> tuple[list[list[tuple[str, bool]]], list[list[tuple[str, bool]]]]:
    """The document's description as paragraphs and bullet items; each a list of pieces,
    ``(text, is_code)``, where `backticks` marked code."""
    paragraphs: list[str] = []
    bullets: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("* "):
            bullets.append(stripped[2:])
        elif line.startswith(" ") and bullets:
            bullets[-1] += " " + stripped
        else:
            paragraphs.append(stripped)

    def pieces(item: str) -> list[tuple[str, bool]]:
        return [(part, i % 2 == 1) for i, part in enumerate(item.split("`")) if part]

    return [pieces(p) for p in paragraphs], [pieces(b) for b in bullets]


def error_codes(document: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Every error code in ``document``: code → {"statuses": [...], "operations": [...]}."""
    found: dict[str, dict[str, list[str]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for code in response.get("x-error-codes", []):
                    entry = found.setdefault(code, {"statuses": [], "operations": []})
                    if status not in entry["statuses"]:
                        entry["statuses"].append(status)
                    entry["operations"].append(f"{method.upper()} {path}")
    return dict(sorted(found.items()))


def render_docs(document: dict[str, Any]) -> str:
    """The page for ``document`` (an OpenAPI 3.1 dict as ``build_document`` makes it)."""
    paragraphs, bullets = intro(document["info"].get("description", ""))
    return TEMPLATE.render(info=document["info"], openapi_version=document["openapi"],
                           paragraphs=paragraphs, bullets=bullets,
                           operations=_operations(document), codes=error_codes(document),
                           schemas=document.get("components", {}).get("schemas", {}))


_ENV.globals.update(type_label=type_label, constraints=constraints, split_label=split_label)
STYLE = Path(__file__).with_name("docs.css").read_text(encoding="utf-8")
