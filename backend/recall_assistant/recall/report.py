"""Reading "Message Recall Report" mail: whom a recall reached, whom it missed, who is pending.

Microsoft documents neither the report's wording nor its layout (docs/recall-reports.md:
unconfirmed), so the parser goes by evidence, not by one exact shape:

* the **message class** ``IPM.Recall.Report`` (Outlook VBA reference, *Item Types and Message
  Classes*: "Message recall reports") or the **subject** says what the mail is (``_SUBJECTS``:
  a report, a classic per-recipient "Message Recall Success/Failure" notice, or a bare
  ``Recall:`` request), in English, German or French;
* the **body** (HTML or text) is cut into rows of cells: HTML table rows, text lines split at
  tabs, pipes or runs of spaces. A row whose cells say "recipient" and "status" (``_ROLES``)
  is a header that maps the columns below it; without one, a row with an address and a known
  status word counts, and so does a line that starts with an address ("a@x: Recall Success");
* labelled rows ("Message ID:", "Subject:", "Betreff:") give the original message.

Status words map to ``succeeded | failed | pending``; words we do not know give ``pending``
with the raw text kept and a problem noted: never guess success. Nothing here raises on bad
mail: an unreadable report comes back with no recipients and ``problems`` saying why.

Who may speak (``report_source``) and which message a report is about (``report_is_for``) are
separate rules: anyone can mail the sender a "Recall Report" subject, so a report counts only
from the tenant's own Exchange system mailbox (or, for a classic notice, from the recipient it
speaks for), and only when it names the recalled message by id or conversation.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

RecallOutcome = Literal["succeeded", "failed", "pending"]
# "report": the per-message report; "notice": classic recall's one mail per recipient, whose
# subject carries the status; "request": a "Recall: <subject>" mail, a report only with results.
ReportKind = Literal["report", "notice", "request"]
BodyType = Literal["html", "text"]

# Far above any real report (To+Cc+Bcc is capped at 500); they bound the work on hostile mail.
MAX_BODY_CHARS = 1_000_000
MAX_ROWS = 20_000
MAX_TEXT = 300  # characters kept of a status text, a reason, or a row quoted in a problem


@dataclass(frozen=True)
class InboxMessage:
    """A mail from the sender's Inbox, as Graph returns it. ``received_at`` must be aware.

    ``sender`` is the From address: a classic recall notice names its recipient only there;
    ``account`` is Graph's ``sender`` (the account that generated the mail, when it differs).
    ``body_type`` ``None`` means "guess from the body". ``message_class`` is PR_MESSAGE_CLASS,
    ``headers`` the ``internetMessageHeaders`` (name, value) pairs.
    """

    subject: str
    body: str
    body_type: BodyType | None = None
    received_at: dt.datetime | None = None
    sender: str | None = None
    message_class: str | None = None
    conversation_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    account: str | None = None


@dataclass(frozen=True)
class RecipientOutcome:
    """What a report says recall did for one address (lower-cased)."""

    address: str
    status: RecallOutcome
    status_text: str
    reason: str | None = None
    reported_at: dt.datetime | None = None


@dataclass(frozen=True)
class RecallReport:
    """One parsed report (or several merged). ``kind`` is ``None`` when the subject is not a
    recall report's; ``sender`` is the From address, lower-cased; ``problems`` are plain lines
    for the log, never shown as outcomes."""

    subject: str
    kind: ReportKind | None
    received_at: dt.datetime | None
    original_subject: str | None
    internet_message_id: str | None
    recipients: tuple[RecipientOutcome, ...]
    problems: tuple[str, ...] = ()
    sender: str | None = None
    conversation_id: str | None = None
    # Every message id the report names: the body's "Message ID" and In-Reply-To/References.
    message_ids: tuple[str, ...] = ()


# Exchange's system mailbox sends recall reports (and other system notices) as "Microsoft
# Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@<tenant domain>>". The local part
# is matched by its prefix only: no Microsoft page states the suffix (docs/recall-reports.md).
SYSTEM_MAILBOX_PREFIX = "microsoftexchange"
# Outlook VBA reference, "Item Types and Message Classes": IPM.Recall.Report is the class of
# message recall reports (classic notices carry subclasses such as ...Report.Success).
REPORT_CLASS = "ipm.recall.report"
ReportSource = Literal["exchange", "recipient"]


# ---------------------------------------------------------------------------- vocabulary

# Bounded repeats: a long run of letters must not make the search quadratic.
_LOCAL = r"[\w.!#$%&'*+/=?^`{}~-]"
_EMAIL = re.compile(
    rf"(?<!{_LOCAL}){_LOCAL}{{1,64}}@(?:[^\W_][\w-]{{0,62}}\.){{1,8}}[^\W\d_]{{2,63}}")
_STRONG_SEP = r"(?:\s*[:\-–—]\s*|\s+)"  # "Report: x", "Report - x", "Report x"

# (kind, status the subject implies, prefix, separator before the original subject).
_SUBJECTS: tuple[tuple[ReportKind, RecallOutcome | None, str, str], ...] = (
    ("report", None, r"(?:message\s+)?recall\s+report(?:\s+(?:for|on|of)(?:\s+(?:the\s+)?"
                     r"message)?)?", _STRONG_SEP),
    ("report", None, r"(?:nachrichten)?rückrufs?bericht(?:\s+(?:für|zu[mr]?)"
                     r"(?:\s+(?:die\s+|der\s+)?nachricht)?)?", _STRONG_SEP),
    ("report", None, r"bericht\s+(?:zum|über\s+den)\s+(?:nachrichten)?rückruf", _STRONG_SEP),
    ("notice", "succeeded", r"(?:message\s+)?recall\s+success(?:ful)?", _STRONG_SEP),
    ("notice", "failed", r"(?:message\s+)?recall\s+fail(?:ure|ed)", _STRONG_SEP),
    ("notice", "succeeded", r"(?:nachrichten)?rückruf\s+erfolgreich", _STRONG_SEP),
    ("notice", "failed", r"(?:nachrichten)?rückruf\s+(?:fehlgeschlagen|nicht\s+erfolgreich)",
     _STRONG_SEP),
    ("notice", "failed", r"fehler\s+beim\s+(?:nachrichten)?rückruf", _STRONG_SEP),
    ("report", None, r"rapport\s+(?:de|du)\s+rappel(?:\s+(?:du|de\s+la|de)\s+message)?"
                     r"(?:\s+(?:pour|sur)\s+(?:le\s+)?message)?", _STRONG_SEP),
    ("notice", "succeeded", r"rappel\s+(?:du\s+message\s+)?r[ée]ussi", _STRONG_SEP),
    ("notice", "failed", r"(?:[ée]chec\s+(?:du\s+)?rappel(?:\s+du\s+message)?"
                         r"|rappel\s+(?:du\s+message\s+)?(?:[ée]chou[ée]|non\s+r[ée]ussi))",
     _STRONG_SEP),
    # A bare word needs its colon: "Recall the budget" is somebody's ordinary subject.
    ("request", None, r"recall", r"\s*:\s*"),
    ("request", None, r"(?:nachrichten)?rückruf", r"\s*:\s*"),
)
_SUBJECT_PATTERNS = tuple(
    (kind, status, re.compile(rf"(?:{prefix})(?:{sep}(?P<rest>.*))?", re.IGNORECASE))
    for kind, status, prefix, sep in _SUBJECTS
)

# Checked in this order, so "noch nicht zurückgerufen" is pending and "not recalled" failed.
_STATUS_WORDS: tuple[tuple[RecallOutcome, re.Pattern[str]], ...] = (
    ("pending", re.compile(r"\b(?:pending|in\s+progress|processing|queued|waiting|retrying"
                           r"|not\s+yet|ausstehend|in\s+bearbeitung|noch\s+nicht|läuft"
                           r"|wird\s+(?:noch\s+)?(?:ausgeführt|bearbeitet|verarbeitet)"
                           r"|en\s+attente|en\s+cours|pas\s+encore)\b")),
    ("failed", re.compile(r"\b(?:fail(?:s|ed|ure)?|unsuccessful|not\s+(?:been\s+)?recalled"
                          r"|unable|(?:could|can)\s*(?:not|n[o']?t)|error"
                          r"|fehlgeschlagen|fehler|nicht"
                          r"|[ée]chec|[ée]chou[ée]e?|impossible|erreur|non\s+rappel[ée]e?"
                          r"|n[e']\s*a\s+pas|pas\s+(?:pu|[ée]t[ée]))\b")),
    ("succeeded", re.compile(r"\b(?:success(?:ful(?:ly)?)?|succeeded|recalled|erfolgreich"
                             r"|zurückgerufen|r[ée]ussie?|succ[èe]s|rappel[ée]e?)\b")),
)

# Header cells: which column holds what. The first matching role wins for a cell.
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("status", re.compile(r"status|\bresults?\b|ergebnis|\boutcome\b|\bstate\b|zustand"
                          r"|statut|état|résultat")),
    ("recipient", re.compile(r"recipient|empfänger|e-?mail|address|adresse|mailbox|postfach"
                             r"|\buser\b|benutzer|^to$|^an$|destinataire|courriel"
                             r"|bo[îi]te\s+aux\s+lettres|utilisateur|^à$")),
    ("details", re.compile(r"detail|détail|reason|grund|raison|motif|info|descr|beschreib"
                           r"|message|nachricht|comment|kommentar|hinweis|einzelheit|erläuter"
                           r"|bemerk|note|remarque")),
)

# Labelled rows: what they describe. "recipient", "status" and "details" rows make up one
# outcome ("Recipient: a@x" / "Status: Failed"); "other" rows are never read as outcomes.
_LABELS: dict[str, str] = {
    **dict.fromkeys(("recipient", "empfänger", "e-mail", "email", "address", "adresse",
                     "destinataire", "courriel"), "recipient"),
    **dict.fromkeys(("status", "recall status", "rückrufstatus", "result", "ergebnis", "statut",
                     "statut du rappel", "état", "résultat"), "status"),
    **dict.fromkeys(("details", "detail", "reason", "grund", "einzelheiten", "détails",
                     "détail", "raison", "motif"), "details"),
    **dict.fromkeys(("subject", "betreff", "original subject", "message subject",
                     "ursprünglicher betreff", "objet", "objet d'origine", "objet du message",
                     "sujet"), "subject"),
    **dict.fromkeys(("message id", "message-id", "internet message id", "internet message-id",
                     "internetmessageid", "nachrichten-id", "nachrichten id", "nachrichtenkennung",
                     "id du message", "id de message", "identifiant du message",
                     "identificateur du message"), "message_id"),
    **dict.fromkeys(("sent", "gesendet", "date", "datum", "from", "von", "to", "an", "cc", "bcc",
                     "recall requested", "requested", "rückruf angefordert", "angefordert",
                     "envoyé", "envoyé le", "de", "à", "rappel demandé", "demandé le"),
                    "other"),
}

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_RANK: dict[RecallOutcome, int] = {"pending": 0, "failed": 1, "succeeded": 2}


def _collapse(text: str) -> str:
    """NFKC, invisible characters out, whitespace runs to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def _key(text: str) -> str:
    return _collapse(text).casefold()


def classify_status(text: str) -> tuple[RecallOutcome, bool]:
    """The outcome a status text stands for, and whether the words were recognised.

    Unrecognised (or empty) text is ``pending``: a report we cannot read never says success.
    """
    key = _key(text)
    for outcome, pattern in _STATUS_WORDS:
        if pattern.search(key):
            return outcome, True
    return "pending", False


# ---------------------------------------------------------------------------- body → rows


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.links: list[str] = []

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = _collapse("".join(self.cell))
        if self.links and not _EMAIL.search(text):
            text = f"{text} <{self.links[0]}>".strip()  # <a href="mailto:..">Alex</a>
        assert self.row is not None
        self.row.append(text)
        self.cell, self.links = None, []

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None and any(self.row):
            self.rows.append(self.row)
        self.row = None


# One tag, a comment opening, or a declaration. Attributes stop at the next "<" and at 4,000
# characters, so that every "<" costs at most the text up to the next one: linear time.
_TAG = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9]*)([^<>]{0,4000})>|<[!?][^<>]{0,4000}>")
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


class _HtmlRows:
    """HTML to blocks of rows of cells: one block per table (nested ones apart), one per run
    of text between tables (a row per line). Lenient: unclosed cells, rows and tables close
    themselves; text straight inside a row or table becomes a cell of its own.

    Its own small tokenizer, not ``html.parser``: that one takes quadratic time on some broken
    markup (minutes for a few hundred kilobytes of ``<a b='``), and anyone can mail the sender
    a message whose subject looks like a report's.
    """

    _SKIP = frozenset({"script", "style", "title", "template"})
    _BREAKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "hr", "section", "article", "header", "footer",
                         "center", "address", "dl", "dt", "dd", "caption", "body"})

    def __init__(self) -> None:
        self.blocks: list[list[list[str]]] = []
        self._tables: list[_Table] = []
        self._text: list[list[str]] | None = None
        self._line: list[str] = []
        self._line_links: list[str] = []
        self._pre = 0

    def feed(self, markup: str) -> None:
        """Read the whole document (one call)."""
        pos, tags = 0, 0
        while pos < len(markup):
            tags += 1
            if tags % 1000 == 0 and sum(map(len, self.blocks)) > MAX_ROWS:
                break
            found = _TAG.search(markup, pos)
            if found is None:
                self._data(html.unescape(markup[pos:]))
                break
            self._data(html.unescape(markup[pos:found.start()]))
            pos = found.end()
            if found[0] == "<!--":
                end = markup.find("-->", pos)
                pos = len(markup) if end < 0 else end + 3
            elif found[2]:
                tag, attrs = found[2].lower(), found[3]
                if found[1]:
                    self._end(tag)
                elif tag in self._SKIP:  # skip to its end tag, or to the end when there is none
                    end = re.compile(rf"</{tag}\s*>", re.IGNORECASE).search(markup, pos)
                    pos = len(markup) if end is None else end.end()
                else:
                    self._start(tag, attrs)

    def _start(self, tag: str, attrs: str) -> None:
        table = self._tables[-1] if self._tables else None
        if tag == "a":
            link = _HREF.search(attrs)
            href = html.unescape(next((g for g in link.groups() if g is not None), "")
                                 if link else "").strip()
            if href.lower().startswith("mailto:"):
                address = unquote(href[7:]).split("?")[0].strip()
                if table is not None and table.cell is not None:
                    table.links.append(address)
                else:
                    self._line_links.append(address)
        elif tag == "table":
            if table is None or table.cell is None:
                self._end_line()
            self._tables.append(_Table())
            self.blocks.append(self._tables[-1].rows)
            self._text = None
        elif tag == "tr" and table is not None:
            table.end_row()
            table.row = []
        elif tag in ("td", "th") and table is not None:
            table.end_cell()
            if table.row is None:
                table.row = []
            table.cell = []
        elif tag in ("td", "th"):
            self._line.append(_CELL_MARK)  # a cell outside any table: keep the columns apart
        elif tag in self._BREAKS or tag == "tr":
            self._break(table)
        if tag == "pre":
            self._pre += 1

    def _end(self, tag: str) -> None:
        table = self._tables[-1] if self._tables else None
        if tag == "table" and table is not None:
            table.end_row()
            self._tables.pop()
        elif tag == "tr" and table is not None:
            table.end_row()
        elif tag in ("td", "th") and table is not None:
            table.end_cell()
        elif tag in self._BREAKS or tag == "tr":
            self._break(table)
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def _data(self, data: str) -> None:
        table = self._tables[-1] if self._tables else None
        if table is None and self._pre:
            # Preformatted text keeps its lines and its columns (tabs, runs of spaces).
            lines = re.sub(r"\t| {2,}", _CELL_MARK, data).split("\n")
            for line in lines[:-1][:MAX_ROWS + 1]:
                self._line.append(line)
                self._end_line()
            self._line.append(lines[-1])
            return
        if table is None:
            self._line.append(data)
            return
        if table.cell is None:
            if not data.strip():
                return
            if table.row is None:
                table.row = []
            table.cell = []
        table.cell.append(data)

    def close(self) -> None:
        """Close whatever the markup left open."""
        self._end_line()
        while self._tables:
            self._tables.pop().end_row()

    def _break(self, table: _Table | None) -> None:
        if table is not None and table.cell is not None:
            table.cell.append(" ")
        elif table is None:
            self._end_line()

    def _end_line(self) -> None:
        cells = [cell for part in "".join(self._line).split(_CELL_MARK)
                 for cell in _split_cells(_collapse(part))]
        if cells and self._line_links and not any(_EMAIL.search(c) for c in cells):
            cells[0] = f"{cells[0]} <{self._line_links[0]}>"
        self._line, self._line_links = [], []
        if not cells:
            return
        if self._text is None:
            self._text = []
            self.blocks.append(self._text)
        self._text.append(cells)


_CELL_MARK = "\x1f"


def _split_cells(line: str) -> list[str]:
    """A text line's cells: split at tabs, pipes or runs of two spaces; edge blanks dropped."""
    # Split in two plain passes (no "\s*\|\s*": it is quadratic on long runs of spaces).
    cells = [_collapse(c) for part in line.split("|") for c in re.split(r"\t| {2,}|\xa0{2,}", part)]
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _looks_like_html(body: str) -> bool:
    return re.search(r"<(?:html|body|table|tr|td|p|div|br|span|a)\b", body, re.I) is not None


def _blocks(body: str, body_type: BodyType | None) -> list[list[list[str]]]:
    if body_type == "html" or (body_type is None and _looks_like_html(body)):
        parser = _HtmlRows()
        parser.feed(body)
        parser.close()
        return [rows for rows in parser.blocks if rows]
    # A text body is one block; entities are decoded too (some converters leave them).
    rows: list[list[str]] = []
    for line in body.splitlines():
        cells = _split_cells(html.unescape(line))
        if cells:
            rows.append(cells)
        if len(rows) > MAX_ROWS:
            break
    return [rows]


# ---------------------------------------------------------------------------- rows → facts


def _label(cell: str) -> str | None:
    return _LABELS.get(cell.casefold().rstrip(":").strip())  # cells are collapsed already


def _labelled(rows: list[list[str]], index: int) -> tuple[str, str, bool] | None:
    """``(label kind, value, value came from the next row)`` when the row is "Label: value" (in
    one cell, or two, or with the value alone on the next row, as some HTML-to-text
    conversions put it)."""
    row = rows[index]
    kind, value = _label(row[0]), ""
    if kind is not None:
        value = row[1] if len(row) >= 2 else ""
    else:
        found = re.fullmatch(r"([^:]{1,40}):\s*(.*)", row[0])
        if found is None or _label(found[1]) is None:
            return None
        kind, value = _label(found[1]), found[2]
    assert kind is not None
    following = rows[index + 1] if index + 1 < len(rows) else None
    if value or following is None or _label(following[0]) or _header(following):
        return kind, value, False
    return kind, following[0], True


def _message_id(value: str) -> str | None:
    bracketed = re.search(r"<[^<>\s]+@[^<>\s]+>", value)
    if bracketed:
        return bracketed[0]
    bare = value.strip()
    return f"<{bare}>" if "@" in bare and not re.search(r"\s", bare) else None


def _address(text: str) -> str | None:
    found = _EMAIL.search(text)
    return found[0].strip(".").lower() if found else None


def _header(row: list[str]) -> dict[str, int] | None:
    if any(_EMAIL.search(c) for c in row):
        return None
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = cell.casefold().rstrip(":").strip()
        if not key or len(key) > 40:
            continue
        role = next((name for name, pattern in _ROLES if pattern.search(key)), None)
        if role is not None and role not in columns:
            columns[role] = index
    return columns if {"recipient", "status"} <= columns.keys() else None


def _unfold(rows: list[list[str]]) -> list[list[str]]:
    """Turn "one cell per line" tables (a header cell per line, then the values the same way)
    back into rows: HTML-to-text conversions sometimes lay a table out like that."""
    out: list[list[str]] = []
    index = 0
    while index < len(rows):
        width = next((w for w in (3, 2) if index + w <= len(rows)
                      and all(len(r) == 1 for r in rows[index:index + w])
                      and _header([r[0] for r in rows[index:index + w]])), 0)
        if not width:
            out.append(rows[index])
            index += 1
            continue
        header = [r[0] for r in rows[index:index + width]]
        out.append(header)
        index += width
        recipient = (_header(header) or {})["recipient"]
        while index + width <= len(rows) and all(len(r) == 1 for r in rows[index:index + width]):
            chunk = [r[0] for r in rows[index:index + width]]
            if not _EMAIL.search(chunk[recipient]):
                break
            out.append(chunk)
            index += width
    return out


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1].rstrip() + "…"


def _quote(row: list[str]) -> str:
    return repr(_cut(" | ".join(row)))


def _split_status(text: str) -> tuple[str, str | None]:
    """"Recall Failure - outside your organization" → status words and reason."""
    parts = re.split(r"\s+[-–—]\s+|\s*[:;\t]\s*|\s+\(|\.\s+|,\s+", text, maxsplit=1)
    status = parts[0].strip(" .,;:")
    reason = parts[1].strip().removesuffix(")").strip() if len(parts) > 1 else ""
    return status, reason or None


_ADDRESS_FIRST = re.compile(
    rf"""(?:"?[^"<>@:\t|]*?"?\s*<)?\s*(?P<address>{_EMAIL.pattern})\s*>?  # a@x, Alex <a@x>
    \s*(?:\([^)]*\))?                                    # a@x (Alex Wilber)
    \s*(?:[:=|;,\t]|[-–—]+)?\s*(?P<rest>.*)""", re.VERBOSE)


class _Reader:
    """Collects outcomes and problems over the rows of one report."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str | None]] = []  # address, status text, reason
        self.problems: list[str] = []

    def block(self, rows: list[list[str]]) -> None:
        rows = _unfold(rows)
        columns: dict[str, int] | None = None
        record: dict[str, str] = {}
        skip = False
        for index, row in enumerate(rows):
            if skip:  # the value of the label just before
                skip = False
                continue
            header = _header(row)
            labelled = None if header else _labelled(rows, index)
            if header is not None:
                columns = header
            elif labelled is not None:
                kind, value, skip = labelled
                if kind == "recipient":
                    self._flush(record)
                if kind in ("recipient", "status", "details"):
                    record[kind] = value
            elif len(row) > 1 and columns is not None:
                self._with_columns(row, columns)
            elif len(row) > 1:
                self._without_header(row)
            else:
                self._line(row[0])
        self._flush(record)

    def _flush(self, record: dict[str, str]) -> None:
        address = _address(record.get("recipient", ""))
        if address is not None:
            self._add(address, record.get("status", ""), record.get("details"))
        record.clear()

    def _add(self, address: str, status_text: str, reason: str | None) -> None:
        self.found.append((address, status_text, reason or None))

    def _with_columns(self, row: list[str], columns: dict[str, int]) -> None:
        def cell(role: str) -> str:
            index = columns.get(role)
            return row[index] if index is not None and index < len(row) else ""

        address = _address(cell("recipient"))
        others = [c for i, c in enumerate(row)
                  if i not in (columns.get("status"), columns.get("details"))]
        for text in others:
            address = address or _address(text)
        if address is None:
            if cell("status"):
                self.problems.append(f"row without a recipient address skipped: {_quote(row)}")
            return
        self._add(address, cell("status"), cell("details"))

    def _without_header(self, row: list[str]) -> None:
        at = next((i for i, c in enumerate(row) if _EMAIL.search(c)), None)
        if at is None:
            return
        later = [(i, c) for i, c in enumerate(row) if i > at and c]
        known = [(i, c) for i, c in enumerate(row) if i != at and c and classify_status(c)[1]]
        if known:
            status_at, status = known[0]
        elif at == 0 and later:
            status_at, status = later[0]
        else:
            self.problems.append(f"row with an address but no status skipped: {_quote(row)}")
            return
        reason = " ".join(c for i, c in later if i != status_at)
        self._add(_address(row[at]) or "", status, reason)

    def _line(self, text: str) -> None:
        first = _ADDRESS_FIRST.fullmatch(text)
        if first and first["rest"]:
            status, reason = _split_status(first["rest"])
            if status and not _EMAIL.search(status):  # not "a@x; b@x", a list of addresses
                self._add(first["address"].strip(".").lower(), status, reason)
            return
        found = list(_EMAIL.finditer(text))
        if not found:
            return
        # "Recall Failure: a@x, b@x" or "The recall failed for a@x because ..."
        status, _ = _split_status(text[:found[0].start()].strip(" \t:-–—|;,<\"("))
        if status and classify_status(status)[1]:
            reason = text[found[-1].end():].strip(" \t:-–—|;,>\")") or None
            for match in found:
                self._add(match[0].strip(".").lower(), status, reason)


# ---------------------------------------------------------------------------- public functions


@dataclass(frozen=True)
class _Subject:
    kind: ReportKind
    implied: RecallOutcome | None
    prefix: str  # "Message Recall Success"
    tail: str | None  # the original subject, when the subject carries it


def _subject_kind(subject: str) -> _Subject | None:
    text = _collapse(subject)
    for kind, status, pattern in _SUBJECT_PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            end = found.start("rest") if found["rest"] is not None else len(text)
            prefix = text[:end].strip(" :-–—")
            return _Subject(kind, status, prefix, (found["rest"] or "").strip() or None)
    return None


def parse_recall_report(message: InboxMessage) -> RecallReport:
    """Read one mail as a recall report. Never raises for what the mail holds.

    Raises ``ValueError`` only for a naive ``received_at`` (a caller's mistake).
    """
    if message.received_at is not None and message.received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    subject = message.subject or ""
    sender = _address(message.sender or "")
    matched = _subject_kind(subject)
    by_class = _class_kind(message.message_class)
    if matched is None and by_class is not None:
        # The class says it is a report though the subject is in a language we do not know.
        matched = _Subject(by_class[0], by_class[1], by_class[2], None)
    elif matched is not None and by_class is not None and matched.implied is None:
        matched = _Subject(matched.kind, by_class[1], matched.prefix, matched.tail)
    header_ids = _header_ids(message.headers)
    if matched is None:
        return RecallReport(subject=subject, kind=None, received_at=message.received_at,
                            original_subject=None, internet_message_id=None, recipients=(),
                            problems=("the subject is not a recall report's",), sender=sender,
                            conversation_id=message.conversation_id, message_ids=header_ids)
    reader = _Reader()
    meta: dict[str, str] = {}
    body = message.body or ""
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        reader.problems.append(f"the body was cut to its first {MAX_BODY_CHARS} characters")
    try:
        found = _blocks(body, message.body_type)
        if sum(map(len, found)) > MAX_ROWS:
            reader.problems.append(f"only the first {MAX_ROWS} rows were read")
        blocks, budget = [], MAX_ROWS
        for rows in found:
            blocks.append(rows[:budget])
            budget -= len(blocks[-1])
        for rows in blocks:
            for index in range(len(rows)):
                labelled = None if _header(rows[index]) else _labelled(rows, index)
                if labelled is not None and labelled[1]:
                    meta.setdefault(labelled[0], labelled[1])
            reader.block(rows)
    except Exception as error:  # noqa: BLE001 - a mail must never break the caller
        reader.problems.append(f"the body could not be read ({type(error).__name__}: {error})")
    if matched.kind == "notice" and not reader.found:
        # Classic recall: one notice per recipient, from that recipient, status in the subject.
        if sender is None:
            reader.problems.append("a classic recall notice without a sender address")
        else:
            reader.found.append((sender, matched.prefix, None))
    recipients, problems = _outcomes(reader, matched.implied, message.received_at)
    internet_message_id = _message_id(meta["message_id"]) if "message_id" in meta else None
    if "message_id" in meta and internet_message_id is None:
        problems.append(f"unreadable message id: {meta['message_id']!r}")
    if not recipients:
        problems.append("no per-recipient results found in the body")
    original_subject = meta.get("subject")
    quoted = _subject_kind(original_subject) if original_subject else None
    if quoted is not None:  # the body quoted the report's own header ("Subject: Message Re...")
        original_subject = quoted.tail
    ids = tuple(dict.fromkeys((*((internet_message_id,) if internet_message_id else ()),
                               *header_ids)))
    return RecallReport(
        subject=subject, kind=matched.kind, received_at=message.received_at,
        original_subject=original_subject or matched.tail,
        internet_message_id=internet_message_id, recipients=tuple(recipients),
        problems=tuple(problems), sender=sender, conversation_id=message.conversation_id,
        message_ids=ids)


def _class_kind(message_class: str | None) -> tuple[ReportKind, RecallOutcome | None,
                                                     str] | None:
    """What the message class says: a report, or a classic notice whose subclass gives the
    status (``IPM.Recall.Report.Success`` / ``.Failure``)."""
    if not is_report_class(message_class):
        return None
    tail = (message_class or "").strip().casefold()[len(REPORT_CLASS):].strip(".")
    if tail.startswith("success"):
        return "notice", "succeeded", "Recall Success"
    if tail.startswith("fail"):
        return "notice", "failed", "Recall Failure"
    return "report", None, "Recall Report"


# In-Reply-To and References name the messages a mail answers (RFC 5322 section 3.6.4).
_ID_HEADERS = frozenset({"in-reply-to", "references"})


def _header_ids(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    found: list[str] = []
    for name, value in headers:
        if str(name).strip().casefold() in _ID_HEADERS:
            found.extend(re.findall(r"<[^<>\s]{1,500}@[^<>\s]{1,500}>", str(value)[:10_000]))
    return tuple(dict.fromkeys(found))


def _outcomes(reader: _Reader, implied: RecallOutcome | None,
              received_at: dt.datetime | None) -> tuple[list[RecipientOutcome], list[str]]:
    problems = list(reader.problems)
    by_address: dict[str, RecipientOutcome] = {}
    counts: dict[str, int] = {}
    for address, raw, reason in reader.found:
        status_text, reason = _cut(_collapse(raw)), _cut(reason) if reason else None
        status, known = classify_status(status_text)
        if implied is not None and not known:
            status, known = implied, True
        if not known:
            problems.append(f"{address}: status {status_text!r} not recognised, taken as pending"
                            if status_text else f"{address}: no status given; taken as pending")
        outcome = RecipientOutcome(address, status, status_text, reason, received_at)
        counts[address] = counts.get(address, 0) + 1
        # Listed twice in one report: the most definite answer stands (a deleted copy is gone).
        current = by_address.get(address)
        if current is None or _RANK[outcome.status] > _RANK[current.status]:
            by_address[address] = outcome
    for address, count in counts.items():
        if count > 1:
            problems.append(f"{address} is listed {count} times; kept "
                            f"{by_address[address].status_text!r}")
    return list(by_address.values()), problems


def merge_reports(reports: Iterable[RecallReport]) -> RecallReport:
    """Fold several reports of one message into one, oldest first: a later report's line for a
    recipient replaces an earlier one, except that a success stays a success.

    Why success is final: the copy is gone, and a later report (a repeated recall, a retry)
    can only say "not found" or "pending" for it. Reports without ``received_at`` count as the
    oldest; equal times keep the given order. A report about another ``internet_message_id``
    than the newest known one is left out, with a problem.
    """
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = [r for _, r in sorted(enumerate(reports), key=lambda p: (
        p[1].received_at is not None, p[1].received_at or epoch, p[0]))]
    message_id = next((r.internet_message_id for r in reversed(ordered)
                       if r.internet_message_id), None)
    merged: dict[str, RecipientOutcome] = {}
    problems: list[str] = []
    used: list[RecallReport] = []
    for report in ordered:
        if report.internet_message_id and message_id \
                and _id_key(report.internet_message_id) != _id_key(message_id):
            problems.append(f"report {report.subject!r} is about {report.internet_message_id}, "
                            f"not {message_id}: left out")
            continue
        used.append(report)
        problems.extend(report.problems)
        for outcome in report.recipients:
            current = merged.get(outcome.address)
            if current is None or current.status != "succeeded":
                merged[outcome.address] = outcome
    newest = used[-1] if used else None
    return RecallReport(
        subject=newest.subject if newest else "",
        kind=next((r.kind for r in reversed(used) if r.kind), None),
        received_at=newest.received_at if newest else None,
        original_subject=next((r.original_subject for r in reversed(used)
                               if r.original_subject), None),
        internet_message_id=message_id, recipients=tuple(merged.values()),
        problems=tuple(dict.fromkeys(problems)), sender=newest.sender if newest else None)


def _same_subject(reported: str, original: str) -> bool:
    reported, original = _key(reported), _key(original)
    if reported == original:
        return True
    # Long subjects may come back cut short with an ellipsis.
    for ellipsis in ("…", "..."):
        if reported.endswith(ellipsis) and len(reported) > len(ellipsis) + 10:
            return original.startswith(reported.removesuffix(ellipsis).rstrip())
    return False


def _id_key(value: str) -> str:
    return value.strip().strip("<>").strip().casefold()


def is_report_class(message_class: str | None) -> bool:
    """Whether PR_MESSAGE_CLASS is a recall report's (``IPM.Recall.Report`` or a subclass)."""
    value = (message_class or "").strip().casefold()
    return value == REPORT_CLASS or value.startswith(REPORT_CLASS + ".")


def _domains(verified_domains: Iterable[str]) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in verified_domains if d and d.strip())


def is_exchange_sender(address: str | None, verified_domains: Iterable[str]) -> bool:
    """Whether ``address`` is the tenant's Exchange system mailbox: local part starting
    ``MicrosoftExchange``, on one of the tenant's verified domains."""
    local, at, domain = (address or "").strip().lower().rpartition("@")
    return bool(at) and local.startswith(SYSTEM_MAILBOX_PREFIX) \
        and domain in _domains(verified_domains)


def report_source(message: InboxMessage, verified_domains: Iterable[str]) -> ReportSource | None:
    """Who may have written this mail, as far as a recall report goes; ``None``: nobody whose
    word counts.

    ``"exchange"``: From (and Graph's ``sender``, when given) is the tenant's Exchange system
    mailbox. ``"recipient"``: a classic per-recipient notice (message class
    ``IPM.Recall.Report...``) from an internal address of a verified domain, which speaks
    only for that address (see ``trusted_report``). Anything else, whatever its subject or
    body says, is not a report: anyone can mail the sender "x@org Recall Success".
    """
    domains = _domains(verified_domains)
    addresses = [a for a in (message.sender, message.account) if a]
    if not addresses:
        return None
    if all(is_exchange_sender(a, domains) for a in addresses):
        return "exchange"
    own = {_address(a) for a in addresses}
    if len(own) == 1 and None not in own and is_report_class(message.message_class):
        address = next(iter(own))
        assert address is not None
        if address.rpartition("@")[2] in domains and not is_exchange_sender(address, domains):
            return "recipient"
    return None


def might_be_report(message: InboxMessage, verified_domains: Iterable[str]) -> bool:
    """Whether a mail is worth reading the body of: from a source whose word counts, and
    marked as a report by its message class or its subject. Decided without the body."""
    if report_source(message, verified_domains) is None:
        return False
    return is_report_class(message.message_class) or \
        _subject_kind(message.subject or "") is not None


def report_is_for(report: RecallReport, *, internet_message_id: str | None,
                  conversation_id: str | None = None,
                  original_subject: str | None = None) -> bool:
    """Whether a parsed report concerns the given original message. Never by subject alone.

    A message id the report names (body, In-Reply-To, References) decides: it must be the
    original's. A report naming none counts when it is in the original's conversation; then a
    subject it quotes must be the original's too, so that a report about another message of
    the same conversation is not taken for this one. A ``Recall:`` mail counts only when it
    lists outcomes: on its own it is the recall request, not a report.
    """
    if report.kind is None or (report.kind == "request" and not report.recipients):
        return False
    if report.message_ids:
        return bool(internet_message_id) and _id_key(internet_message_id or "") in {
            _id_key(i) for i in report.message_ids}
    if not conversation_id or not report.conversation_id \
            or conversation_id.strip() != report.conversation_id.strip():
        return False
    return (report.original_subject is None or original_subject is None
            or _same_subject(report.original_subject, original_subject))


def trusted_report(report: RecallReport, source: ReportSource) -> RecallReport:
    """The part of a report its source may speak for: all of it from Exchange; from a
    recipient (a classic notice), only that recipient's own line."""
    if source == "exchange":
        return report
    own = tuple(r for r in report.recipients if r.address == report.sender)
    dropped = len(report.recipients) - len(own)
    problems = report.problems + ((f"{dropped} line(s) about other people left out: a notice "
                                   "from a recipient speaks only for them",) if dropped else ())
    return RecallReport(
        subject=report.subject, kind=report.kind, received_at=report.received_at,
        original_subject=report.original_subject,
        internet_message_id=report.internet_message_id, recipients=own, problems=problems,
        sender=report.sender, conversation_id=report.conversation_id,
        message_ids=report.message_ids)


def accept_report(message: InboxMessage, *, verified_domains: Iterable[str],
                  internet_message_id: str | None, conversation_id: str | None = None,
                  original_subject: str | None = None) -> RecallReport | None:
    """The report this Inbox mail gives about the original, or ``None`` when it gives none
    we believe: from nobody whose word counts, or about another message."""
    source = report_source(message, verified_domains)
    if source is None:
        return None
    report = parse_recall_report(message)
    if not report_is_for(report, internet_message_id=internet_message_id,
                         conversation_id=conversation_id, original_subject=original_subject):
        return None
    return trusted_report(report, source)


def is_recall_report(message: InboxMessage, *, internet_message_id: str | None = None,
                     conversation_id: str | None = None,
                     original_subject: str | None = None) -> bool:
    """Whether an Inbox mail reads as a recall report for the given original (see
    ``report_is_for``; who sent it is ``report_source``'s question).

    Cheap for ordinary mail: the body is read only when the class or subject looks like a
    report's.
    """
    if _subject_kind(message.subject or "") is None and not is_report_class(
            message.message_class):
        return False
    return report_is_for(parse_recall_report(message), internet_message_id=internet_message_id,
                         conversation_id=conversation_id, original_subject=original_subject)
