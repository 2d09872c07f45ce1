"""The hand-written response body is exactly what the marshmallow response schema gives."""

from __future__ import annotations

import datetime as dt

import pytest

from recall_assistant.api.eligibility import EligibilityResponse, eligibility_json
from recall_assistant.recall import model
from recall_assistant.recall.eligibility import assess_eligibility

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def result(recipients, directory, mode="delegated", copies=None):
    message = model.SentMessage("m1", "Subject", NOW - dt.timedelta(minutes=5), "<m1@x>",
                                "adele@contoso.com", tuple(recipients))
    return assess_eligibility(message, internal_domains=["contoso.com"], directory=directory,
                              policy=model.RecallPolicy(cross_tenant_domains=frozenset(
                                  {"fabrikam.com"})), now=NOW, mode=mode, copies=copies)


alex = model.DirectoryUser("u1", "alex@contoso.com", "Alex Wilber", ("+1 858 555 0110",))
lee = model.DirectoryUser("u2", "lee@contoso.com", "Lee Gu")
sales = model.DirectoryGroup("g1", "sales@contoso.com", "Sales",
                             (model.GroupMember("lee@contoso.com", lee, ("sales-emea@contoso.com",)),),
                             total_members=1)

CASES = {
    "internal": result([model.MessageRecipient("alex@contoso.com", "Alex", "to")],
                       {"alex@contoso.com": alex}),
    "mixed": result([model.MessageRecipient("alex@contoso.com", "Alex", "to"),
                     model.MessageRecipient("x@gmail.com", "X", "cc"),
                     model.MessageRecipient("p@fabrikam.com", "P", "bcc"),
                     model.MessageRecipient("sales@contoso.com", "Sales", "to"),
                     model.MessageRecipient("ghost@contoso.com", "Ghost", "to"),
                     model.MessageRecipient("adele@contoso.com", "Adele", "cc")],
                    {"alex@contoso.com": alex, "sales@contoso.com": sales}),
    "deep": result([model.MessageRecipient("alex@contoso.com", "Alex", "to")],
                   {"alex@contoso.com": alex}, mode="deep",
                   copies={"alex@contoso.com": model.MailboxCopy(is_read=True, in_inbox=False)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_written_body_matches_the_schema(name):
    assert eligibility_json(CASES[name]) == EligibilityResponse().dump(CASES[name])
