"""Does a correction's draft still hold the original message? The rule, pure.

Graph's ``createReplyAll`` makes a draft that quotes the original under the new text (Graph
v1.0 reference, *message: createReplyAll*; docs/microsoft-facts.md). The correction replaces
the whole body, then reads the draft back; this module decides from the texts alone whether
that draft may go out (docs/templates.md, "The correction carries only the correction").

The comparison is by words: HTML becomes text, then NFKC, case folding and invisible format
characters removed, then runs of letters and digits. So markup, entities, line breaks and
punctuation cannot hide a quote, and a quote that Outlook re-flowed still matches.

A draft *quotes* the original when it holds a run of ``RUN_WORDS`` consecutive words of the
original more often than the previewed body does. Counting against the preview matters: text
the sender put into the correction on purpose (the subject, a corrected sentence typed into a
field) was shown to them and is theirs to send; what Graph added under it is not. An original
shorter than the run counts when the draft holds all of it, provided it is long enough to be
told apart from chance ("Hi" or a first name could be anywhere: see ``MIN_SHORT_WORDS``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from html.parser import HTMLParser

RUN_WORDS = 8  # a phrase of this many words is specific to its message
MIN_SHORT_WORDS = 3  # a shorter original is checked whole when it has this many words...
MIN_SHORT_CHARS = 12  # ...or this many letters and digits ("Password: hunter22")

_WORD = re.compile(r"\w+")
_BLOCKS = frozenset({"p", "div", "br", "hr", "li", "tr", "td", "th", "table", "ul", "ol",
                     "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                     "article", "header", "footer", "body", "html"})
_UNSHOWN = frozenset({"script", "style"})


class _Text(HTMLParser):
    """The text of an HTML body. Inline tags join ("<b>42</b>,000" stays one number); block
    tags separate. Everything that is not script or style counts, hidden or not: a quote in
    a ``display:none`` block is still delivered."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _UNSHOWN:
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNSHOWN:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def body_text(content: str, content_type: str = "html") -> str:
    """A Graph itemBody's text: HTML is reduced to its text, plain text stays as it is."""
    if content_type.lower() != "html":
        return content
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


def words(text: str) -> list[str]:
    """``text`` as comparable words: NFKC, case-folded, format characters (soft hyphens,
    zero-width spaces) dropped, split on anything that is not a letter or a digit."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return _WORD.findall(visible)


def _runs(tokens: Sequence[str], size: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def _distinctive(tokens: Sequence[str]) -> bool:
    return len(tokens) >= MIN_SHORT_WORDS or sum(map(len, tokens)) >= MIN_SHORT_CHARS


def quoted_runs(draft: str, original: str, previewed: str) -> int:
    """How many runs of the original's words the draft holds beyond the previewed body (all
    three as text, see ``body_text``); 0 means the draft carries nothing of the original."""
    source = words(original)
    size = min(RUN_WORDS, len(source))
    if size == 0 or (size < RUN_WORDS and not _distinctive(source)):
        return 0
    wanted = set(_runs(source, size))
    held, shown = _runs(words(draft), size), _runs(words(previewed), size)
    return sum(max(0, held[run] - shown[run]) for run in wanted)


def holds_preview(draft: str, previewed: str) -> bool:
    """Whether the draft holds the previewed body's words, in order and unbroken (a draft
    whose body was never set holds only Graph's quote)."""
    shown, held = words(previewed), words(draft)
    if not shown:
        return True
    first, size = shown[0], len(shown)
    return any(held[i:i + size] == shown
               for i in range(len(held) - size + 1) if held[i] == first)
