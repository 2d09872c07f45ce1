"""Eligibility rules: will a recall reach each person who got a sent message?

Pure: plain data in (``recall.model``), verdicts out; no I/O and no clock (the caller passes
``now``). Each rule names the fact it rests on (docs/microsoft-facts.md,
"Per recipient", unless said
otherwise). The reason codes and their texts live in ``recall.reasons`` (docs/reasons.md lists
them with their sources); the summary and its headline in ``recall.summary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import (
    FIELDS,
    CheckMode,
    DirectoryEntry,
    DirectoryGroup,
    DirectoryUser,
    EligibilityResult,
    Field,
    GroupMember,
    Kind,
    MailboxCopy,
    MessageRecipient,
    Reason,
    RecallPolicy,
    RecipientVerdict,
    SentMessage,
    Suggestion,
    Verdict,
)
from .reasons import make_reason, most_cautious
from .summary import GroupSeen, summarise

# Personal mail services that certainly run outside Microsoft 365 (facts: "Outside Microsoft
# 365 (Gmail, any non-Exchange-Online domain): never recallable"). Any other outside domain
# might be another Microsoft 365 tenant, which the facts call "unlikely"; a domain
# alone cannot tell the two apart, so only names known for sure are "impossible". Microsoft's
# own consumer domains (outlook.com, hotmail.com, live.com) are left out: no source says how
# recall treats them.
PERSONAL_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "icloud.com", "me.com",
    "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net",
    "web.de", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "zoho.com",
})

_CHECK_MODES: tuple[CheckMode, ...] = ("delegated", "deep")


@dataclass(frozen=True)
class _Context:
    """What every rule may look at, normalised once."""

    internal_domains: frozenset[str]
    cross_tenant_domains: frozenset[str]
    directory: Mapping[str, DirectoryEntry]
    policy: RecallPolicy
    copies: Mapping[str, MailboxCopy | None] | None
    sender: str
    too_old: Reason | None


@dataclass(frozen=True)
class _Reached:
    """Someone the message reached, before judging: where they sit and what is known.
    ``key`` is the address as the rules compare it (``_norm``)."""

    address: str
    key: str
    name: str
    field: Field
    user: DirectoryUser | None
    via: DirectoryGroup | None = None
    via_path: tuple[str, ...] = ()


def assess_eligibility(
    message: SentMessage,
    *,
    internal_domains: Iterable[str],
    directory: Mapping[str, DirectoryEntry],
    policy: RecallPolicy,
    now: dt.datetime,
    mode: CheckMode = "delegated",
    copies: Mapping[str, MailboxCopy | None] | None = None,
) -> EligibilityResult:
    """Judge, person by person, whether recalling ``message`` now would remove it.

    ``directory`` maps addresses to what the directory returned (an address it did not find
    is simply absent). ``copies`` exists only in a deep check: it maps an address to the
    state of that recipient's copy, ``None`` meaning no copy was found; an address absent from
    it was not checked. Recipients come out in field order (to, cc, bcc), each group followed by
    the members it brought; each person once. Raises ``ValueError`` for inconsistent input.
    """
    if now.tzinfo is None or message.sent_at is None or message.sent_at.tzinfo is None:
        raise ValueError("now and message.sent_at must be timezone-aware")
    if mode not in _CHECK_MODES:
        raise ValueError(f"mode must be one of {_CHECK_MODES}, not {mode!r}")
    if copies is not None and mode != "deep":
        raise ValueError("copies can only be known in a deep check")
    if any(r.field not in FIELDS for r in message.recipients):
        raise ValueError(f"every recipient field must be one of {FIELDS}")
    ctx = _Context(
        internal_domains=frozenset(_norm_domain(d) for d in internal_domains),
        cross_tenant_domains=frozenset(_norm_domain(d) for d in policy.cross_tenant_domains),
        directory={_norm(address): entry for address, entry in directory.items()},
        policy=policy,
        copies=None if copies is None else {_norm(a): c for a, c in copies.items()},
        sender=_norm(message.sender),
        too_old=_too_old(message, policy, now),
    )
    # Stable sort: within a field the message's own order stays.
    ordered = sorted(message.recipients, key=lambda r: FIELDS.index(r.field))
    looked_up = [(r, key, _group_for(key, ctx)) for r in ordered for key in (_norm(r.address),)]
    # A direct recipient wins over any group membership, even one in an earlier field.
    direct = {key for _, key, group in looked_up if group is None}
    seen: set[str] = set()
    seen_groups: set[str] = set()
    groups: list[GroupSeen] = []
    out: list[RecipientVerdict] = []
    for recipient, key, group in looked_up:
        if group is None:
            if key not in seen:
                seen.add(key)
                out.append(_judge_person(_direct(recipient, key, ctx), ctx))
            continue
        if key in seen_groups:
            continue
        seen_groups.add(key)
        members = _unique_members(group)
        groups.append(GroupSeen(name=group.display_name or group.address,
                                listed=len(members), total=group.total_members,
                                capped=group.capped))
        out.append(_judge_group(recipient, group, len(members), ctx))
        for member in members:
            member_key = _norm(member.address)
            if member_key in direct or member_key in seen:
                continue
            seen.add(member_key)
            out.append(_judge_person(_from_group(member, recipient.field, group, ctx), ctx))
    summary = summarise(out, groups, mode=mode, recall_enabled=policy.recall_enabled,
                        too_old=ctx.too_old)
    return EligibilityResult(message=message, summary=summary, recipients=tuple(out),
                             checked_with=mode)


# ---------------------------------------------------------------------------- who was reached


def _norm(address: str) -> str:
    return address.strip().lower()


def _norm_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def _domain(key: str) -> str | None:
    return key.rsplit("@", 1)[1] if "@" in key else None


def _group_for(key: str, ctx: _Context) -> DirectoryGroup | None:
    entry = ctx.directory.get(key)
    # A group only counts as ours on one of our domains; anything else is judged as an address.
    if isinstance(entry, DirectoryGroup) and _domain(key) in ctx.internal_domains:
        return entry
    return None


def _user_for(key: str, ctx: _Context) -> DirectoryUser | None:
    entry = ctx.directory.get(key)
    return entry if isinstance(entry, DirectoryUser) else None


def _direct(recipient: MessageRecipient, key: str, ctx: _Context) -> _Reached:
    address = recipient.address.strip()
    user = _user_for(key, ctx)
    # Outlook puts the bare address in the name when the sender typed it: the directory's
    # name then says more.
    given = recipient.name if _norm(recipient.name or "") != key else ""
    name = given or (user.display_name if user else "") or address
    return _Reached(address=address, key=key, name=name, field=recipient.field, user=user)


def _from_group(member: GroupMember, field: Field, group: DirectoryGroup,
                ctx: _Context) -> _Reached:
    address = member.address.strip()
    key = _norm(address)
    user = member.user or _user_for(key, ctx)
    name = (user.display_name if user else "") or address
    return _Reached(address=address, key=key, name=name, field=field, user=user, via=group,
                    via_path=member.path)


def _unique_members(group: DirectoryGroup) -> list[GroupMember]:
    """Each member once (the shortest nesting path wins), in a stable order by name."""
    best: dict[str, GroupMember] = {}
    for member in group.members:
        key = _norm(member.address)
        kept = best.get(key)
        if kept is None or (len(member.path), member.path) < (len(kept.path), kept.path):
            best[key] = member
    # Sorted, so that the service's (Graph's) arbitrary member order cannot change the output.
    return sorted(best.values(), key=lambda m: (_member_name(m).casefold(), _norm(m.address)))


def _member_name(member: GroupMember) -> str:
    return (member.user.display_name if member.user else "") or member.address


# ---------------------------------------------------------------------------- the rules


def _too_old(message: SentMessage, policy: RecallPolicy, now: dt.datetime) -> Reason | None:
    """The ``too_old`` reason when the organisation's age cap rules out any recall."""
    # Facts: MessageRecallMaxRecallableAge caps what cloud recall accepts (the value is the
    # admin's mirror). It is a cloud recall setting, so it does not apply to classic recall.
    limit = policy.max_recallable_age_days
    if limit is None or not policy.recall_enabled:
        return None
    age = now - message.sent_at
    if age <= dt.timedelta(days=limit):
        return None
    return make_reason("too_old", age_days=age.days, max_days=limit)


def _judge_person(person: _Reached, ctx: _Context) -> RecipientVerdict:
    kind, reasons, contactable = _assess(person, ctx)
    if person.via is not None:
        group = person.via.display_name or person.via.address
        if person.via_path:
            reasons.append(make_reason("via_nested_group", group=group,
                                       path=" › ".join(person.via_path)))
        else:
            reasons.append(make_reason("via_group", group=group))
    is_sender = person.key == ctx.sender
    if is_sender:
        # Her own received copy is judged like anyone's, but she is not someone who got the
        # message by mistake: not counted, nothing to suggest.
        reasons.append(make_reason("sender_own_copy"))
    verdict = most_cautious(reasons)
    suggestion: Suggestion = "none" if is_sender else _suggest(verdict, contactable)
    user = person.user
    phones = [p for p in user.business_phones if p.strip()] if user else []
    return RecipientVerdict(
        address=person.address, name=person.name, field=person.field, kind=kind,
        verdict=verdict, reasons=tuple(reasons), suggestion=suggestion,
        via=person.via.address if person.via else None, via_path=person.via_path,
        directory_id=user.id if user else None,
        display_name=(user.display_name or None) if user else None,
        business_phone=phones[0] if phones else None, counted=not is_sender,
    )


def _assess(person: _Reached, ctx: _Context) -> tuple[Kind, list[Reason], bool]:
    """Kind, reasons, and whether the person can be contacted directly (call or chat)."""
    domain = _domain(person.key)
    if domain is None:
        # Not an SMTP address (an X.500 one, say): nothing to go by.
        return "unresolved", _ceiling([make_reason("unreadable_address")], ctx), False
    if domain not in ctx.internal_domains:
        # Checked before the directory on purpose: a guest user has a directory entry, but the
        # message went to their home mailbox outside the organisation.
        return "external", _ceiling(_external(domain, ctx), ctx), False
    if person.user is None:
        # On our domain, yet no user or group: a contact, a list we cannot see, a former
        # employee. What recall does there is unconfirmed, so: unknown.
        reasons = [make_reason("unresolved_internal", address=person.address)]
        if not ctx.policy.recall_enabled:
            reasons.append(make_reason("classic_recall"))
        return "unresolved", _ceiling(reasons, ctx), False
    # userPurpose is readable only in the deep check (facts: "Shared mailbox or person?").
    # Unknown purpose is taken as a person; the summary says the quick check cannot tell.
    purpose = (person.user.mailbox_purpose or "user").lower()
    kind: Kind = "shared_mailbox" if purpose == "shared" else "internal_user"
    return kind, _internal(purpose, person.key, ctx), purpose == "user"


def _external(domain: str, ctx: _Context) -> list[Reason]:
    if ctx.policy.recall_enabled and domain in ctx.cross_tenant_domains:
        # Facts: cross-tenant recall (roadmap 561330, unconfirmed) is enabled by the receiving
        # tenant; an admin listing the domain makes it possible, not certain: unknown.
        return [make_reason("cross_tenant_listed", domain=domain)]
    if domain in PERSONAL_MAIL_DOMAINS:
        # Facts: outside Microsoft 365 → never recallable.
        return [make_reason("consumer_mail", domain=domain)]
    # Facts: another Microsoft 365 tenant is "unlikely"; an unknown domain may be one, and
    # classic recall never crosses organisations either.
    return [make_reason("other_organisation", domain=domain)]


def _internal(purpose: str, key: str, ctx: _Context) -> list[Reason]:
    """Reasons for a mailbox in the organisation, cloud or classic recall."""
    checked, copy = _copy_state(key, ctx)
    reasons: list[Reason] = []
    if ctx.too_old is not None:
        reasons.append(ctx.too_old)
    if checked and copy is None:
        # Facts: "a copy already deleted has nothing left to recall". The person no longer holds
        # the message, which is what the sender wants: likely (unless too old, kept above).
        reasons.append(make_reason("copy_gone"))
        return reasons
    if ctx.too_old is not None:
        # Nothing below matters: recall will not be attempted.
        return reasons
    if not ctx.policy.recall_enabled:
        # Facts: MessageRecallEnabled false → old client-side recall, which fails when the copy
        # was read or moved (or opened outside classic Outlook); roughly 40% success.
        reasons.append(make_reason("classic_recall"))
        if copy is not None and copy.is_read:
            reasons.append(make_reason("classic_read_copy"))
        if copy is not None and not copy.in_inbox:
            reasons.append(make_reason("classic_moved_copy"))
        return reasons
    if purpose == "shared":
        # Facts: shared mailboxes with cloud recall are unconfirmed → unknown.
        reasons.append(make_reason("shared_mailbox"))
    elif purpose != "user":
        # Rooms, equipment and the like: no source at all → unknown.
        reasons.append(make_reason("special_mailbox"))
    if ctx.policy.recall_read_enabled:
        # Facts: cloud recall hard-deletes the copy, read copies too (RecallReadMessagesEnabled
        # null/true, the default).
        if purpose == "user":
            reasons.append(make_reason("internal_mailbox"))
    elif copy is None:
        # Facts: read copies stay when RecallReadMessagesEnabled is false, and only the deep
        # check can see whether this one was read.
        reasons.append(make_reason("read_state_unknown"))
    elif copy.is_read:
        reasons.append(make_reason("read_copy_kept"))
    else:
        reasons.append(make_reason("unread_copy"))
    if copy is not None and not copy.in_inbox:
        # Facts: "moved folder fails" describes old recall; for cloud recall unconfirmed.
        reasons.append(make_reason("moved_copy"))
    return reasons


def _copy_state(key: str, ctx: _Context) -> tuple[bool, MailboxCopy | None]:
    """(checked, copy): a copy is only known in a deep check that looked at this mailbox."""
    if ctx.copies is None or key not in ctx.copies:
        return False, None
    return True, ctx.copies[key]


def _ceiling(reasons: list[Reason], ctx: _Context) -> list[Reason]:
    """Put the message-wide age cap first, where it changes the verdict."""
    if ctx.too_old is not None and most_cautious(reasons) != "impossible":
        return [ctx.too_old, *reasons]
    return reasons


def _suggest(verdict: Verdict, contactable: bool) -> Suggestion:
    """Recall where it may work; otherwise talk to colleagues, write to everyone else."""
    if verdict in ("likely", "unknown"):
        # Recall is one action for the whole message and costs nothing where it fails.
        return "recall"
    # A colleague found in the directory can be called or chatted with (Teams works by
    # address even without a phone number); outsiders, lists and shared mailboxes get a
    # correction.
    return "contact" if contactable else "correction"


def _judge_group(recipient: MessageRecipient, group: DirectoryGroup, listed: int,
                 ctx: _Context) -> RecipientVerdict:
    """The group's own, informational entry: not counted, its members are."""
    name = group.display_name or group.address
    reasons: list[Reason] = []
    if listed:
        reasons.append(make_reason("group_expanded", count=listed))
    if group.capped:
        reasons.append(make_reason("group_capped", group=name, total=group.total_members,
                                   checked=listed))
    elif not listed:
        reasons.append(make_reason("group_no_members", group=name))
    if ctx.too_old is not None:
        reasons.insert(0, ctx.too_old)
    elif not ctx.policy.recall_enabled:
        reasons.append(make_reason("classic_recall"))
    verdict = most_cautious(reasons)
    return RecipientVerdict(
        address=recipient.address.strip(), name=recipient.name or name, field=recipient.field,
        kind="internal_group", verdict=verdict, reasons=tuple(reasons),
        suggestion=_suggest(verdict, contactable=False), directory_id=group.id,
        display_name=group.display_name or None, counted=False,
        member_count=max(group.total_members, listed), nested_groups=group.nested_groups,
    )
