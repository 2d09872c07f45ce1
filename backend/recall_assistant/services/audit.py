"""Use case: the audit trail read out. Events as JSON objects and CSV rows, one format for
``GET /api/audit`` and the CLI.

CSV follows RFC 4180 (a header row, CRLF line ends, fields quoted when they must be) and is
safe to open in a spreadsheet, following OWASP "CSV Injection"
(https://owasp.org/www-community/attacks/CSV_Injection): a text cell gets a leading ``'`` when
it starts with a tab, carriage return or line feed, or when its first character after any
leading whitespace or invisible format characters, NFKC-normalised, is ``=``, ``+``, ``-``
(or U+2212 minus), ``@``, ``|``, ``;`` or ``%``. Spreadsheets skip leading spaces and accept
full-width ``＝`` as ``=``, and ``|``/``;``/``%`` open DDE and separator tricks, so a plain
``startswith("=")`` is not enough. The rest of the cell is kept as it was. Recipients choose
subjects and addresses, so such cells are attacker-chosen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..store import AUDIT_PAGE_MAX, AuditEvent

PAGE_MAX = AUDIT_PAGE_MAX  # the most events one page of the API holds
COLUMNS = ("id", "occurredAt", "event", "result", "actorOid", "actorTid", "actorAddress",
           "internetMessageId", "subject", "actionId", "requestId", "details")
# Compared with the first meaningful character after NFKC, so full-width forms match too.
FORMULA_STARTS = frozenset("=+-@|;%\u2212")
# A cell starting with one of these is defused whatever follows (OWASP lists tab and CR;
# LF likewise starts a new line inside the cell that some importers re-read).
CONTROL_STARTS = ("\t", "\r", "\n")


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (no offset means UTC; a date
    alone means its midnight). ValueError says what is wrong."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time "
                         "(e.g. 2026-11-01 or 2026-11-01T09:30:00Z)") from exc


def iso_utc(moment: dt.datetime) -> str:
    """``2026-11-27T09:30:00.123456Z``: ISO 8601 in UTC, microseconds always present."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_json(event: AuditEvent) -> dict[str, Any]:
    """An event as the API and the JSON export show it (keys as in :data:`COLUMNS`)."""
    return {
        "id": event.id,
        "occurredAt": iso_utc(event.occurred_at),
        "event": event.event,
        "result": event.result,
        "actorOid": event.actor_oid,
        "actorTid": event.actor_tid,
        "actorAddress": event.actor_address,
        "internetMessageId": event.internet_message_id,
        "subject": event.subject,
        "actionId": event.action_id,
        "requestId": event.request_id,
        "details": event.details,
    }


def csv_cell(value: Any) -> str | int:
    """One CSV field: text defused against formula injection, JSON for nested details."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                             ensure_ascii=False)
    return "'" + text if is_formula_like(text) else text


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate ``text`` (the OWASP rules in the module docstring)."""
    if text.startswith(CONTROL_STARTS):
        return True
    for char in text:
        # Spaces of any kind (U+3000, NBSP...) and invisible format characters (ZWSP, BOM,
        # bidi marks) are skipped: they hide the formula from the eye, not from the parser.
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The header line, then one line per event (each ends with CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for event in events:
        row = event_json(event)
        writer.writerow([csv_cell(row[column]) for column in COLUMNS])
        yield flush()


def write_csv(events: Iterable[AuditEvent], stream: IO[str]) -> int:
    """Write the CSV to ``stream``; return how many events were written."""
    count = -1  # the header line is not an event
    for line in csv_lines(events):
        stream.write(line)
        count += 1
    return count


def write_json(events: Iterable[AuditEvent], stream: IO[str]) -> int:
    """Write a JSON array of events, one per line, without holding them all in memory."""
    count = 0
    stream.write("[")
    for event in events:
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(event_json(event), ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count
