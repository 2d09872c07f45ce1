"""The words of recall reports: which subjects and message classes make a mail a report, what
a status says, and how an address is found in text.

Microsoft documents neither the wording nor the layout of a report (docs/recall-reports.md:
unconfirmed), so the vocabulary covers the English, German and French forms seen: a report, a
classic per-recipient "Message Recall Success/Failure" notice, or a bare ``Recall:`` request.
Status words map to ``succeeded | failed | pending``; words we do not know give ``pending``:
never guess success.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

RecallOutcome = Literal["succeeded", "failed", "pending"]
# "report": the per-message report; "notice": classic recall's one mail per recipient, whose
# subject carries the status; "request": a "Recall: <subject>" mail, a report only with results.
ReportKind = Literal["report", "notice", "request"]
# Outlook VBA reference, "Item Types and Message Classes": IPM.Recall.Report is the class of
# message recall reports (classic notices carry subclasses such as ...Report.Success).
REPORT_CLASS = "ipm.recall.report"

# Bounded repeats: a long run of letters must not make the search quadratic.
_LOCAL = r"[\w.!#$%&'*+/=?^`{}~-]"
EMAIL = re.compile(
    rf"(?<!{_LOCAL}){_LOCAL}{{1,64}}@(?:[^\W_][\w-]{{0,62}}\.){{1,8}}[^\W\d_]{{2,63}}")
_STRONG_SEP = r"(?:\s*[:\-–—]\s*|\s+)"  # "Report: x", "Report - x", "Report x"

# (kind, status the subject implies, prefix, separator before the original subject).
_SUBJECTS: tuple[tuple[ReportKind, RecallOutcome | None, str, str], ...] = (
    ("report", None, r"(?:message\s+)?recall\s+report(?:\s+(?:for|on|of)(?:\s+(?:the\s+)?"
                     r"message)?)?", _STRONG_SEP),
    ("report", None, r"(?:nachrichten)?rückrufs?bericht(?:\s+(?:für|zu[mr]?)"
                     r"(?:\s+(?:die\s+|der\s+)?nachricht)?)?", _STRONG_SEP),
    ("report", None, r"bericht\s+(?:zum|über\s+den)\s+(?:nachrichten)?rückruf", _STRONG_SEP),
    ("notice", "succeeded", r"(?:message\s+)?recall\s+success(?:ful)?", _STRONG_SEP),
    ("notice", "failed", r"(?:message\s+)?recall\s+fail(?:ure|ed)", _STRONG_SEP),
    ("notice", "succeeded", r"(?:nachrichten)?rückruf\s+erfolgreich", _STRONG_SEP),
    ("notice", "failed", r"(?:nachrichten)?rückruf\s+(?:fehlgeschlagen|nicht\s+erfolgreich)",
     _STRONG_SEP),
    ("notice", "failed", r"fehler\s+beim\s+(?:nachrichten)?rückruf", _STRONG_SEP),
    ("report", None, r"rapport\s+(?:de|du)\s+rappel(?:\s+(?:du|de\s+la|de)\s+message)?"
                     r"(?:\s+(?:pour|sur)\s+(?:le\s+)?message)?", _STRONG_SEP),
    ("notice", "succeeded", r"rappel\s+(?:du\s+message\s+)?r[ée]ussi", _STRONG_SEP),
    ("notice", "failed", r"(?:[ée]chec\s+(?:du\s+)?rappel(?:\s+du\s+message)?"
                         r"|rappel\s+(?:du\s+message\s+)?(?:[ée]chou[ée]|non\s+r[ée]ussi))",
     _STRONG_SEP),
    # A bare word needs its colon: "Recall the budget" is somebody's ordinary subject.
    ("request", None, r"recall", r"\s*:\s*"),
    ("request", None, r"(?:nachrichten)?rückruf", r"\s*:\s*"),
)
_SUBJECT_PATTERNS = tuple(
    (kind, status, re.compile(rf"(?:{prefix})(?:{sep}(?P<rest>.*))?", re.IGNORECASE))
    for kind, status, prefix, sep in _SUBJECTS
)

# Checked in this order, so "noch nicht zurückgerufen" is pending and "not recalled" failed.
_STATUS_WORDS: tuple[tuple[RecallOutcome, re.Pattern[str]], ...] = (
    ("pending", re.compile(r"\b(?:pending|in\s+progress|processing|queued|waiting|retrying"
                           r"|not\s+yet|ausstehend|in\s+bearbeitung|noch\s+nicht|läuft"
                           r"|wird\s+(?:noch\s+)?(?:ausgeführt|bearbeitet|verarbeitet)"
                           r"|en\s+attente|en\s+cours|pas\s+encore)\b")),
    ("failed", re.compile(r"\b(?:fail(?:s|ed|ure)?|unsuccessful|not\s+(?:been\s+)?recalled"
                          r"|unable|(?:could|can)\s*(?:not|n[o']?t)|error"
                          r"|fehlgeschlagen|fehler|nicht"
                          r"|[ée]chec|[ée]chou[ée]e?|impossible|erreur|non\s+rappel[ée]e?"
                          r"|n[e']\s*a\s+pas|pas\s+(?:pu|[ée]t[ée]))\b")),
    ("succeeded", re.compile(r"\b(?:success(?:ful(?:ly)?)?|succeeded|recalled|erfolgreich"
                             r"|zurückgerufen|r[ée]ussie?|succ[èe]s|rappel[ée]e?)\b")),
)

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def collapse(text: str) -> str:
    """NFKC, invisible characters out, whitespace runs to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def folded(text: str) -> str:
    return collapse(text).casefold()


def classify_status(text: str) -> tuple[RecallOutcome, bool]:
    """The outcome a status text stands for, and whether the words were recognised.

    Unrecognised (or empty) text is ``pending``: a report we cannot read never says success.
    """
    key = folded(text)
    for outcome, pattern in _STATUS_WORDS:
        if pattern.search(key):
            return outcome, True
    return "pending", False


@dataclass(frozen=True)
class ReportSubject:
    kind: ReportKind
    implied: RecallOutcome | None
    prefix: str  # "Message Recall Success"
    tail: str | None  # the original subject, when the subject carries it


def subject_kind(subject: str) -> ReportSubject | None:
    text = collapse(subject)
    for kind, status, pattern in _SUBJECT_PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            end = found.start("rest") if found["rest"] is not None else len(text)
            prefix = text[:end].strip(" :-–—")
            return ReportSubject(kind, status, prefix, (found["rest"] or "").strip() or None)
    return None


def is_report_class(message_class: str | None) -> bool:
    """Whether PR_MESSAGE_CLASS is a recall report's (``IPM.Recall.Report`` or a subclass)."""
    value = (message_class or "").strip().casefold()
    return value == REPORT_CLASS or value.startswith(REPORT_CLASS + ".")


def class_kind(message_class: str | None) -> ReportSubject | None:
    """What the message class says: a report, or a classic notice whose subclass gives the
    status (``IPM.Recall.Report.Success`` / ``.Failure``)."""
    if not is_report_class(message_class):
        return None
    tail = (message_class or "").strip().casefold()[len(REPORT_CLASS):].strip(".")
    if tail.startswith("success"):
        return ReportSubject("notice", "succeeded", "Recall Success", None)
    if tail.startswith("fail"):
        return ReportSubject("notice", "failed", "Recall Failure", None)
    return ReportSubject("report", None, "Recall Report", None)


def address_in(text: str) -> str | None:
    """The first address in ``text``, lower-cased."""
    found = EMAIL.search(text)
    return found[0].strip(".").lower() if found else None
