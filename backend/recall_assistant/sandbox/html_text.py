"""HTML bodies as plain text: for ``bodyPreview`` and ``Prefer: outlook.body-content-type``.

Block elements end a line; table cells on one row are separated by a tab, so that a table
row reads as one line (the recall report's rows stay parseable in text form too).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "tr", "table", "hr", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN = {"head", "style", "script", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "tr":
            self.cells_in_row = 0
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self.parts.append("\t")
            self.cells_in_row += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def preview(content: str, content_type: str) -> str:
    """Graph's ``bodyPreview``: the first 255 characters of the text, whitespace collapsed."""
    text = html_to_text(content) if content_type == "html" else content
    return re.sub(r"\s+", " ", text).strip()[:255]
