"""Eligibility rules (recall/eligibility.py): one case per reason code, then groups, the
summary and its headline, determinism, and purity (no clock, no I/O, standard library only)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from recall_assistant.recall.eligibility import assess_eligibility
from recall_assistant.recall.model import (
    DirectoryGroup,
    DirectoryUser,
    EligibilityResult,
    GroupMember,
    MailboxCopy,
    MessageRecipient,
    RecallPolicy,
    RecipientVerdict,
    SentMessage,
)
from recall_assistant.recall.reasons import NOTE_CODES, REASON_TEXTS, REASON_VERDICTS

ROOT = Path(__file__).resolve().parents[2]
RECALL_DIR = ROOT / "backend" / "recall_assistant" / "recall"
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
SENDER = "adele@contoso.com"
DOMAINS = ("contoso.com",)
POLICY = RecallPolicy(recall_enabled=True, recall_read_enabled=True, max_recallable_age_days=30,
                      cross_tenant_domains=frozenset({"fabrikam.com"}))


def user(local: str, name: str, phone: str | None = "+1 425 555 0100",
         purpose: str | None = None) -> DirectoryUser:
    return DirectoryUser(id=f"id-{local}", address=f"{local}@contoso.com", display_name=name,
                         business_phones=(phone,) if phone else (), mailbox_purpose=purpose)


ADELE = user("adele", "Adele Vance")
ALEX = user("alex", "Alex Wilber", "+1 858 555 0110")
MEGAN = user("megan", "Megan Bowen")
ISAIAH = user("isaiah", "Isaiah Langer")
LEE = user("lee", "Lee Gu")
JOHANNA = user("johanna", "Johanna Lorenz")
PATTI = user("patti", "Patti Fernandez")
DIEGO = user("diego", "Diego Siciliani", phone=None)
SUPPORT_DELEGATED = user("support", "Contoso Support", phone=None)  # purpose unreadable
SUPPORT_DEEP = user("support", "Contoso Support", phone=None, purpose="shared")
ROOM = user("room1", "Board Room", phone=None, purpose="room")

# sales ⊃ sales-emea, as in the demo tenant; Megan is in both (directly in sales).
SALES = DirectoryGroup(
    id="g-sales", address="sales@contoso.com", display_name="Sales", total_members=5,
    members=(
        GroupMember(ALEX.address, ALEX),
        GroupMember(MEGAN.address, MEGAN),
        GroupMember(ISAIAH.address, ISAIAH),
        GroupMember(LEE.address, LEE, ("sales-emea@contoso.com",)),
        GroupMember(JOHANNA.address, JOHANNA, ("sales-emea@contoso.com",)),
        GroupMember(MEGAN.address, MEGAN, ("sales-emea@contoso.com",)),
    ),
)
SALES_EMEA = DirectoryGroup(
    id="g-emea", address="sales-emea@contoso.com", display_name="Sales EMEA", total_members=3,
    members=(GroupMember(LEE.address, LEE), GroupMember(JOHANNA.address, JOHANNA),
             GroupMember(MEGAN.address, MEGAN)),
)
BIG = DirectoryGroup(id="g-all", address="all@contoso.com", display_name="Everyone",
                     total_members=812, capped=True,
                     members=(GroupMember(ALEX.address, ALEX), GroupMember(PATTI.address, PATTI),
                              GroupMember(DIEGO.address, DIEGO)))
HIDDEN = DirectoryGroup(id="g-hidden", address="board@contoso.com", display_name="Board")
GUEST = DirectoryUser(id="id-guest", address="jordan.miller@gmail.com",
                      display_name="Jordan Miller (guest)")


def directory(*entries: DirectoryUser | DirectoryGroup) -> dict:
    base = [ADELE, ALEX, MEGAN, ISAIAH, LEE, JOHANNA, PATTI, DIEGO, SUPPORT_DELEGATED, SALES,
            SALES_EMEA, BIG, HIDDEN]
    return {e.address: e for e in [*base, *entries]}


def to(*addresses: str) -> list[MessageRecipient]:
    return [MessageRecipient(a, "", "to") for a in addresses]


def cc(*addresses: str) -> list[MessageRecipient]:
    return [MessageRecipient(a, "", "cc") for a in addresses]


def bcc(*addresses: str) -> list[MessageRecipient]:
    return [MessageRecipient(a, "", "bcc") for a in addresses]


def message(recipients: list[MessageRecipient], age: dt.timedelta = dt.timedelta(minutes=12),
            sender: str = SENDER) -> SentMessage:
    return SentMessage(id="AAMk-1", subject="Q4 forecast", sent_at=NOW - age,
                       internet_message_id="<1@contoso.com>", sender=sender,
                       recipients=tuple(recipients))


def check(recipients: list[MessageRecipient], *, policy: RecallPolicy = POLICY,
          mode: str = "delegated", copies: dict | None = None, extra: tuple = (),
          age: dt.timedelta = dt.timedelta(minutes=12), now: dt.datetime = NOW) -> EligibilityResult:
    return assess_eligibility(message(recipients, age), internal_domains=DOMAINS,
                              directory=directory(*extra), policy=policy, now=now, mode=mode,
                              copies=copies)


def entry(result: EligibilityResult, address: str) -> RecipientVerdict:
    found = [r for r in result.recipients if r.address.lower() == address.lower()]
    assert len(found) == 1, f"{address} appears {len(found)} times"
    return found[0]


def codes(r: RecipientVerdict) -> list[str]:
    return [reason.code for reason in r.reasons]


# ---------------------------------------------------------------------------- one case a code

NO_READ_RECALL = replace(POLICY, recall_read_enabled=False)
CLASSIC = replace(POLICY, recall_enabled=False)


@dataclass(frozen=True)
class Case:
    code: str
    recipients: list[MessageRecipient]
    address: str
    verdict: str
    suggestion: str
    kind: str
    policy: RecallPolicy = POLICY
    mode: str = "delegated"
    copies: dict | None = None
    extra: tuple = ()
    age: dt.timedelta = dt.timedelta(minutes=12)
    counted: bool = True
    params: dict = field(default_factory=dict)


CASES = [
    Case("internal_mailbox", to("alex@contoso.com"), "alex@contoso.com", "likely", "recall",
         "internal_user"),
    Case("read_state_unknown", to("alex@contoso.com"), "alex@contoso.com", "unknown", "recall",
         "internal_user", policy=NO_READ_RECALL),
    Case("unread_copy", to("alex@contoso.com"), "alex@contoso.com", "likely", "recall",
         "internal_user", policy=NO_READ_RECALL, mode="deep",
         copies={"alex@contoso.com": MailboxCopy(is_read=False)}),
    Case("read_copy_kept", to("alex@contoso.com"), "alex@contoso.com", "impossible", "contact",
         "internal_user", policy=NO_READ_RECALL, mode="deep",
         copies={"alex@contoso.com": MailboxCopy(is_read=True)}),
    Case("moved_copy", to("alex@contoso.com"), "alex@contoso.com", "unknown", "recall",
         "internal_user", mode="deep",
         copies={"alex@contoso.com": MailboxCopy(is_read=True, in_inbox=False)}),
    Case("copy_gone", to("alex@contoso.com"), "alex@contoso.com", "likely", "recall",
         "internal_user", mode="deep", copies={"alex@contoso.com": None}),
    Case("shared_mailbox", to("support@contoso.com"), "support@contoso.com", "unknown",
         "recall", "shared_mailbox", mode="deep", extra=(SUPPORT_DEEP,)),
    Case("special_mailbox", to("room1@contoso.com"), "room1@contoso.com", "unknown", "recall",
         "internal_user", mode="deep", extra=(ROOM,)),
    Case("too_old", to("alex@contoso.com"), "alex@contoso.com", "impossible", "contact",
         "internal_user", age=dt.timedelta(days=45),
         params={"age_days": "45", "max_days": "30"}),
    Case("classic_recall", to("alex@contoso.com"), "alex@contoso.com", "unlikely", "contact",
         "internal_user", policy=CLASSIC),
    Case("classic_read_copy", to("alex@contoso.com"), "alex@contoso.com", "impossible",
         "contact", "internal_user", policy=CLASSIC, mode="deep",
         copies={"alex@contoso.com": MailboxCopy(is_read=True)}),
    Case("classic_moved_copy", to("alex@contoso.com"), "alex@contoso.com", "impossible",
         "contact", "internal_user", policy=CLASSIC, mode="deep",
         copies={"alex@contoso.com": MailboxCopy(is_read=False, in_inbox=False)}),
    Case("unresolved_internal", to("former.employee@contoso.com"),
         "former.employee@contoso.com", "unknown", "recall", "unresolved",
         params={"address": "former.employee@contoso.com"}),
    Case("unreadable_address", to("/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=x"),
         "/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=x", "unknown", "recall", "unresolved"),
    Case("consumer_mail", bcc("jordan.miller@gmail.com"), "jordan.miller@gmail.com",
         "impossible", "correction", "external", params={"domain": "gmail.com"}),
    Case("other_organisation", to("ceo@northwind.example"), "ceo@northwind.example",
         "unlikely", "correction", "external", params={"domain": "northwind.example"}),
    Case("cross_tenant_listed", cc("buyer@fabrikam.com"), "buyer@fabrikam.com", "unknown",
         "recall", "external", params={"domain": "fabrikam.com"}),
    Case("via_group", to("sales@contoso.com"), "alex@contoso.com", "likely", "recall",
         "internal_user", params={"group": "Sales"}),
    Case("via_nested_group", to("sales@contoso.com"), "lee@contoso.com", "likely", "recall",
         "internal_user", params={"group": "Sales", "path": "sales-emea@contoso.com"}),
    Case("group_expanded", to("sales@contoso.com"), "sales@contoso.com", "likely", "recall",
         "internal_group", counted=False, params={"count": "5"}),
    Case("group_capped", to("all@contoso.com"), "all@contoso.com", "unknown", "recall",
         "internal_group", counted=False,
         params={"group": "Everyone", "total": "812", "checked": "3"}),
    Case("group_no_members", to("board@contoso.com"), "board@contoso.com", "unknown", "recall",
         "internal_group", counted=False, params={"group": "Board"}),
    Case("sender_own_copy", to("adele@contoso.com", "alex@contoso.com"), "adele@contoso.com",
         "likely", "none", "internal_user", counted=False),
]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_each_reason_code(case: Case) -> None:
    result = check(case.recipients, policy=case.policy, mode=case.mode, copies=case.copies,
                   extra=case.extra, age=case.age)
    got = entry(result, case.address)
    assert case.code in codes(got)
    assert (got.verdict, got.suggestion, got.kind, got.counted) == (
        case.verdict, case.suggestion, case.kind, case.counted)
    reason = next(r for r in got.reasons if r.code == case.code)
    assert dict(reason.params) == case.params
    # The text is the documented template, filled in: the pane can translate it by code.
    assert reason.text == REASON_TEXTS[case.code].format(**case.params)


def test_the_table_has_a_case_for_every_person_code() -> None:
    assert {c.code for c in CASES} == set(REASON_TEXTS) - NOTE_CODES


# ---------------------------------------------------------------------------- rule details


def test_read_copy_with_read_recall_on_stays_likely_in_the_deep_check() -> None:
    result = check(to("alex@contoso.com"), mode="deep",
                   copies={"alex@contoso.com": MailboxCopy(is_read=True)})
    assert entry(result, "alex@contoso.com").verdict == "likely"


def test_moved_and_read_with_read_recall_off_is_impossible_not_unknown() -> None:
    result = check(to("alex@contoso.com"), policy=NO_READ_RECALL, mode="deep",
                   copies={"alex@contoso.com": MailboxCopy(is_read=True, in_inbox=False)})
    got = entry(result, "alex@contoso.com")
    assert got.verdict == "impossible"
    assert codes(got) == ["read_copy_kept", "moved_copy"]


def test_a_delegated_check_cannot_tell_a_shared_mailbox_and_says_so() -> None:
    result = check(to("support@contoso.com"))
    got = entry(result, "support@contoso.com")
    assert (got.kind, got.verdict) == ("internal_user", "likely")
    assert "quick_check_limits" in [n.code for n in result.summary.notes]
    assert "quick_check_limits" not in [n.code for n in check(
        to("support@contoso.com"), mode="deep", copies={}).summary.notes]


def test_a_shared_mailbox_gets_a_correction_not_a_call_when_recall_cannot_reach_it() -> None:
    result = check(to("support@contoso.com"), policy=CLASSIC, mode="deep", extra=(SUPPORT_DEEP,))
    got = entry(result, "support@contoso.com")
    assert (got.verdict, got.suggestion) == ("unlikely", "correction")


def test_contact_needs_no_phone_but_passes_one_on_when_known() -> None:
    result = check(to("alex@contoso.com", "diego@contoso.com"), policy=CLASSIC)
    alex, diego = entry(result, "alex@contoso.com"), entry(result, "diego@contoso.com")
    assert (alex.suggestion, alex.business_phone, alex.display_name) == (
        "contact", "+1 858 555 0110", "Alex Wilber")
    assert (diego.suggestion, diego.business_phone) == ("contact", None)


def test_the_most_cautious_reason_decides() -> None:
    # unknown (not in the directory) and unlikely (classic recall): unlikely wins.
    got = entry(check(to("former.employee@contoso.com"), policy=CLASSIC),
                "former.employee@contoso.com")
    assert (got.verdict, codes(got)) == ("unlikely", ["unresolved_internal", "classic_recall"])
    assert got.suggestion == "correction"  # not in the directory: no one to call


def test_members_we_could_not_check_follow_classic_recall_too() -> None:
    summary = check(to("all@contoso.com"), policy=CLASSIC).summary
    assert (summary.verdict, summary.unchecked) == ("not_recallable", 809)
    assert summary.headline.endswith("Everyone has 812 members; only the first 3 were checked.")


def test_a_guest_in_the_directory_is_still_external() -> None:
    got = entry(check(to("jordan.miller@gmail.com"), extra=(GUEST,)), "jordan.miller@gmail.com")
    assert (got.kind, got.verdict, codes(got)) == ("external", "impossible", ["consumer_mail"])


def test_cross_tenant_listing_means_nothing_under_classic_recall() -> None:
    got = entry(check(cc("buyer@fabrikam.com"), policy=CLASSIC), "buyer@fabrikam.com")
    assert (got.verdict, codes(got)) == ("unlikely", ["other_organisation"])


def test_too_old_is_impossible_for_everyone_who_might_otherwise_be_reached() -> None:
    result = check(to("alex@contoso.com", "buyer@fabrikam.com", "former.employee@contoso.com",
                      "sales@contoso.com"), age=dt.timedelta(days=45))
    assert {r.verdict for r in result.recipients} == {"impossible"}
    assert all(codes(r)[0] == "too_old" for r in result.recipients)
    # Nothing that would contradict it ("recall deletes this copy") is said of a colleague.
    assert codes(entry(result, "alex@contoso.com")) == ["too_old"]
    assert result.summary.verdict == "not_recallable"
    assert result.summary.headline == (
        "This message is 45 days old and your organisation recalls messages only up to 30 "
        "days old: recall will not reach anyone. Send a correction or get in touch instead.")


def test_the_age_cap_is_a_cloud_recall_setting() -> None:
    got = entry(check(to("alex@contoso.com"), policy=CLASSIC, age=dt.timedelta(days=45)),
                "alex@contoso.com")
    assert codes(got) == ["classic_recall"]


def test_no_age_cap_configured_means_no_age_rule() -> None:
    policy = replace(POLICY, max_recallable_age_days=None)
    got = entry(check(to("alex@contoso.com"), policy=policy, age=dt.timedelta(days=400)),
                "alex@contoso.com")
    assert got.verdict == "likely"


def test_addresses_match_whatever_their_case() -> None:
    result = check(to("Alex@Contoso.COM") + cc("alex@contoso.com"), mode="deep",
                   copies={"ALEX@contoso.com": None})
    assert [codes(r) for r in result.recipients] == [["copy_gone"]]


def test_copies_are_deep_check_only_and_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="deep check"):
        check(to("alex@contoso.com"), copies={})
    with pytest.raises(ValueError, match="timezone-aware"):
        check(to("alex@contoso.com"), now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="field"):
        check([MessageRecipient("alex@contoso.com", "Alex", "from")])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- groups


def test_nested_groups_are_flattened_each_person_once_with_the_path() -> None:
    result = check(to("sales@contoso.com"))
    rows = [(r.address, r.kind, r.via, r.via_path, r.counted) for r in result.recipients]
    assert rows == [
        ("sales@contoso.com", "internal_group", None, (), False),
        ("alex@contoso.com", "internal_user", "sales@contoso.com", (), True),
        ("isaiah@contoso.com", "internal_user", "sales@contoso.com", (), True),
        ("johanna@contoso.com", "internal_user", "sales@contoso.com",
         ("sales-emea@contoso.com",), True),
        ("lee@contoso.com", "internal_user", "sales@contoso.com",
         ("sales-emea@contoso.com",), True),
        # In sales directly and through sales-emea: the direct membership is kept.
        ("megan@contoso.com", "internal_user", "sales@contoso.com", (), True),
    ]
    assert result.summary.total == 5


def test_a_group_entry_says_how_many_people_it_holds_and_which_groups_are_inside() -> None:
    emea_inside = replace(SALES, nested_groups=("Sales EMEA",))
    group = entry(check(to("sales@contoso.com"), extra=(emea_inside,)), "sales@contoso.com")
    assert (group.member_count, group.nested_groups) == (5, ("Sales EMEA",))
    capped = entry(check(to("all@contoso.com")), "all@contoso.com")
    assert (capped.member_count, capped.nested_groups) == (812, ())
    person = entry(check(to("alex@contoso.com")), "alex@contoso.com")
    assert (person.member_count, person.nested_groups) == (None, ())


def test_a_name_that_only_repeats_the_address_gives_way_to_the_directory_name() -> None:
    result = check([MessageRecipient("Alex@Contoso.com", "alex@contoso.com", "to"),
                    MessageRecipient("megan@contoso.com", "Megan (Sales)", "to"),
                    MessageRecipient("jordan.miller@gmail.com", "jordan.miller@gmail.com", "cc")])
    assert [r.name for r in result.recipients] == [
        "Alex Wilber", "Megan (Sales)", "jordan.miller@gmail.com"]


def test_overlapping_groups_the_first_in_field_order_wins() -> None:
    result = check(cc("sales-emea@contoso.com") + to("sales@contoso.com"))
    assert entry(result, "lee@contoso.com").via == "sales@contoso.com"
    assert entry(result, "lee@contoso.com").field == "to"
    emea = entry(result, "sales-emea@contoso.com")
    assert (emea.kind, emea.field, emea.counted) == ("internal_group", "cc", False)
    assert result.summary.total == 5


def test_a_direct_recipient_wins_over_group_membership_even_in_a_later_field() -> None:
    result = check(to("sales@contoso.com") + bcc("lee@contoso.com"))
    lee = entry(result, "lee@contoso.com")
    assert (lee.via, lee.field, lee.via_path) == (None, "bcc", ())
    assert "via_group" not in codes(lee) and "via_nested_group" not in codes(lee)
    assert result.recipients[-1] is lee  # listed where the sender put it
    assert result.summary.total == 5


def test_a_duplicate_across_to_cc_bcc_appears_once_in_the_first_field() -> None:
    result = check(bcc("alex@contoso.com") + cc("alex@contoso.com") + to("alex@contoso.com"))
    assert [(r.address, r.field) for r in result.recipients] == [("alex@contoso.com", "to")]
    assert result.summary.total == 1


def test_the_same_group_twice_gives_one_group_entry() -> None:
    result = check(to("sales@contoso.com") + cc("sales@contoso.com"))
    assert [r.address for r in result.recipients].count("sales@contoso.com") == 1


def test_bcc_recipients_are_judged_and_counted() -> None:
    result = check(to("alex@contoso.com") + bcc("jordan.miller@gmail.com", "lee@contoso.com"))
    assert [(r.address, r.field, r.counted) for r in result.recipients] == [
        ("alex@contoso.com", "to", True), ("jordan.miller@gmail.com", "bcc", True),
        ("lee@contoso.com", "bcc", True)]
    assert (result.summary.recallable, result.summary.total) == (2, 3)


def test_the_sender_inside_a_group_is_not_counted() -> None:
    team = replace(SALES_EMEA, address="team@contoso.com", display_name="Team",
                   members=(GroupMember(ADELE.address, ADELE), GroupMember(LEE.address, LEE)))
    result = check(to("team@contoso.com"), extra=(team,))
    adele = entry(result, "adele@contoso.com")
    assert (adele.suggestion, adele.counted, adele.via) == ("none", False, "team@contoso.com")
    assert (result.summary.total, result.summary.verdict) == (1, "recallable")


def test_a_capped_group_is_never_called_recallable() -> None:
    result = check(to("all@contoso.com"))
    summary = result.summary
    assert [r.verdict for r in result.recipients if r.counted] == ["likely"] * 3
    assert (summary.verdict, summary.recallable, summary.total, summary.unchecked) == (
        "partly_recallable", 3, 3, 809)
    assert summary.headline == (
        "Recall will probably delete the copies of all 3 checked recipients. "
        "Everyone has 812 members; only the first 3 were checked.")


def test_two_capped_groups_are_summed_up_in_the_headline() -> None:
    other = replace(BIG, address="all2@contoso.com", display_name="Everyone 2", total_members=20)
    result = check(to("all@contoso.com", "all2@contoso.com"), extra=(other,))
    assert result.summary.unchecked == 809 + 17
    assert result.summary.headline.endswith("826 members of 2 large groups were not checked.")


def test_a_group_whose_members_we_cannot_see_makes_the_summary_unknown() -> None:
    result = check(to("board@contoso.com"))
    assert (result.summary.verdict, result.summary.total) == ("unknown", 0)
    assert result.summary.headline == (
        "We cannot tell who got this message, so we cannot say what recall will do. "
        "We could not see who is in Board.")


# ---------------------------------------------------------------------------- summary


SUMMARY_CASES = [
    ("recallable", to("alex@contoso.com", "megan@contoso.com"), 2, 2,
     "Recall will probably delete the copies of all 2 recipients."),
    ("recallable", to("alex@contoso.com"), 1, 1,
     "Recall will probably delete your recipient's copy."),
    ("partly_recallable",
     to("alex@contoso.com", "jordan.miller@gmail.com", "former.employee@contoso.com"), 1, 3,
     "Of 3 recipients, 1 will probably keep this message and for 1 we cannot tell; recall will "
     "probably delete the other copy."),
    ("partly_recallable", to("alex@contoso.com", "ceo@northwind.example"), 1, 2,
     "Of 2 recipients, 1 will probably keep this message; recall will probably delete the "
     "other copy."),
    ("unknown", to("former.employee@contoso.com", "jordan.miller@gmail.com"), 0, 2,
     "Of 2 recipients, 1 will probably keep this message; for the other one we cannot tell what "
     "recall will do."),
    ("unknown", to("former.employee@contoso.com", "buyer@fabrikam.com"), 0, 2,
     "We cannot tell whether recall will reach any of the 2 recipients."),
    ("unknown", to("buyer@fabrikam.com"), 0, 1,
     "We cannot tell whether recall will reach your recipient."),
    ("not_recallable", to("sam.rivera@gmail.com", "ceo@northwind.example"), 0, 2,
     "Recall will probably not reach any of the 2 recipients: send a correction or get in "
     "touch instead."),
    ("not_recallable", to("sam.rivera@gmail.com"), 0, 1,
     "Recall will probably not reach your recipient: send a correction or get in touch "
     "instead."),
    ("not_recallable", to("adele@contoso.com"), 0, 0,
     "You are the only recipient: there is no one to recall this message from."),
    ("not_recallable", [], 0, 0, "This message has no recipients to recall it from."),
]


@pytest.mark.parametrize(("verdict", "recipients", "recallable", "total", "headline"),
                         SUMMARY_CASES)
def test_summary_verdict_and_headline(verdict: str, recipients: list, recallable: int,
                                      total: int, headline: str) -> None:
    summary = check(recipients).summary
    assert (summary.verdict, summary.recallable, summary.total, summary.headline) == (
        verdict, recallable, total, headline)
    if verdict != "recallable":
        # Honest hints: no promise where the facts do not make one.
        assert "All " not in summary.headline and "Your recipient will" not in summary.headline


def test_classic_recall_headline_says_why() -> None:
    summary = check(to("alex@contoso.com", "megan@contoso.com"), policy=CLASSIC).summary
    assert summary.verdict == "not_recallable"
    assert summary.headline == (
        "Recall will probably not reach any of the 2 recipients (your organisation uses "
        "Outlook's old recall): send a correction or get in touch instead.")


def test_forwards_are_always_noted() -> None:
    for mode, copies in (("delegated", None), ("deep", {})):
        notes = check(to("alex@contoso.com"), mode=mode, copies=copies).summary.notes
        assert notes[0].code == "forwards_not_followed"


def test_the_demo_board_deck_message_end_to_end() -> None:
    """sent10_everyone from the demo tenant: groups, a shared mailbox, outsiders, bcc."""
    recipients = (to("sales@contoso.com", "patti@contoso.com")
                  + cc("support@contoso.com", "partner@fabrikam.com")
                  + bcc("jordan.miller@gmail.com", "former.employee@contoso.com"))
    quick = check(recipients).summary
    assert (quick.verdict, quick.recallable, quick.total) == ("partly_recallable", 7, 10)
    assert quick.headline == ("Of 10 recipients, 1 will probably keep this message and for 2 we "
                              "cannot tell; recall will probably delete the other 7 copies.")
    deep = check(recipients, mode="deep", copies={}, extra=(SUPPORT_DEEP,)).summary
    assert (deep.recallable, deep.total) == (6, 10)
    assert deep.headline.endswith("1 will probably keep this message and for 3 we cannot tell; "
                                  "recall will probably delete the other 6 copies.")


# ---------------------------------------------------------------------------- determinism, purity


def test_same_input_same_output_whatever_the_member_and_directory_order() -> None:
    recipients = to("sales@contoso.com", "alex@contoso.com") + cc("all@contoso.com")
    first = check(recipients)
    assert check(recipients) == first
    shuffled = replace(SALES, members=tuple(reversed(SALES.members)))
    dir_reversed = dict(reversed(list(directory(shuffled).items())))
    again = assess_eligibility(message(recipients), internal_domains=DOMAINS,
                               directory=dir_reversed, policy=POLICY, now=NOW)
    assert again == first


def test_time_comes_only_from_now() -> None:
    sent = message(to("alex@contoso.com"), age=dt.timedelta(0))
    kwargs = dict(internal_domains=DOMAINS, directory=directory(), policy=POLICY)
    at_limit = sent.sent_at + dt.timedelta(days=30)
    assert assess_eligibility(sent, now=at_limit, **kwargs).summary.verdict == "recallable"
    past = assess_eligibility(sent, now=at_limit + dt.timedelta(seconds=1), **kwargs)
    assert past.summary.verdict == "not_recallable"


CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}


def _recall_modules() -> list[Path]:
    return sorted(RECALL_DIR.glob("*.py"))


@pytest.mark.parametrize("path", _recall_modules(), ids=lambda p: p.name)
def test_recall_modules_read_no_clock_and_import_only_the_standard_library(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno} reads a clock"
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        # Templates render in Jinja2's sandbox; markupsafe is Jinja2's own escaping library.
        allowed = {"jinja2", "markupsafe"} if path.name == "templates.py" else set()
        for name in names:
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names or top in allowed, (
                f"{path.name} imports {name}")


# ---------------------------------------------------------------------------- the documentation


def test_docs_list_every_reason_code_with_its_verdict() -> None:
    text = (ROOT / "docs" / "reasons.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \|[^|]*\| ([a-z—]+) \|", text, flags=re.MULTILINE)
    documented = dict(rows)
    assert set(documented) == set(REASON_TEXTS)
    for code, verdict in REASON_VERDICTS.items():
        assert documented[code] == (verdict or "—"), code
