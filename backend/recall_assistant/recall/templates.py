"""Correction templates: the built-ins, the organisation's own files, and rendering them safely.

A template has a subject pattern (plain text), an HTML body and declared fields that the
sender fills in. Rendering runs in Jinja2's sandbox with autoescaping for the body, so no value
a person types can add markup (``<script>`` arrives as ``&lt;script&gt;``), and values are data,
never template source (``{{ 7*7 }}`` arrives as typed). Subjects are not HTML-escaped but lose
line breaks and control characters and are capped.

Organisation templates are JSON files in one directory (docs/templates.md), read by
``services.template_files``; here a template is parsed from their data (``template_from_dict``).
Everything here is pure: no files, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .builtin_templates import BUILTIN_TEMPLATES
from .correction_text import clean_subject, clean_value, format_sent_date, html_to_text

Origin = Literal["builtin", "organisation"]

# The variables every template may use besides its fields.
CONTEXT_VARIABLES = ("original_subject", "sender_name", "sent_date", "sent_at")
DEFAULT_MAX_LENGTH = 500
FIELD_MAX_CEILING = 10_000
MAX_FIELDS = 20
SOURCE_MAX = 50_000  # characters of a body or subject template
RENDERED_MAX = 200_000  # characters of a rendered body

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TEMPLATE_KEYS = frozenset({"id", "title", "description", "subject", "body", "fields"})
_FIELD_KEYS = frozenset({"name", "label", "required", "max_length", "multiline"})


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class TemplateField:
    """A value the sender fills in. ``name`` is what the template writes ``{{ name }}``."""

    name: str
    label: str
    required: bool = False
    max_length: int = DEFAULT_MAX_LENGTH
    multiline: bool = False


@dataclass(frozen=True)
class CorrectionTemplate:
    """A correction: subject pattern (plain text), body (HTML), fields. ``source`` is the file
    an organisation template came from."""

    id: str
    title: str
    subject: str
    body: str
    fields: tuple[TemplateField, ...] = ()
    description: str = ""
    origin: Origin = "builtin"
    source: str = ""


@dataclass(frozen=True)
class CorrectionContext:
    """What the template may say about the original message. ``sent_at`` must be aware; pass
    it in the zone the recipients should read (``sent_date`` shows that zone's name).
    ``sent_date``, when given, is that moment already written for its reader (their language
    and zone); otherwise ``sent_at`` is written in English."""

    original_subject: str
    sender_name: str = ""
    sent_at: dt.datetime | None = None
    sent_date: str | None = None


@dataclass(frozen=True)
class RenderedCorrection:
    subject: str
    html_body: str  # an HTML fragment
    text_body: str


@dataclass(frozen=True)
class TemplateCatalog:
    """The templates on offer (built-ins, with organisation ones replacing or joining them) and
    the problems met loading them. ``version`` changes whenever the files do: log the problems
    once per version, and use it as an ETag."""

    templates: tuple[CorrectionTemplate, ...]
    problems: tuple[str, ...] = ()
    version: str = ""

    def get(self, template_id: str) -> CorrectionTemplate | None:
        return next((t for t in self.templates if t.id == template_id), None)


class TemplateError(ValueError):
    """Root of this module's errors."""


class InvalidTemplate(TemplateError):
    """A template definition breaks the rules; ``problems`` says how, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


class TemplateFieldError(TemplateError):
    """The values given do not fit the template's fields (the caller's input: a 422)."""

    def __init__(self, *, missing: list[str], unknown: list[str], too_long: list[str],
                 not_text: list[str]):
        self.missing, self.unknown = tuple(missing), tuple(unknown)
        self.too_long, self.not_text = tuple(too_long), tuple(not_text)
        parts = [f"{label}: {', '.join(names)}" for label, names in (
            ("missing required fields", missing), ("unknown fields", unknown),
            ("too long", too_long), ("not text", not_text)) if names]
        super().__init__("; ".join(parts))

    def details(self) -> dict[str, list[str]]:
        """The lists by kind, for an API error's ``details``."""
        return {k: list(v) for k, v in (("missing", self.missing), ("unknown", self.unknown),
                                        ("tooLong", self.too_long), ("notText", self.not_text))
                if v}


class TemplateRenderError(TemplateError):
    """The template itself failed while rendering (the sandbox refused something, it used a
    variable it does not have, or its output is too large): the organisation must fix it."""


# ---------------------------------------------------------------------------- the sandbox


class _Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with no globals (no ``range``, ``lipsum``...) and with ``*``/``**``
    checked, so that a template cannot ask for a gigabyte string."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sizes = [abs(v) for v in (left, right) if isinstance(v, int)]
        sequence = any(isinstance(v, (str, list, tuple)) for v in (left, right))
        if (operator == "*" and sequence and any(n > 1000 for n in sizes)) or (
                operator == "**" and sizes and sizes[-1] > 100):
            raise SecurityError(f"the result of {operator} would be too large")
        return super().call_binop(context, operator, left, right)


def _nl2br_html(value: object) -> Markup:
    return Markup("<br>\n").join(escape(str(value)).split("\n"))


def _nl2br_text(value: object) -> str:
    return str(value).replace("\n", " ")


def _environment(autoescape: bool) -> _Sandbox:
    # No trim_blocks: it eats the line break after "{% endif %}", gluing words together.
    env = _Sandbox(autoescape=autoescape, undefined=jinja2.StrictUndefined)
    env.globals.clear()
    env.filters["nl2br"] = _nl2br_html if autoescape else _nl2br_text
    return env


_HTML = _environment(autoescape=True)
_TEXT = _environment(autoescape=False)


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> jinja2.Template:
    return (_HTML if html else _TEXT).from_string(source)


# Loops and macros are refused so that a template's work stays proportional to its size.
_FORBIDDEN: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Extends, "extends"), (nodes.Include, "include"), (nodes.Import, "import"),
    (nodes.FromImport, "import"), (nodes.For, "for"), (nodes.Macro, "macro"),
    (nodes.CallBlock, "call"),
)


def _check_source(what: str, source: str, html: bool, names: set[str]) -> list[str]:
    """Problems of one template source: syntax, forbidden tags, private attributes, and
    variables that are neither fields nor context."""
    env = _HTML if html else _TEXT
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as error:
        return [f"{what}: line {error.lineno}: {error.message}"]
    problems = [f"{what}: line {node.lineno}: {{% {tag} %}} is not allowed"
                for kind, tag in _FORBIDDEN for node in tree.find_all(kind)]
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            problems.append(f"{what}: line {node.lineno}: {name!r} is not allowed")
    unknown = sorted(meta.find_undeclared_variables(tree) - names)
    if unknown:
        problems.append(f"{what}: unknown variables {', '.join(unknown)} (declare them as "
                        f"fields, or use {', '.join(CONTEXT_VARIABLES)})")
    return problems


# ---------------------------------------------------------------------------- definitions


def _text(data: Mapping[str, Any], key: str, problems: list[str], *, limit: int,
          required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        problems.append(f"{key!r} must be {'non-empty ' if required else ''}text of at most "
                        f"{limit} characters")
        return ""
    return value.strip()


def _field(raw: Any, index: int, problems: list[str]) -> TemplateField | None:
    where = f"fields[{index}]"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be an object")
        return None
    before = len(problems)
    extra = sorted(set(map(str, raw)) - _FIELD_KEYS)
    if extra:
        problems.append(f"{where}: unknown keys {', '.join(extra)}")
    name = raw.get("name")
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
        problems.append(f"{where}: 'name' must be lower-case letters, digits and _ "
                        f"(a letter first, at most 40)")
    elif name in CONTEXT_VARIABLES:
        problems.append(f"{where}: {name!r} is a built-in variable; choose another name")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > 120:
        problems.append(f"{where}: 'label' must be non-empty text of at most 120 characters")
    flags = {key: raw.get(key, False) for key in ("required", "multiline")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            problems.append(f"{where}: {key!r} must be true or false")
    max_length = raw.get("max_length", DEFAULT_MAX_LENGTH)
    if isinstance(max_length, bool) or not isinstance(max_length, int) \
            or not 1 <= max_length <= FIELD_MAX_CEILING:
        problems.append(f"{where}: 'max_length' must be a whole number from 1 to "
                        f"{FIELD_MAX_CEILING}")
    if len(problems) > before:
        return None
    return TemplateField(name=name, label=label.strip(), required=flags["required"],
                         max_length=max_length, multiline=flags["multiline"])


def template_from_dict(data: Any, *, origin: Origin = "organisation",
                       source: str = "") -> CorrectionTemplate:
    """Check a template definition (the JSON file's object) and build the template.

    Raises ``InvalidTemplate`` listing every problem found.
    """
    if not isinstance(data, Mapping):
        raise InvalidTemplate(["a template must be a JSON object"])
    problems: list[str] = []
    extra = sorted(set(map(str, data)) - _TEMPLATE_KEYS)
    if extra:
        problems.append(f"unknown keys {', '.join(extra)}")
    template_id = data.get("id")
    if not isinstance(template_id, str) or not _ID.fullmatch(template_id):
        problems.append("'id' must be lower-case letters, digits, - and _ (at most 64)")
    title = _text(data, "title", problems, limit=120)
    description = _text(data, "description", problems, limit=300, required=False)
    subject = _text(data, "subject", problems, limit=1000)
    body = data.get("body")
    if isinstance(body, list) and all(isinstance(line, str) for line in body):
        body = "\n".join(body)
    if not isinstance(body, str) or not body.strip() or len(body) > SOURCE_MAX:
        problems.append(f"'body' must be non-empty text (or a list of lines) of at most "
                        f"{SOURCE_MAX} characters")
        body = ""
    raw_fields = data.get("fields", [])
    fields: list[TemplateField] = []
    fields_ok = isinstance(raw_fields, list) and len(raw_fields) <= MAX_FIELDS
    if not fields_ok:
        problems.append(f"'fields' must be a list of at most {MAX_FIELDS} fields")
    else:
        fields = [f for i, raw in enumerate(raw_fields) if (f := _field(raw, i, problems))]
        fields_ok = len(fields) == len(raw_fields)
    names = [f.name for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"fields declared twice: {', '.join(duplicates)}")
    if fields_ok:  # otherwise every use of a broken field would show up as unknown as well
        known = set(names) | set(CONTEXT_VARIABLES)
        if subject:
            problems += _check_source("subject", subject, False, known)
        if body:
            problems += _check_source("body", body, True, known)
    if problems:
        raise InvalidTemplate(problems)
    return CorrectionTemplate(id=template_id, title=title, subject=subject, body=body.strip(),
                              fields=tuple(fields), description=description, origin=origin,
                              source=source)


@lru_cache(maxsize=1)
def builtin_templates() -> tuple[CorrectionTemplate, ...]:
    """The built-in templates (checked like any organisation's)."""
    return tuple(template_from_dict(t, origin="builtin") for t in BUILTIN_TEMPLATES)


# ---------------------------------------------------------------------------- rendering


def validate_fields(template: CorrectionTemplate, values: Mapping[str, object]) -> dict[str, str]:
    """The values, cleaned (line breaks normalised, control characters out, trimmed; single-line
    fields joined into one line), for every declared field ("" when not given).

    Raises ``TemplateFieldError`` for missing required fields, unknown fields, values over their
    field's ``max_length`` and values that are not text (``None`` counts as not given).
    """
    declared = {f.name: f for f in template.fields}
    unknown = sorted(str(k) for k in values if k not in declared)
    not_text = sorted(k for k, v in values.items()
                      if k in declared and v is not None and not isinstance(v, str))
    cleaned: dict[str, str] = {}
    too_long: list[str] = []
    for field in template.fields:
        raw = values.get(field.name)
        cleaned[field.name] = clean_value(raw, field.multiline) if isinstance(raw, str) else ""
        if len(cleaned[field.name]) > field.max_length:
            too_long.append(f"{field.name} (at most {field.max_length} characters)")
    missing = [f.name for f in template.fields if f.required and not cleaned[f.name]]
    if missing or unknown or too_long or not_text:
        raise TemplateFieldError(missing=missing, unknown=unknown, too_long=too_long,
                                 not_text=not_text)
    return cleaned


def render(template: CorrectionTemplate, fields: Mapping[str, object],
           context: CorrectionContext) -> RenderedCorrection:
    """The correction mail for ``template`` filled with ``fields`` about ``context``'s message.

    Raises ``TemplateFieldError`` for bad field values and ``TemplateRenderError`` when the
    template itself fails.
    """
    if context.sent_at is not None and context.sent_at.tzinfo is None:
        raise ValueError("context.sent_at must be timezone-aware")
    variables: dict[str, object] = {
        **validate_fields(template, fields),
        "original_subject": clean_value(context.original_subject or "", multiline=False),
        "sender_name": clean_value(context.sender_name or "", multiline=False),
        "sent_date": (context.sent_date if context.sent_date is not None
                      else format_sent_date(context.sent_at)),
        "sent_at": context.sent_at,
    }
    try:
        subject = _compiled(template.subject, False).render(variables)
        html_body = _compiled(template.body, True).render(variables).strip()
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError,
            RecursionError) as error:
        raise TemplateRenderError(f"template {template.id!r} failed: {error}") from error
    if len(html_body) > RENDERED_MAX:
        raise TemplateRenderError(f"template {template.id!r} produced more than "
                                  f"{RENDERED_MAX} characters")
    return RenderedCorrection(subject=clean_subject(subject), html_body=html_body,
                              text_body=html_to_text(html_body))
