"""The organisation's on-send policy: what the Smart Alert checks before a message leaves.

An administrator may give a JSON file (``RA_POLICY_FILE``); every key is optional and replaces
the built-in default of the same name::

    {"keywords": ["confidential", "project falcon"],
     "patterns": [{"name": "IBAN", "pattern": "\\\\b[A-Z]{2}[0-9]{2}...", "check": "iban"}],
     "attachmentWords": ["attached", "anbei"],
     "internalDomains": ["contoso.com"],
     "warnExternal": true, "maxRecipients": 25, "holdMinutes": 5, "holdFor": "external"}

The file is read and checked once, at start-up, and a bad one stops the start with one line per
problem. ``launchevent.js`` carries the same defaults, so that the check still runs when the
backend cannot be reached.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from .errors import ConfigError

HOLD_FOR = ("external", "always")
CHECKS = ("none", "iban", "luhn")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class SensitivePattern:
    """A regular expression for data that should not leave by accident (IBAN, card numbers).

    ``pattern`` is run by JavaScript in Outlook, so it should keep to the syntax that JavaScript
    and Python share (it is compiled with Python's ``re`` at start-up to catch mistakes).
    ``check`` weeds out look-alikes: ``iban`` (ISO 13616 mod-97) or ``luhn`` (card numbers).
    """

    name: str
    pattern: str
    check: str = "none"
    ignore_case: bool = False


@dataclass(frozen=True)
class SendPolicy:
    keywords: tuple[str, ...]
    patterns: tuple[SensitivePattern, ...]
    attachment_words: tuple[str, ...]
    internal_domains: tuple[str, ...] = ()
    warn_external: bool = True
    max_recipients: int = 25  # 0: no limit
    hold_minutes: int = 0  # 0: no hold
    hold_for: str = "external"
    source: str = field(default="built-in", compare=False)

    def with_internal_domains(self, domains: tuple[str, ...]) -> SendPolicy:
        return replace(self, internal_domains=domains)


DEFAULT_SEND_POLICY = SendPolicy(
    keywords=("confidential", "password", "passwords", "salary", "strictly private",
              "vertraulich", "passwort", "gehalt", "confidentiel", "mot de passe", "salaire"),
    patterns=(
        SensitivePattern("IBAN", r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
                         check="iban"),
        SensitivePattern("credit card number", r"\b(?:[0-9][ -]?){12,18}[0-9]\b", check="luhn"),
    ),
    attachment_words=("attached", "attachment", "attachments", "enclosed", "anhang",
                      "angehängt", "anbei", "pièce jointe", "pièces jointes", "ci-joint",
                      "ci-jointe"),
)


def _phrases(maximum: int) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                       validate=validate.Length(max=maximum))


class SensitivePatternSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    pattern = fields.String(required=True, validate=validate.Length(min=1, max=300))
    check = fields.String(load_default="none", validate=validate.OneOf(CHECKS))
    ignoreCase = fields.Boolean(load_default=False, attribute="ignore_case",
                                data_key="ignoreCase")

    @validates("pattern")
    def _compiles(self, value: str, **_: Any) -> None:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValidationError(f"Not a valid regular expression ({exc}).") from exc
        if compiled.search("") is not None:
            raise ValidationError("Matches empty text, so it would flag every message.")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> SensitivePattern:
        return SensitivePattern(**data)


class SendPolicySchema(Schema):
    """The policy file; camelCase like the API. Unknown keys are refused (typos)."""

    keywords = _phrases(200)
    patterns = fields.List(fields.Nested(SensitivePatternSchema), validate=validate.Length(max=50))
    attachmentWords = _phrases(100)
    internalDomains = fields.List(fields.String(), validate=validate.Length(max=500))
    warnExternal = fields.Boolean()
    maxRecipients = fields.Integer(strict=True, validate=validate.Range(min=0, max=500))
    holdMinutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=120))
    holdFor = fields.String(validate=validate.OneOf(HOLD_FOR))

    @validates("internalDomains")
    def _domains(self, value: list[str], **_: Any) -> None:
        bad = [d for d in value if not _DOMAIN.match(d.strip().lower())]
        if bad:
            raise ValidationError(f"Not domain names: {', '.join(map(repr, bad[:5]))}.")


_FIELDS = {"keywords": "keywords", "patterns": "patterns", "attachmentWords": "attachment_words",
           "internalDomains": "internal_domains", "warnExternal": "warn_external",
           "maxRecipients": "max_recipients", "holdMinutes": "hold_minutes",
           "holdFor": "hold_for"}


def parse_send_policy(data: Any, *, source: str) -> SendPolicy:
    """The defaults with ``data``'s keys applied; :class:`ConfigError` lists every problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: must hold a JSON object.")
    try:
        loaded = SendPolicySchema().load(data)
    except ValidationError as exc:
        raise ConfigError([f"{source}: {where}: {message}"
                           for where, message in _flatten(exc.normalized_messages())]) from exc
    changes: dict[str, Any] = {}
    for key, value in loaded.items():
        if isinstance(value, list):
            value = tuple(value)
        if key in ("keywords", "attachmentWords"):
            value = tuple(dict.fromkeys(v.strip().lower() for v in value if v.strip()))
        elif key == "internalDomains":
            value = tuple(dict.fromkeys(d.strip().lower() for d in value))
        changes[_FIELDS[key]] = value
    return replace(DEFAULT_SEND_POLICY, source=source, **changes)


def load_send_policy(path: str | None, *, setting: str = "RA_POLICY_FILE") -> SendPolicy:
    """The policy from ``path`` (the built-in one when None), or :class:`ConfigError`."""
    if not path:
        return DEFAULT_SEND_POLICY
    source = f"{setting}={path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.__class__.__name__}).") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}).") from exc
    return parse_send_policy(data, source=source)


def policy_document(policy: SendPolicy) -> dict[str, Any]:
    """What ``GET /api/policy`` answers and ``launchevent.js`` reads."""
    return {
        "keywords": list(policy.keywords),
        "patterns": [{"name": p.name, "pattern": p.pattern, "check": p.check,
                      "ignoreCase": p.ignore_case} for p in policy.patterns],
        "attachmentWords": list(policy.attachment_words),
        "internalDomains": list(policy.internal_domains),
        "warnExternal": policy.warn_external,
        "maxRecipients": policy.max_recipients,
        "holdMinutes": policy.hold_minutes,
        "holdFor": policy.hold_for,
    }


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict as ``("patterns.0.pattern", "message")`` pairs."""
    if isinstance(messages, dict):
        pairs: list[tuple[str, str]] = []
        for key, value in messages.items():
            pairs.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(prefix or "policy", " ".join(messages))]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, prefix)]
    return [(prefix or "policy", str(messages))]
