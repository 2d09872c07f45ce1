"""The "Message Recall Report" the sandbox delivers to the sender's Inbox after a recall.

Microsoft does not document the report's exact wording (FACTS.md: unconfirmed), so this is a
realistic stand-in with a stable structure for the backend's (tolerant) parser:

* subject: ``Message Recall Report for message: <original subject>``
* HTML body with two tables:
  - ``<table id="original-message">``: rows ``Subject:``, ``Sent:``, ``Message ID:`` (the
    original's internetMessageId, HTML-escaped, so ``&lt;...&gt;``), ``Recall requested:``;
  - ``<table id="recall-results">``: a header row ``Recipient | Recall status | Details``, then
    one row per recipient: the address, one of ``Recall Success`` / ``Recall Failure`` /
    ``Pending``, and a sentence saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .recall_agent import FAILURE, PENDING, SUCCESS, Outcome

SUBJECT_PREFIX = "Message Recall Report for message: "
SENDER_NAME = "Microsoft Outlook"
# Exchange's system mailbox sends such notices; its local part is fixed across tenants.
SENDER_LOCAL_PART = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"


@dataclass(frozen=True)
class ReportContent:
    subject: str
    html: str


def _when(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%A, %B %d, %Y %H:%M UTC")


def render_report(*, subject: str, internet_message_id: str, sent: float,
                  requested: float, outcomes: Sequence[Outcome]) -> ReportContent:
    """The report for one recall request of the message described by the arguments."""
    counts = {status: sum(1 for o in outcomes if o.status == status)
              for status in (SUCCESS, FAILURE, PENDING)}
    summary = (f"{counts[SUCCESS]} recalled, {counts[FAILURE]} failed, "
               f"{counts[PENDING]} pending, of {len(outcomes)} recipients.")
    rows = "\n".join(
        f"<tr><td>{escape(o.address)}</td><td>{escape(o.status)}</td>"
        f"<td>{escape(o.detail)}</td></tr>" for o in outcomes
    )
    html = f"""<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body>
<p>Your request to recall the message below was processed. {escape(summary)}</p>
<table id="original-message">
<tr><th align="left">Subject:</th><td>{escape(subject)}</td></tr>
<tr><th align="left">Sent:</th><td>{_when(sent)}</td></tr>
<tr><th align="left">Message ID:</th><td>{escape(internet_message_id)}</td></tr>
<tr><th align="left">Recall requested:</th><td>{_when(requested)}</td></tr>
</table>
<table id="recall-results" border="1" cellpadding="4">
<tr><th>Recipient</th><th>Recall status</th><th>Details</th></tr>
{rows}
</table>
<p>Recipients marked Pending may still change: recall keeps trying for up to 24 hours.</p>
</body>
</html>
"""
    return ReportContent(subject=f"{SUBJECT_PREFIX}{subject}", html=html)
