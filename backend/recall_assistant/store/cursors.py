"""Audit paging cursors: signed, so that a cursor the server did not hand out is refused.

A cursor carries where the last page ended (its event's time and id), which tenant's log it
pages and in which direction. It is signed with an HMAC key (itsdangerous), so a caller can
neither forge a position (a huge id once overflowed the database's integer: a 500) nor take a
cursor from one tenant's log or one direction into another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from .records import InvalidCursor

# The audit table's ids are 64-bit signed integers on PostgreSQL (bigint) and in SQLite.
MAX_ID = 2**63 - 1
SALT = "recall-assistant.audit-cursor"


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last event's time and id (keyset paging)."""

    occurred_at: dt.datetime
    event_id: int


def cursor_key(*secrets: bytes | str | None) -> bytes:
    """A signing key derived from the deployment's own secret material (every instance of one
    deployment shares it, so any instance accepts another's cursor)."""
    digest = hashlib.sha256(SALT.encode())
    for secret in secrets:
        if secret:
            digest.update(secret.encode() if isinstance(secret, str) else secret)
    return digest.digest()


class CursorSigner:
    def __init__(self, key: bytes):
        self._serializer = URLSafeSerializer(key, salt=SALT)

    def dumps(self, position: Position, *, tenant_id: str | None, newest_first: bool) -> str:
        return str(self._serializer.dumps([
            tenant_id, "desc" if newest_first else "asc",
            position.occurred_at.astimezone(dt.UTC).isoformat(), position.event_id]))

    def loads(self, cursor: str, *, tenant_id: str | None, newest_first: bool) -> Position:
        """The position in ``cursor``; :class:`InvalidCursor` unless we made it for this very
        tenant and direction."""
        try:
            payload: Any = self._serializer.loads(cursor)
        except (BadData, ValueError, TypeError) as exc:
            raise InvalidCursor() from exc
        if not isinstance(payload, list) or len(payload) != 4:
            raise InvalidCursor()
        tid, direction, at, event_id = payload
        if tid != tenant_id or direction != ("desc" if newest_first else "asc"):
            raise InvalidCursor()
        if not isinstance(event_id, int) or isinstance(event_id, bool) \
                or not 0 < event_id <= MAX_ID or not isinstance(at, str):
            raise InvalidCursor()
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError as exc:
            raise InvalidCursor() from exc
        if moment.tzinfo is None:
            raise InvalidCursor()
        return Position(moment, event_id)
