"""The user's language on the backend: reason texts, recall outcomes and correction templates.

The pane sends Office's display language as ``Accept-Language``; :func:`negotiate` picks one
of :data:`LANGUAGES` (English when none fits). The English texts are the code's own; each
other language has a gettext catalogue, ``locales/<lang>.po``, whose msgids are those English
texts (read with Babel; ``tests/unit/test_i18n.py`` holds them complete and their
placeholders the same). Dates are written by Babel in the language and the user's time zone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .recall.correction_text import format_sent_date
from .recall.reasons import OUTCOME_TEXTS, REASON_TEXTS
from .recall.templates import CorrectionTemplate

LANGUAGES = ("en", "de", "fr")
LOCALES = Path(__file__).with_name("locales")


def negotiate(accept_language: str | None) -> str:
    """The best of :data:`LANGUAGES` for an ``Accept-Language`` header ("de-DE" → "de")."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(LANGUAGES, default="en") or "en"


@functools.cache
def catalogue(language: str) -> Catalog | None:
    """The language's catalogue (None for English, whose texts are the code's)."""
    if language == "en" or language not in LANGUAGES:
        return None
    with (LOCALES / f"{language}.po").open("rb") as po:
        return read_po(po, locale=language)


def translate(language: str, text: str) -> str:
    """``text`` (English, as in the code) in ``language``; English when it has no translation."""
    found = catalogue(language)
    message = found.get(text) if found is not None else None
    return message.string if message is not None and message.string else text


def time_zone(name: str | None) -> dt.tzinfo:
    """An IANA time zone ("Europe/Berlin"); UTC for None. Raises ValueError for an unknown one."""
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# Babel's date patterns for the date part; the time is HH:mm and the zone's short name.
_DATE_PATTERNS = {"de": "EEEE, d. MMMM y", "fr": "EEEE d MMMM y"}


def format_when(when: dt.datetime | None, language: str = "en") -> str:
    """A moment as a person reads it, in its own zone: "Thursday 26 November 2026, 12:00 UTC",
    "Donnerstag, 26. November 2026, 13:00 CET", "jeudi 26 novembre 2026, 13:00 CET"."""
    if when is None or language not in _DATE_PATTERNS:
        return format_sent_date(when)  # English, as the templates have always written it
    day = format_date(when.date(), _DATE_PATTERNS[language], locale=language)
    return f"{day}, {when.hour:02d}:{when.minute:02d} {when.tzname() or ''}".rstrip()


def format_wait(seconds: float, language: str = "en") -> str:
    """How long we wait for a recall report, in words ("24 hours", "24 Stunden", "24 heures")."""
    if seconds >= 3600 and seconds % 3600 == 0:
        unit = "hour"
    elif seconds >= 60 and seconds % 60 == 0:
        unit = "minute"
    else:
        unit = "second"
    return format_timedelta(dt.timedelta(seconds=seconds), threshold=10_000, granularity=unit,
                            format="long", locale=language)


@dataclass(frozen=True)
class Reader:
    """Who reads what we write: their language, and their time zone (IANA; None for UTC)."""

    language: str = "en"
    time_zone: str | None = None

    def when(self, moment: dt.datetime | None) -> str:
        """``moment`` in the reader's zone and words (see :func:`format_when`)."""
        if moment is None:
            return ""
        return format_when(moment.astimezone(time_zone(self.time_zone)), self.language)


ENGLISH_UTC = Reader()


def reason_text(code: str | None, params: Mapping[str, Any], language: str,
                fallback: str | None) -> str | None:
    """A reason's or an outcome's text in ``language``, filled with ``params``; ``fallback``
    (the text as stored) for a code we have no text for or params that do not fit it."""
    english = REASON_TEXTS.get(code or "") or OUTCOME_TEXTS.get(code or "")
    if english is None:
        return fallback
    values = {key: str(value) for key, value in params.items()}
    if "wait_s" in values:  # no_report: the wait, said in this language
        values["wait"] = format_wait(float(values["wait_s"]), language)
    try:
        return translate(language, english).format(**values)
    except (KeyError, IndexError, ValueError):
        return fallback


def localise_template(template: CorrectionTemplate, language: str) -> CorrectionTemplate:
    """A built-in template in ``language``; an organisation's is its own and stays as written."""
    if template.origin != "builtin" or catalogue(language) is None:
        return template
    return replace(
        template, title=translate(language, template.title),
        description=translate(language, template.description),
        subject=translate(language, template.subject),
        body="\n".join(translate(language, line) for line in template.body.split("\n")),
        fields=tuple(replace(f, label=translate(language, f.label)) for f in template.fields))
