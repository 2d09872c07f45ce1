"""Log lines that carry the request id (and the caller's tenant) of the request they belong to.

Two formats (``RA_LOG_FORMAT``): ``json``, one object a line for log collectors (``time``,
``level``, ``logger``, ``message``, ``requestId``, ``tenantId`` when known, and the access
line's ``method``, ``route``, ``status``, ``durationMs``); ``text`` for people at a terminal.
Nothing logs tokens or message bodies; as a safety net, anything that looks like a bearer
token or a JWT is replaced before a line is written, in either format.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

from flask import g, has_request_context

_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# Attributes a record may carry (``extra=``) that the JSON line shows as fields of their own.
EXTRA_FIELDS = ("method", "route", "status", "durationMs")
_SECRET = re.compile(
    r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"  # a JWT (header starts {")
    r"|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{8,}=*")  # an Authorization header's value
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with anything that looks like a token replaced."""
    return _SECRET.sub(REDACTED, text)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` ("-" outside a request) and ``tenant_id`` (None until the caller's
    token has been validated) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            caller = g.get("caller")
            record.tenant_id = getattr(caller, "tid", None)
        else:
            record.request_id = "-"
            record.tenant_id = None
        return True


class TextFormatter(logging.Formatter):
    """The classic one-line format, tokens redacted."""

    def __init__(self) -> None:
        super().__init__(_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        request_id = getattr(record, "request_id", "-")
        entry: dict[str, object] = {
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "requestId": None if request_id == "-" else request_id,
        }
        tenant = getattr(record, "tenant_id", None)
        if tenant:
            entry["tenantId"] = tenant
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Set up the package's logger once; calling again changes the level and the format."""
    logger = logging.getLogger("recall_assistant")
    logger.setLevel(level)
    handler = next((h for h in logger.handlers
                    if any(isinstance(f, RequestIdFilter) for f in h.filters)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.propagate = False
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
