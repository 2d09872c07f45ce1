"""The plain text of a correction mail: field values and the subject cleaned of line breaks and
control characters, the sent date in English, and a text body read from the HTML one.

Kept apart from the Jinja2 templates so that these rules need nothing but the standard library.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

SUBJECT_MAX = 255  # what Outlook shows comfortably; longer subjects are cut with "…"
# C0/C1 controls, and the bidirectional overrides that can make text read other than it is.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_value(value: str, multiline: bool) -> str:
    value = _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        value = re.sub(r"\s*\n\s*", " ", value)
    return value.strip()


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_sent_date(when: dt.datetime | None) -> str:
    """"Thursday 26 November 2026, 12:00 UTC" (English, whatever the process locale)."""
    if when is None:
        return ""
    zone = when.tzname() or ""
    text = f"{_DAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year}, " \
           f"{when.hour:02d}:{when.minute:02d}"
    return f"{text} {zone}" if zone else text


def clean_subject(text: str) -> str:
    """One line, no control characters, at most ``SUBJECT_MAX`` characters."""
    text = re.sub(r"\s+", " ", _CONTROLS.sub(" ", text)).strip()
    return text if len(text) <= SUBJECT_MAX else text[:SUBJECT_MAX - 1].rstrip() + "…"


class _PlainText(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                         "blockquote", "pre", "hr"})
    _LINES = frozenset({"br", "li", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._links: list[tuple[str | None, int]] = []  # href, where the link's text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag in self._LINES:
            self.parts.append("\n- " if tag == "li" else "\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            text = "".join(self.parts[start:]).strip()
            if href and not href.startswith("mailto:") and href != text:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """A plain-text rendering of an HTML fragment (paragraphs, line breaks, list items, links)."""
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
