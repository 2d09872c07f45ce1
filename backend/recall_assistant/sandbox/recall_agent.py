"""What the Message Recall agent decides for each recipient copy (docs/microsoft-facts.md,
"Per recipient").

Pure decisions over plain data; the mail store applies them (deletes the copies) and files the
report. The rules, per recipient of the original (groups expanded, each mailbox once):

* outside the tenant → failure; but a domain the tenant lists in ``crossTenantDomains`` stays
  **pending** (the request went to the other tenant, which may or may not act on it and never
  answers the sandbox);
* an address in the tenant's domains with no mailbox → failure;
* a user or **shared mailbox** (both are mailboxes: the sandbox treats them alike, as nothing
  confirms a difference for cloud recall) whose copy is gone → failure ("not found");
* cloud recall (``messageRecallEnabled``): the copy is hard-deleted wherever it is filed, read
  or not, unless it was read and ``recallReadMessagesEnabled`` is false; a message older than
  ``maxRecallableAgeDays`` is not recalled;
* classic recall (cloud recall off): fails for a read copy or one moved out of the Inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from .directory import Reached
from .fixture import Policy

# The status words of the report (unconfirmed: docs/recall-reports.md; the parser is tolerant).
SUCCESS = "Recall Success"
FAILURE = "Recall Failure"
PENDING = "Pending"


@dataclass(frozen=True)
class CopyState:
    """A recipient's copy of the original, as the agent finds it."""

    is_read: bool
    folder: str  # well-known folder name


@dataclass(frozen=True)
class Outcome:
    address: str
    name: str
    status: str  # SUCCESS | FAILURE | PENDING
    detail: str
    delete: bool = False  # the agent hard-deletes the copy


def judge(target: Reached, copy: CopyState | None, policy: Policy, *,
          age_days: float) -> Outcome:
    """The outcome of recalling one recipient's copy."""

    def result(status: str, detail: str, delete: bool = False) -> Outcome:
        return Outcome(target.address, target.name, status, detail, delete)

    if not target.internal:
        domain = target.address.rpartition("@")[2]
        if domain in policy.cross_tenant_domains:
            return result(PENDING, "The recall request was passed to the recipient's "
                                   "organization, which has not reported a result.")
        return result(FAILURE, "The recipient is outside your organization; the message "
                               "cannot be recalled from their mailbox.")
    if target.user is None:
        return result(FAILURE, "No mailbox with this address was found in your organization.")
    if policy.message_recall_enabled and policy.max_recallable_age_days is not None \
            and age_days > policy.max_recallable_age_days:
        return result(FAILURE, "The message is older than the recall limit set by your "
                               f"organization ({policy.max_recallable_age_days} days).")
    if copy is None:
        return result(FAILURE, "The message was not found in the recipient's mailbox; it "
                               "may have been deleted already.")
    if policy.message_recall_enabled:
        if copy.is_read and not policy.recall_read_messages_enabled:
            return result(FAILURE, "The recipient has already read the message, and your "
                                   "organization does not recall read messages.")
        return result(SUCCESS, "The message was deleted from the recipient's mailbox.", True)
    if copy.is_read:
        return result(FAILURE, "The recipient has already read the message.")
    if copy.folder != "inbox":
        return result(FAILURE, "The message was moved out of the recipient's Inbox.")
    return result(SUCCESS, "The message was deleted from the recipient's mailbox.", True)
