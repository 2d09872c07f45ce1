"""The sandbox tenant's fixture: a JSON file describing a tenant, loaded and checked.

Shape (extend it, never break it: fixtures of this shape are loaded with ``--tenant``)::

    {"tenant": {"id", "displayName", "verifiedDomains": [...],
                "policy": {"messageRecallEnabled", "recallReadMessagesEnabled",
                           "maxRecallableAgeDays", "crossTenantDomains"}},
     "users": [{"id", "mail", "displayName", "businessPhones", "mailboxType", "signInError",
                "preferredLanguage"}],
     "groups": [{"id", "mail", "displayName", "members": [user or group ids]}],
     "messages": [{"id", "owner", "folder", "subject", "internetMessageId", "sentDateTime",
                   "toRecipients", "ccRecipients", "bccRecipients", "hasAttachments", "body",
                   "copies": [{"mailbox", "isRead", "folder"}]}]}

Recipients are plain addresses (or ``{"address", "name"}``). ``copies`` is the ground truth of
what sits in recipients' mailboxes; a copy whose folder is ``"deleted"`` is already gone. When a
message has no ``copies``, every internal user it reached (groups expanded) holds an unread copy
in the Inbox. ``sentDateTime`` may be relative to when the fixture is loaded (``"now-15m"``,
``"now-2h"``, ``"now-45d"``) so that a shipped fixture does not age. A user's optional
``signInError`` (one of ``SIGN_IN_ERRORS``) makes the identity stand-in refuse that user's
on-behalf-of exchange the way Entra ID does, so that the error mapping can be tested. A user's
optional ``preferredLanguage`` (``"de-DE"``, ``"fr-FR"``; default ``"en-US"``) is the language
Exchange writes that mailbox's system mail in, recall reports included.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError

MAILBOX_TYPES = ("user", "shared", "room", "equipment")
# Entra ID refusals the identity stand-in can simulate for one user (identity_grants.py).
SIGN_IN_ERRORS = ("consent_required", "interaction_required")
FOLDERS = ("inbox", "sentitems", "drafts", "deleteditems", "archive", "deleted")
_RELATIVE = re.compile(r"^now-(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class FixtureError(ConfigError):
    """The tenant fixture cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class Policy:
    message_recall_enabled: bool = True
    recall_read_messages_enabled: bool = True
    max_recallable_age_days: int | None = None
    cross_tenant_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    id: str
    mail: str
    display_name: str
    business_phones: tuple[str, ...] = ()
    mailbox_type: str = "user"
    job_title: str | None = None
    sign_in_error: str | None = None
    preferred_language: str = "en-US"


@dataclass(frozen=True)
class Group:
    id: str
    mail: str
    display_name: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str


@dataclass(frozen=True)
class Copy:
    mailbox: str
    is_read: bool = False
    folder: str = "inbox"


@dataclass(frozen=True)
class Message:
    id: str
    owner: str
    folder: str
    subject: str
    internet_message_id: str
    sent_date_time: str
    to_recipients: tuple[Recipient, ...] = ()
    cc_recipients: tuple[Recipient, ...] = ()
    bcc_recipients: tuple[Recipient, ...] = ()
    has_attachments: bool = False
    body: str = ""
    sender: Recipient | None = None
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True)
class TenantFixture:
    id: str
    display_name: str
    verified_domains: tuple[str, ...]
    policy: Policy
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    messages: tuple[Message, ...] = ()
    source: str = field(default="", compare=False)
    demo_start: str | None = None  # the sent message /demo opens on

    def user_by_mail(self, address: str) -> User | None:
        address = address.lower()
        return next((u for u in self.users if u.mail.lower() == address), None)


def default_fixture_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("default_tenant.json")))


def load_tenant(path: str | Path | None = None, *, now: dt.datetime | None = None) -> TenantFixture:
    """Load a fixture file (the shipped default when ``path`` is None)."""
    path = Path(path) if path is not None else default_fixture_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(f"Tenant fixture {path}: cannot be read ({exc.strerror}).") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"Tenant fixture {path}: not valid JSON ({exc}).") from exc
    return parse_tenant(raw, source=str(path), now=now)


def parse_tenant(raw: Any, *, source: str = "<fixture>",
                 now: dt.datetime | None = None) -> TenantFixture:
    """Turn the fixture's JSON into dataclasses, refusing anything inconsistent."""
    problems: list[str] = []
    now = now or dt.datetime.now(dt.UTC)

    def fail(text: str) -> None:
        problems.append(f"Tenant fixture {source}: {text}")

    if not isinstance(raw, dict) or not isinstance(raw.get("tenant"), dict):
        raise FixtureError(f"Tenant fixture {source}: the top level needs a \"tenant\" object.")
    t = raw["tenant"]
    domains = tuple(str(d).lower() for d in t.get("verifiedDomains") or [])
    if not domains:
        fail("tenant.verifiedDomains is empty.")
    p = t.get("policy") or {}
    policy = Policy(
        message_recall_enabled=bool(p.get("messageRecallEnabled", True)),
        recall_read_messages_enabled=bool(p.get("recallReadMessagesEnabled", True)),
        max_recallable_age_days=p.get("maxRecallableAgeDays"),
        cross_tenant_domains=tuple(str(d).lower() for d in p.get("crossTenantDomains") or []),
    )

    users: list[User] = []
    for i, u in enumerate(_list(raw, "users", fail)):
        if not _has(u, ("id", "mail"), f"users[{i}]", fail):
            continue
        kind = u.get("mailboxType", "user")
        if kind not in MAILBOX_TYPES:
            fail(f"users[{i}] ({u['mail']}) has mailboxType {kind!r}, not one of {MAILBOX_TYPES}.")
        sign_in_error = u.get("signInError")
        if sign_in_error is not None and sign_in_error not in SIGN_IN_ERRORS:
            fail(f"users[{i}] ({u['mail']}) has signInError {sign_in_error!r}, "
                 f"not one of {SIGN_IN_ERRORS}.")
        users.append(User(
            id=str(u["id"]), mail=str(u["mail"]).lower(),
            display_name=str(u.get("displayName") or u["mail"]),
            business_phones=tuple(u.get("businessPhones") or ()), mailbox_type=kind,
            job_title=u.get("jobTitle"), sign_in_error=sign_in_error,
            preferred_language=str(u.get("preferredLanguage") or "en-US"),
        ))
    groups: list[Group] = []
    for i, gr in enumerate(_list(raw, "groups", fail)):
        if _has(gr, ("id", "mail"), f"groups[{i}]", fail):
            groups.append(Group(
                id=str(gr["id"]), mail=str(gr["mail"]).lower(),
                display_name=str(gr.get("displayName") or gr["mail"]),
                members=tuple(str(m) for m in gr.get("members") or ()),
            ))

    ids = [x.id for x in users] + [x.id for x in groups]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        fail(f"the id {dup!r} is used twice.")
    mails = [x.mail for x in users] + [x.mail for x in groups]
    for dup in sorted({m for m in mails if mails.count(m) > 1}):
        fail(f"the address {dup!r} is used twice.")
    known_ids = set(ids)
    for gr in groups:
        for member in gr.members:
            if member not in known_ids:
                fail(f"group {gr.mail} has member {member!r}, which is no user or group id.")
    user_mails = {u.mail for u in users}

    messages: list[Message] = []
    for i, m in enumerate(_list(raw, "messages", fail)):
        if not _has(m, ("id", "owner", "subject"), f"messages[{i}]", fail):
            continue
        owner = str(m["owner"]).lower()
        if owner not in user_mails:
            fail(f"message {m['id']!r} has owner {owner!r}, who is not among the users.")
        folder = m.get("folder", "sentitems")
        if folder not in FOLDERS:
            fail(f"message {m['id']!r} has folder {folder!r}, not one of {FOLDERS}.")
        copies = []
        for c in m.get("copies") or ():
            if not isinstance(c, dict) or "mailbox" not in c:
                fail(f"message {m['id']!r} has a copy without a mailbox.")
                continue
            if str(c["mailbox"]).lower() not in user_mails:
                fail(f"message {m['id']!r} has a copy in {c['mailbox']!r}, who is not a user.")
            if c.get("folder", "inbox") not in FOLDERS:
                fail(f"message {m['id']!r} has a copy in unknown folder {c.get('folder')!r}.")
            copies.append(Copy(mailbox=str(c["mailbox"]).lower(),
                               is_read=bool(c.get("isRead", False)),
                               folder=c.get("folder", "inbox")))
        to, cc, bcc = (_recipients(m.get(k)) for k in ("toRecipients", "ccRecipients",
                                                         "bccRecipients"))
        if "copies" not in m and folder == "sentitems":
            copies = _implied_copies(to + cc + bcc, users, groups)
        sent = _timestamp(m.get("sentDateTime"), now)
        if sent is None:
            fail(f"message {m['id']!r} has sentDateTime {m.get('sentDateTime')!r}: use ISO 8601 "
                 "or now-<n>m|h|d.")
        sender = m.get("from")
        messages.append(Message(
            id=str(m["id"]), owner=owner, folder=folder, subject=str(m["subject"]),
            internet_message_id=str(m.get("internetMessageId") or f"<{m['id']}@sandbox>"),
            sent_date_time=sent or "",
            to_recipients=to, cc_recipients=cc, bcc_recipients=bcc,
            has_attachments=bool(m.get("hasAttachments", False)),
            body=str(m.get("body") or ""),
            sender=_recipients([sender])[0] if sender else None,
            copies=tuple(copies),
        ))
    message_ids = [m.id for m in messages]
    for dup in sorted({i for i in message_ids if message_ids.count(i) > 1}):
        fail(f"the message id {dup!r} is used twice.")

    # The message /demo opens on; a fixture cut down to other messages (as tests do) simply
    # opens on its first sent message instead.
    demo_start = t.get("demoStart")
    if not any(m.id == demo_start and m.folder == "sentitems" for m in messages):
        demo_start = None
    if problems:
        raise FixtureError(problems)
    return TenantFixture(
        id=str(t.get("id") or ""), display_name=str(t.get("displayName") or "Sandbox tenant"),
        verified_domains=domains, policy=policy, users=tuple(users), groups=tuple(groups),
        messages=tuple(messages), source=source,
        demo_start=str(demo_start) if demo_start is not None else None,
    )


def _list(raw: dict, key: str, fail) -> list:
    value = raw.get(key, [])
    if not isinstance(value, list):
        fail(f"{key} must be a list.")
        return []
    return value


def _has(entry: Any, keys: tuple[str, ...], where: str, fail) -> bool:
    if not isinstance(entry, dict):
        fail(f"{where} is not an object.")
        return False
    missing = [k for k in keys if not entry.get(k)]
    if missing:
        fail(f"{where} has no {', '.join(missing)}.")
        return False
    return True


def _recipients(values: Any) -> tuple[Recipient, ...]:
    result = []
    for value in values or ():
        if isinstance(value, dict):
            address = str(value.get("address", ""))
            name = str(value.get("name") or address)
            result.append(Recipient(address=address.lower(), name=name))
        else:
            result.append(Recipient(address=str(value).lower(), name=str(value)))
    return tuple(result)


def _timestamp(value: Any, now: dt.datetime) -> str | None:
    """An ISO 8601 UTC timestamp, Graph style (``2026-11-26T09:00:00Z``)."""
    if value is None:
        return _iso(now)
    text = str(value)
    match = _RELATIVE.match(text)
    if match:
        delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return _iso(now - delta)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return _iso(parsed)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _implied_copies(recipients: tuple[Recipient, ...], users: list[User],
                    groups: list[Group]) -> list[Copy]:
    """Every internal user the message reached, groups expanded, holds an unread copy."""
    user_by_mail = {u.mail: u for u in users}
    user_by_id = {u.id: u for u in users}
    group_by_mail = {g.mail: g for g in groups}
    group_by_id = {g.id: g for g in groups}
    reached: dict[str, None] = {}
    pending = [r.address for r in recipients]
    seen_groups: set[str] = set()
    while pending:
        address = pending.pop(0)
        if address in user_by_mail:
            reached[address] = None
        elif address in group_by_mail and address not in seen_groups:
            seen_groups.add(address)
            for member in group_by_mail[address].members:
                if member in user_by_id:
                    pending.append(user_by_id[member].mail)
                elif member in group_by_id:
                    pending.append(group_by_id[member].mail)
    return [Copy(mailbox=address) for address in reached]
