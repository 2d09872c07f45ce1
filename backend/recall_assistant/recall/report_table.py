"""A report's body as blocks of rows of cells, whatever its shape: HTML table rows, or text
lines split at tabs, pipes or runs of spaces. What the rows say is ``report_rows``' question.

Hostile mail is bounded here: anyone can mail the sender a message whose subject looks like a
report's, so reading stays linear in the body and stops at ``MAX_ROWS``.
"""

from __future__ import annotations

import html
import re
from typing import Literal
from urllib.parse import unquote

from .report_words import EMAIL, collapse

BodyType = Literal["html", "text"]
MAX_ROWS = 20_000  # far above any real report (To+Cc+Bcc is capped at 500)


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.links: list[str] = []

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = collapse("".join(self.cell))
        if self.links and not EMAIL.search(text):
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
                 for cell in _split_cells(collapse(part))]
        if cells and self._line_links and not any(EMAIL.search(c) for c in cells):
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
    cells = [collapse(c) for part in line.split("|") for c in re.split(r"\t| {2,}|\xa0{2,}", part)]
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _looks_like_html(body: str) -> bool:
    return re.search(r"<(?:html|body|table|tr|td|p|div|br|span|a)\b", body, re.I) is not None


def body_blocks(body: str, body_type: BodyType | None) -> list[list[list[str]]]:
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

