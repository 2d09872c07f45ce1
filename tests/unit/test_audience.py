"""Who a correction goes to."""

from __future__ import annotations

import pytest

from recall_assistant.recall.audience import Addressee, AudienceError, choose_audience

SENDER = "adele@contoso.com"
ORIGINAL = [
    Addressee("alex@contoso.com", "Alex", "to"),
    Addressee("sales@contoso.com", "Sales", "to"),
    Addressee("jordan@gmail.com", "Jordan", "cc"),
    Addressee("adele@contoso.com", "Adele", "cc"),
    Addressee("lee@contoso.com", "Lee", "bcc"),
]
PEOPLE = [
    Addressee("alex@contoso.com", "Alex", "to"),
    Addressee("megan@contoso.com", "Megan", "to"),  # via sales@
    Addressee("jordan@gmail.com", "Jordan", "cc"),
    Addressee("lee@contoso.com", "Lee", "bcc"),
]


def addresses(people):
    return [p.address for p in people]


def test_all_answers_the_original_recipients_as_they_were_without_the_sender():
    chosen = choose_audience(ORIGINAL, "all", sender=SENDER, people=PEOPLE)
    assert addresses(chosen.to) == ["alex@contoso.com", "sales@contoso.com"]
    assert addresses(chosen.cc) == ["jordan@gmail.com"]
    assert addresses(chosen.bcc) == ["lee@contoso.com"]


def test_unrecallable_keeps_the_persons_recall_did_not_reach_and_bcc_stays_bcc():
    reached = {"ALEX@contoso.com": True, "megan@contoso.com": True, "lee@contoso.com": False}
    chosen = choose_audience(ORIGINAL, "unrecallable", sender=SENDER, people=PEOPLE,
                             reached=reached)
    assert addresses(chosen.to) == []
    assert addresses(chosen.cc) == ["jordan@gmail.com"]  # unknown counts as not reached
    assert addresses(chosen.bcc) == ["lee@contoso.com"]


def test_selected_accepts_original_recipients_and_group_members():
    chosen = choose_audience(ORIGINAL, "selected", sender=SENDER, people=PEOPLE,
                             selected=["Megan@Contoso.com ", "sales@contoso.com"])
    assert addresses(chosen.everyone) == ["megan@contoso.com", "sales@contoso.com"]


def test_selected_refuses_anyone_who_did_not_receive_the_original():
    with pytest.raises(AudienceError) as caught:
        choose_audience(ORIGINAL, "selected", sender=SENDER, people=PEOPLE,
                        selected=["alex@contoso.com", "boss@contoso.com"])
    assert caught.value.code == "recipients_not_in_original"
    assert caught.value.addresses == ("boss@contoso.com",)


@pytest.mark.parametrize(("audience", "kwargs"), [
    ("unrecallable", {"reached": {a: True for a in addresses(PEOPLE)}}),
    ("selected", {"selected": []}),
])
def test_an_empty_audience_is_refused(audience, kwargs):
    with pytest.raises(AudienceError) as caught:
        choose_audience(ORIGINAL, audience, sender=SENDER, people=PEOPLE, **kwargs)
    assert caught.value.code == "empty_audience"


def test_unknown_audience():
    with pytest.raises(AudienceError) as caught:
        choose_audience(ORIGINAL, "everyone", sender=SENDER)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_audience"
