"""The sandbox tenant fixture: the shipped one is rich and valid; bad ones are refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from recall_assistant.sandbox.fixture import FixtureError, load_tenant, parse_tenant

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def minimal(**changes):
    raw = {
        "tenant": {"id": "t1", "verifiedDomains": ["contoso.com"]},
        "users": [{"id": "u1", "mail": "adele@contoso.com"}, {"id": "u2", "mail": "alex@contoso.com"}],
        "groups": [],
        "messages": [{"id": "m1", "owner": "adele@contoso.com", "subject": "Hi",
                      "toRecipients": ["alex@contoso.com"]}],
    }
    raw.update(changes)
    return raw


def test_the_shipped_fixture_is_rich_enough_for_every_rule():
    tenant = load_tenant(now=NOW)
    users = [u for u in tenant.users if u.mailbox_type == "user"]
    assert len(users) >= 8
    assert any(u.mailbox_type == "shared" for u in tenant.users)
    group_ids = {g.id for g in tenant.groups}
    assert any(set(g.members) & group_ids for g in tenant.groups), "one group nests another"
    sent = [m for m in tenant.messages if m.folder == "sentitems"]
    assert len(sent) >= 8
    assert any(m.folder == "inbox" for m in tenant.messages), "a received message"
    addresses = {r.address for m in sent for r in m.to_recipients + m.cc_recipients + m.bcc_recipients}
    assert any(a.endswith("@gmail.com") for a in addresses)
    assert any(a.endswith("@fabrikam.com") for a in addresses), "another company's domain"
    assert tenant.policy.cross_tenant_domains == ("fabrikam.com",)


def test_relative_sent_times_are_resolved_against_now():
    raw = minimal()
    raw["messages"][0]["sentDateTime"] = "now-90m"
    assert parse_tenant(raw, now=NOW).messages[0].sent_date_time == "2026-11-26T10:30:00Z"


def test_copies_default_to_every_internal_user_reached_through_groups():
    raw = minimal(
        users=[{"id": f"u{i}", "mail": f"user{i}@contoso.com"} for i in range(4)],
        groups=[{"id": "g1", "mail": "team@contoso.com", "members": ["u1", "g2"]},
                {"id": "g2", "mail": "sub@contoso.com", "members": ["u2", "u1"]}],
        messages=[{"id": "m1", "owner": "user0@contoso.com", "subject": "Hi",
                   "toRecipients": ["team@contoso.com", "friend@gmail.com"],
                   "bccRecipients": ["user3@contoso.com"]}],
    )
    copies = parse_tenant(raw, now=NOW).messages[0].copies
    assert sorted(c.mailbox for c in copies) == ["user1@contoso.com", "user2@contoso.com",
                                                 "user3@contoso.com"]
    assert all(not c.is_read and c.folder == "inbox" for c in copies)


@pytest.mark.parametrize(("change", "expected"), [
    ({"messages": [{"id": "m1", "owner": "ghost@contoso.com", "subject": "Hi"}]},
     "message 'm1' has owner 'ghost@contoso.com', who is not among the users."),
    ({"groups": [{"id": "g1", "mail": "g@contoso.com", "members": ["nobody"]}]},
     "group g@contoso.com has member 'nobody', which is no user or group id."),
    ({"users": [{"id": "u1", "mail": "adele@contoso.com"}, {"id": "u1", "mail": "x@contoso.com"}],
      "messages": []},
     "the id 'u1' is used twice."),
    ({"messages": [{"id": "m1", "owner": "adele@contoso.com", "subject": "Hi",
                    "sentDateTime": "yesterday"}]},
     "message 'm1' has sentDateTime 'yesterday': use ISO 8601 or now-<n>m|h|d."),
    ({"users": [{"id": "u1", "mail": "adele@contoso.com", "mailboxType": "robot"}], "messages": []},
     "users[0] (adele@contoso.com) has mailboxType 'robot', not one of"),
])
def test_inconsistent_fixtures_are_refused_with_one_line_each(change, expected):
    with pytest.raises(FixtureError) as caught:
        parse_tenant(minimal(**change), source="t.json", now=NOW)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"Tenant fixture t.json: {expected}")


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(FixtureError, match="cannot be read"):
        load_tenant(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(FixtureError, match="not valid JSON"):
        load_tenant(broken)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(minimal()))
    assert load_tenant(good).messages[0].id == "m1"


def test_the_demo_start_is_kept_only_when_it_names_a_sent_message():
    raw = minimal()
    raw["tenant"]["demoStart"] = "m1"
    assert parse_tenant(raw, now=NOW).demo_start == "m1"
    raw["tenant"]["demoStart"] = "m2"  # not in this fixture: the demo opens on its first
    assert parse_tenant(raw, now=NOW).demo_start is None
    assert load_tenant().demo_start == "AAMkAGRlbW8-sent10_everyone"
