"""The OData query options the sandbox's Graph honours: ``$filter``, ``$select``, paging.

``$filter`` supports what the backend needs and Graph accepts: comparisons (``eq ne gt ge lt
le``), ``in (...)``, ``startswith``/``contains``, ``and``/``or``/``not`` and parentheses.
String literals are single-quoted and a quote inside one is doubled (``'O''Brien'``), as in
OData; string comparisons ignore case, as Exchange and Entra ID do.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .graph_http import GraphError

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_@$][\w./@$-]*)
""", re.VERBOSE)
_COMPARE = ("eq", "ne", "gt", "ge", "lt", "le")
_FUNCTIONS = ("startswith", "contains", "endswith")
SAFE_QUERY = "$'(),@"  # left readable in the links the sandbox builds, as Graph does


@dataclass(frozen=True)
class Literal:
    value: Any


class FilterSyntaxError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, Any]]:
    result: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] == "'":
                raise FilterSyntaxError("unterminated string literal")
            raise FilterSyntaxError(f"unexpected character {text[pos]!r} at {pos}")
        pos = match.end()
        kind = match.lastgroup
        raw = match.group()
        if kind == "space":
            continue
        if kind == "string":
            result.append(("lit", Literal(raw[1:-1].replace("''", "'"))))
        elif kind == "datetime":
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            result.append(("lit", Literal(moment.astimezone(dt.UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"))))
        elif kind == "number":
            result.append(("lit", Literal(float(raw) if "." in raw else int(raw))))
        elif kind == "punct":
            result.append((raw, raw))
        else:
            lowered = raw.lower()
            if lowered in ("true", "false"):
                result.append(("lit", Literal(lowered == "true")))
            elif lowered == "null":
                result.append(("lit", Literal(None)))
            else:
                result.append(("word", raw))
    return result


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, Any] | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (kind is not None and token[0] != kind):
            raise FilterSyntaxError(f"expected {kind or 'more'} at token {self.pos}")
        self.pos += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.pos += 1
            return token[1].lower()
        return None

    def parse(self) -> tuple:
        tree = self.disjunction()
        if self.peek() is not None:
            raise FilterSyntaxError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return tree

    def disjunction(self) -> tuple:
        terms = [self.conjunction()]
        while self.keyword("or"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def conjunction(self) -> tuple:
        factors = [self.factor()]
        while self.keyword("and"):
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else ("and", factors)

    def factor(self) -> tuple:
        if self.keyword("not"):
            return ("not", self.factor())
        token = self.peek()
        if token and token[0] == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        name = self.take("word")[1]
        if name.lower() in _FUNCTIONS and self.peek() and self.peek()[0] == "(":  # type: ignore[index]
            self.take("(")
            prop = self.take("word")[1]
            self.take(",")
            value = self.take("lit")[1].value
            self.take(")")
            return ("call", name.lower(), prop, value)
        op = self.keyword(*_COMPARE, "in")
        if op is None:
            raise FilterSyntaxError(f"expected an operator after {name!r}")
        if op != "in":
            return ("cmp", name, op, self.take("lit")[1].value)
        self.take("(")
        values = [self.take("lit")[1].value]
        while self.peek() and self.peek()[0] == ",":  # type: ignore[index]
            self.take(",")
            values.append(self.take("lit")[1].value)
        self.take(")")
        # Kept normalised as a frozenset: matching tests membership once per record.
        return ("in", name, frozenset(_norm(v) for v in values))


@functools.lru_cache(maxsize=4096)
def parse_filter(text: str) -> tuple:
    """The syntax tree of a ``$filter`` expression, or FilterSyntaxError.

    Trees are immutable tuples, so the same filter text (a client asking again) is parsed once.
    """
    return _Parser(text).parse()


def filter_properties(tree: tuple) -> set[str]:
    kind = tree[0]
    if kind in ("or", "and"):
        return set().union(*(filter_properties(t) for t in tree[1]))
    if kind == "not":
        return filter_properties(tree[1])
    return {tree[2] if kind == "call" else tree[1]}


def widest_disjunction(tree: tuple) -> int:
    """How many child clauses the largest OR (an ``in`` list counts as one) has."""
    kind = tree[0]
    if kind == "in":
        return len(tree[2])
    if kind in ("or", "and"):
        own = len(tree[1]) if kind == "or" else 0
        return max([own, *(widest_disjunction(t) for t in tree[1])])
    if kind == "not":
        return widest_disjunction(tree[1])
    return 1


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def lookup_values(tree: tuple | None, prop: str) -> frozenset[Any] | None:
    """The values a filter that is exactly ``prop eq x`` or ``prop in (...)`` asks for.

    Lets a collection answer from an index instead of testing every record; None when the
    filter has any other shape.
    """
    if tree is None or len(tree) < 3 or str(tree[1]).lower() != prop.lower():
        return None
    if tree[0] == "in":
        return tree[2]
    if tree[0] == "cmp" and tree[2] == "eq":
        return frozenset([_norm(tree[3])])
    return None


def matches(tree: tuple, get: Callable[[str], Any]) -> bool:
    """Whether the object behind ``get`` (property name → value) satisfies the filter."""
    kind = tree[0]
    if kind == "or":
        return any(matches(t, get) for t in tree[1])
    if kind == "and":
        return all(matches(t, get) for t in tree[1])
    if kind == "not":
        return not matches(tree[1], get)
    if kind == "in":
        return _norm(get(tree[1])) in tree[2]
    if kind == "call":
        actual, wanted = _norm(get(tree[2])), _norm(tree[3])
        if not isinstance(actual, str) or not isinstance(wanted, str):
            return False
        if tree[1] == "startswith":
            return actual.startswith(wanted)
        if tree[1] == "endswith":
            return actual.endswith(wanted)
        return wanted in actual
    _, prop, op, wanted = tree
    actual, wanted = _norm(get(prop)), _norm(wanted)
    if op == "eq":
        return actual == wanted
    if op == "ne":
        return actual != wanted
    if actual is None or wanted is None:
        return False
    try:
        return {"gt": actual > wanted, "ge": actual >= wanted,
                "lt": actual < wanted, "le": actual <= wanted}[op]
    except TypeError:
        return False


def parse_select(raw: str | None, known: dict[str, str],
                 unknown: Callable[[str], GraphError]) -> list[str] | None:
    """The canonical names listed in ``$select`` (``known`` maps lower-case → canonical)."""
    if raw is None or not raw.strip():
        return None
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        canonical = known.get(name.lower())
        if canonical is None:
            raise unknown(name)
        if canonical not in names:
            names.append(canonical)
    return names


def parse_top(raw: str | None, default: int, maximum: int, *, strict: bool) -> int:
    """``$top``: directory queries refuse out-of-range sizes; Outlook clamps them."""
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        raise GraphError.bad_request(f"Invalid value '{raw}' for $top.") from None
    if top < 1 or (strict and top > maximum):
        raise GraphError(400, "Request_BadRequest",
                         f"Invalid page size specified: '{raw}'. Must be between 1 and "
                         f"{maximum} inclusive.")
    return min(top, maximum)


def encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (ValueError, KeyError, TypeError):
        raise GraphError(400, "Request_BadRequest", "Invalid skip token.") from None
    if not isinstance(offset, int) or offset < 0:
        raise GraphError(400, "Request_BadRequest", "Invalid skip token.")
    return offset


def next_link(url: str, query: dict[str, str], **changes: str) -> str:
    params = {k: v for k, v in query.items() if k not in ("$skip", "$skiptoken")}
    params.update(changes)
    return f"{url}?{urlencode(params, safe=SAFE_QUERY)}"


def pick(record: dict[str, Any], select: list[str] | None,
         always: tuple[str, ...] = ()) -> dict[str, Any]:
    """``record`` reduced to the ``$select``ed properties (annotations and ``always`` kept)."""
    if select is None:
        return record
    keep = _kept(tuple(select), always)
    # The cheap test first: most properties left out are plain names (a look-up picks 4 of 17).
    return {k: v for k, v in record.items()
            if k in keep or (k[:1] == "@" and k.startswith("@odata."))}


@functools.lru_cache(maxsize=256)
def _kept(select: tuple[str, ...], always: tuple[str, ...]) -> frozenset[str]:
    return frozenset(select) | frozenset(always)
