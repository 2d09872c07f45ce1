"""The pure parts of the store: audit formats, ISO instants, signed cursors, timestamps."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import threading

import pytest
from sqlalchemy.exc import StatementError

from recall_assistant.services.audit import (
    COLUMNS,
    csv_cell,
    csv_lines,
    iso_utc,
    parse_instant,
    write_csv,
    write_json,
)
from recall_assistant.store import Actor, AuditEvent, InvalidCursor, Store
from recall_assistant.store.cursors import MAX_ID, CursorSigner, Position, cursor_key
from recall_assistant.store.db import make_engine

MOMENT = dt.datetime(2026, 11, 20, 9, 30, 15, 120000, tzinfo=dt.UTC)


def event(**changes) -> AuditEvent:
    values = dict(id=7, occurred_at=MOMENT, event="recall.requested", result="recorded",
                  actor_oid="oid", actor_tid="tid", actor_address="adele@contoso.com",
                  internet_message_id="<a@b>", subject=None, action_id="a-1", request_id="r-1",
                  details={"request": {"replaceWith": False}})
    values.update(changes)
    return AuditEvent(**values)


@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+2", "'=1+2"), ("+33 1 23", "'+33 1 23"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    (None, ""), (42, 42), (True, "true"), ({"k": "=x"}, '{"k": "=x"}'),
])
def test_csv_cells(cell, expected):
    assert csv_cell(cell) == expected


# OWASP "CSV Injection": spreadsheets skip leading whitespace and read full-width forms.
DANGEROUS_CELLS = [
    "=1+1", " =1+1", "   =1+1", "\u3000=1", "\u00a0=1", "\u2003@SUM(A1)", "＝1+1", "﹦1",
    "\n=1", "\nplain", "\t=1", "\r=1", "\r\n=1", "+1", "-1", "\u22121", "@SUM(A1)",
    ";=1", "|calc", "%0A=1", "  ＋1", "－1", "＠SUM(A1)", "；=1", "｜calc", "\u200b=1",
    "\ufeff=1", "\u202e=1", " \t =cmd|' /C calc'!A0",
]
BENIGN_CELLS = ["hello", "a=b", "1 = 2", "adele@contoso.com", "<m1@contoso.com>", "Re: -1",
                "  hello", "\u3000hello", "1+1", "50%", "", "   "]


@pytest.mark.parametrize("cell", DANGEROUS_CELLS)
def test_formula_like_cells_get_a_leading_quote_and_keep_their_text(cell):
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", BENIGN_CELLS)
def test_benign_cells_are_unchanged(cell):
    assert csv_cell(cell) == cell


def test_integers_stay_integers_even_negative():
    assert csv_cell(-1) == -1 and csv_cell(0) == 0


def test_defused_cells_round_trip_through_the_csv_module():
    text = "".join(csv_lines([event(subject=cell, actor_address=cell) for cell in DANGEROUS_CELLS]))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["subject"] for row in rows] == ["'" + cell for cell in DANGEROUS_CELLS]
    assert all(row["actorAddress"].startswith("'") for row in rows)


def test_csv_quotes_commas_quotes_and_newlines():
    tricky = event(subject='Re: "Q3", final\nreally')
    text = "".join(csv_lines([tricky]))
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert header == list(COLUMNS)
    assert row[COLUMNS.index("subject")] == 'Re: "Q3", final\nreally'
    assert row[COLUMNS.index("occurredAt")] == "2026-11-20T09:30:15.120000Z"


def test_writers_count_events_and_json_is_an_array():
    out = io.StringIO()
    assert write_csv([event(), event(id=8)], out) == 2
    assert write_csv([], io.StringIO()) == 0
    out = io.StringIO()
    assert write_json([event(), event(id=8)], out) == 2
    assert [e["id"] for e in json.loads(out.getvalue())] == [7, 8]
    empty = io.StringIO()
    assert write_json([], empty) == 0 and json.loads(empty.getvalue()) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=dt.UTC)),
    ("2026-11-20T09:30:00Z", dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)),
    ("2026-11-20T10:30:00+01:00", dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)),
    ("2026-11-20T09:30", dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)),
])
def test_parse_instant(text, expected):
    parsed = parse_instant(text)
    assert parsed == expected and parsed.tzinfo == dt.UTC


@pytest.mark.parametrize("text", ["", "yesterday", "2026-02-30", "20:00", "0001-01-01T00:00+01:00"])
def test_parse_instant_refuses(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant(text)


def test_iso_utc_converts_offsets():
    assert iso_utc(dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) \
        == "2025-12-31T23:00:00.000000Z"


TENANT = "11111111-2222-3333-4444-555555555555"
OTHER = "99999999-8888-7777-6666-555555555555"


def test_a_signed_cursor_round_trips_for_its_tenant_and_direction():
    signer = CursorSigner(cursor_key("secret"))
    cursor = signer.dumps(Position(MOMENT, 7), tenant_id=TENANT, newest_first=True)
    assert signer.loads(cursor, tenant_id=TENANT, newest_first=True) == Position(MOMENT, 7)
    # Another instance of the same deployment (same secret) reads it too.
    assert CursorSigner(cursor_key("secret")).loads(
        cursor, tenant_id=TENANT, newest_first=True) == Position(MOMENT, 7)


def _unsigned(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _foreign_cursors() -> dict[str, str]:
    ours = CursorSigner(cursor_key("secret"))
    theirs = CursorSigner(cursor_key("another deployment"))
    good = ours.dumps(Position(MOMENT, 7), tenant_id=TENANT, newest_first=True)
    body, signature = good.rsplit(".", 1)
    return {
        # The old unsigned form, with an id past every integer column (once a 500).
        "forged huge id": _unsigned([MOMENT.isoformat(), 10**30]),
        "made up, well formed": _unsigned([MOMENT.isoformat(), 7]),
        "garbage": "not-a-cursor",
        "empty signature": f"{body}.",
        "tampered signature": f"{body}.{signature[::-1]}",
        "tampered payload": f"{body[:-2]}AA.{signature}",
        "signed by another key": theirs.dumps(Position(MOMENT, 7), tenant_id=TENANT,
                                              newest_first=True),
        "another tenant's": ours.dumps(Position(MOMENT, 7), tenant_id=OTHER, newest_first=True),
        "the other direction's": ours.dumps(Position(MOMENT, 7), tenant_id=TENANT,
                                            newest_first=False),
        "id past 64 bits": ours._serializer.dumps([TENANT, "desc", MOMENT.isoformat(),
                                                   MAX_ID + 1]),
        "id zero": ours._serializer.dumps([TENANT, "desc", MOMENT.isoformat(), 0]),
        "id true": ours._serializer.dumps([TENANT, "desc", MOMENT.isoformat(), True]),
        "naive time": ours._serializer.dumps([TENANT, "desc", "2026-11-20T09:30:15", 7]),
        "not a time": ours._serializer.dumps([TENANT, "desc", "yesterday", 7]),
        "short payload": ours._serializer.dumps([TENANT, "desc"]),
        "not a list": ours._serializer.dumps({"id": 7}),
    }


@pytest.mark.parametrize("name", list(_foreign_cursors()))
def test_a_cursor_the_server_did_not_hand_out_is_invalid(name):
    signer = CursorSigner(cursor_key("secret"))
    with pytest.raises(InvalidCursor) as caught:
        signer.loads(_foreign_cursors()[name], tenant_id=TENANT, newest_first=True)
    assert caught.value.status == 400 and caught.value.code == "invalid_cursor"


def test_the_cursor_key_depends_on_every_secret_given():
    assert cursor_key("a") != cursor_key("b")
    assert cursor_key("a", b"cert") != cursor_key("a", b"other cert")
    assert cursor_key("a", None) == cursor_key("a")


def test_an_in_memory_database_works_across_threads_and_refuses_naive_times():
    store = Store(make_engine("sqlite:///:memory:"))
    store.record_event("test.one", actor=Actor("o", "t"), result="ok")
    seen = []
    thread = threading.Thread(target=lambda: seen.extend(store.iter_audit()))
    thread.start()
    thread.join()
    assert [e.event for e in seen] == ["test.one"]
    naive = Store(store.engine, clock=lambda: dt.datetime(2026, 1, 1))
    with pytest.raises(StatementError, match="timezone-aware"):
        naive.record_event("test.two", actor=None, result="ok")
