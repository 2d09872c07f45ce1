"""What a report's rows say: outcomes per address, and the labelled facts about the original.

A row whose cells say "recipient" and "status" (``_ROLES``) is a header that maps the columns
below it; without one, a row with an address and a known status word counts, and so does a
line that starts with an address ("a@x: Recall Success"). Labelled rows ("Message ID:",
"Subject:", "Betreff:") give the original message.
"""

from __future__ import annotations

import re

from .report_words import EMAIL, address_in, classify_status

MAX_TEXT = 300  # characters kept of a status text, a reason, or a row quoted in a problem

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


def message_id_in(value: str) -> str | None:
    bracketed = re.search(r"<[^<>\s]+@[^<>\s]+>", value)
    if bracketed:
        return bracketed[0]
    bare = value.strip()
    return f"<{bare}>" if "@" in bare and not re.search(r"\s", bare) else None


def _header(row: list[str]) -> dict[str, int] | None:
    if any(EMAIL.search(c) for c in row):
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
            if not EMAIL.search(chunk[recipient]):
                break
            out.append(chunk)
            index += width
    return out


def cut_text(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1].rstrip() + "…"


def _quote(row: list[str]) -> str:
    return repr(cut_text(" | ".join(row)))


def _split_status(text: str) -> tuple[str, str | None]:
    """"Recall Failure - outside your organization" → status words and reason."""
    parts = re.split(r"\s+[-–—]\s+|\s*[:;\t]\s*|\s+\(|\.\s+|,\s+", text, maxsplit=1)
    status = parts[0].strip(" .,;:")
    reason = parts[1].strip().removesuffix(")").strip() if len(parts) > 1 else ""
    return status, reason or None


_ADDRESS_FIRST = re.compile(
    rf"""(?:"?[^"<>@:\t|]*?"?\s*<)?\s*(?P<address>{EMAIL.pattern})\s*>?  # a@x, Alex <a@x>
    \s*(?:\([^)]*\))?                                    # a@x (Alex Wilber)
    \s*(?:[:=|;,\t]|[-–—]+)?\s*(?P<rest>.*)""", re.VERBOSE)


class RowReader:
    """Collects outcomes, labelled facts (the first value of each label) and problems over the
    blocks of rows of one report."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str | None]] = []  # address, status text, reason
        self.meta: dict[str, str] = {}  # "subject" / "message_id" / ... → its value
        self.problems: list[str] = []

    def block(self, rows: list[list[str]]) -> None:
        for index in range(len(rows)):
            labelled = None if _header(rows[index]) else _labelled(rows, index)
            if labelled is not None and labelled[1]:
                self.meta.setdefault(labelled[0], labelled[1])
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
        address = address_in(record.get("recipient", ""))
        if address is not None:
            self._add(address, record.get("status", ""), record.get("details"))
        record.clear()

    def _add(self, address: str, status_text: str, reason: str | None) -> None:
        self.found.append((address, status_text, reason or None))

    def _with_columns(self, row: list[str], columns: dict[str, int]) -> None:
        def cell(role: str) -> str:
            index = columns.get(role)
            return row[index] if index is not None and index < len(row) else ""

        address = address_in(cell("recipient"))
        others = [c for i, c in enumerate(row)
                  if i not in (columns.get("status"), columns.get("details"))]
        for text in others:
            address = address or address_in(text)
        if address is None:
            if cell("status"):
                self.problems.append(f"row without a recipient address skipped: {_quote(row)}")
            return
        self._add(address, cell("status"), cell("details"))

    def _without_header(self, row: list[str]) -> None:
        at = next((i for i, c in enumerate(row) if EMAIL.search(c)), None)
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
        self._add(address_in(row[at]) or "", status, reason)

    def _line(self, text: str) -> None:
        first = _ADDRESS_FIRST.fullmatch(text)
        if first and first["rest"]:
            status, reason = _split_status(first["rest"])
            if status and not EMAIL.search(status):  # not "a@x; b@x", a list of addresses
                self._add(first["address"].strip(".").lower(), status, reason)
            return
        found = list(EMAIL.finditer(text))
        if not found:
            return
        # "Recall Failure: a@x, b@x" or "The recall failed for a@x because ..."
        status, _ = _split_status(text[:found[0].start()].strip(" \t:-–—|;,<\"("))
        if status and classify_status(status)[1]:
            reason = text[found[-1].end():].strip(" \t:-–—|;,>\")") or None
            for match in found:
                self._add(match[0].strip(".").lower(), status, reason)


