"""The directory: internal domains, who an address is, what a group holds, mailbox kinds.

Look-ups by address use ``$filter=mail in (...)`` with at most 15 values per ``in`` and URLs
under ~2,000 characters (docs/microsoft-facts.md, "Looking up recipients"), sent through
``$batch``: 500
addresses are 34 look-ups, i.e. two batches.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .batch import MAX_BATCH, BatchRequest, BatchResult, run_batch
from .client import GraphClient, encode_query, encode_value, odata_string, path_segment
from .errors import GraphError

MAX_IN_VALUES = 15
MAX_URL_CHARS = 2000
USER_FIELDS = ("id", "mail", "displayName", "businessPhones")
GROUP_FIELDS = ("id", "mail", "displayName")
MEMBER_FIELDS = ("id", "mail", "displayName", "businessPhones")

# transitiveMembers lists every kind of directory object; these are the ones mail reaches.
_MEMBER_KINDS = {"#microsoft.graph.user": "user", "#microsoft.graph.orgContact": "contact"}


@dataclass(frozen=True)
class DirectoryPerson:
    """A user of the tenant (``kind="user"``) or a mail contact in a group (``"contact"``)."""

    id: str
    mail: str | None
    display_name: str
    business_phones: tuple[str, ...] = ()
    kind: str = "user"


@dataclass(frozen=True)
class DirectoryGroupEntry:
    """A mail-enabled group of the tenant."""

    id: str
    mail: str | None
    display_name: str


@dataclass(frozen=True)
class AddressBook:
    """What the directory says about a set of addresses (keys are lower-case addresses)."""

    users: dict[str, DirectoryPerson]
    groups: dict[str, DirectoryGroupEntry]
    unresolved: tuple[str, ...]

    def find(self, address: str) -> DirectoryPerson | DirectoryGroupEntry | None:
        """The user or group with this address, or None when the directory has neither."""
        key = address.strip().lower()
        return self.users.get(key) or self.groups.get(key)


@dataclass(frozen=True)
class GroupMembers:
    """A group's people, flattened over nested groups.

    ``members`` holds at most the cap asked for; ``total`` counts every person seen, and is
    exact unless ``total_exact`` is False (counting stopped at the page limit).
    ``nested_groups`` names the groups inside it (the same listing returns them).
    """

    group_id: str
    members: tuple[DirectoryPerson, ...]
    total: int
    total_exact: bool = True
    nested_groups: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """True when some members were left out because of the cap."""
        return self.total > len(self.members)


@dataclass(frozen=True)
class MailboxPurpose:
    """A mailbox's kind (user, shared, room, equipment, linked, others) or why it is unknown."""

    user_id: str
    purpose: str | None
    error: GraphError | None = None


def signed_in_user(client: GraphClient) -> DirectoryPerson:
    """The signed-in user's own directory entry (``GET /me``)."""
    with client.stage("me"):
        body = client.get("/me", params={"$select": ",".join(USER_FIELDS)})
    return _person(body or {})


# The tenant's verified domains (delegated User.Read is enough).
DOMAINS_PATH, DOMAINS_PARAMS = "/organization", {"$select": "verifiedDomains"}


def internal_domains(client: GraphClient) -> tuple[str, ...]:
    """The tenant's verified domains, lower-case (delegated User.Read is enough)."""
    with client.stage("internal_domains"):
        body = client.get(DOMAINS_PATH, params=DOMAINS_PARAMS)
    return parse_domains(body)


def parse_domains(body: Any) -> tuple[str, ...]:
    """The verified domain names in an ``/organization`` answer, lower-case, each once."""
    names: list[str] = []
    for org in (body or {}).get("value") or []:
        for domain in org.get("verifiedDomains") or []:
            name = str(domain.get("name") or "").strip().lower()
            if name and name not in names:
                names.append(name)
    return tuple(names)


def mail_lookup_requests(client: GraphClient, collection: str, addresses: Sequence[str],
                         fields: Sequence[str]) -> list[BatchRequest]:
    """``GET /{collection}?$filter=mail in (...)`` requests covering ``addresses``.

    Each holds at most 15 values and keeps the URL it would have under ``MAX_URL_CHARS``.
    """
    prefix_chars = len(client.url(""))
    # Percent-encoding works character by character, so the encoded clause is the encoded
    # pieces joined: each address is encoded once, and lengths simply add up.
    head = encode_query({"$filter": "mail in ("})
    tail = encode_value(")") + "&" + encode_query({"$select": ",".join(fields)})
    comma = encode_value(",")
    empty_chars = prefix_chars + len(f"/{collection}?") + len(head) + len(tail)
    requests: list[BatchRequest] = []
    chunk: list[str] = []
    chars = empty_chars

    def flush() -> None:
        requests.append(BatchRequest("GET", f"/{collection}?{head}{comma.join(chunk)}{tail}"))

    for address in addresses:
        piece = _encoded_literal(address)
        if chunk and (len(chunk) >= MAX_IN_VALUES
                      or chars + len(comma) + len(piece) > MAX_URL_CHARS):
            flush()
            chunk, chars = [], empty_chars
        chars += len(piece) + (len(comma) if chunk else 0)
        chunk.append(piece)
    if chunk:
        flush()
    return requests


@functools.lru_cache(maxsize=8192)
def _encoded_literal(address: str) -> str:
    # The same colleagues are looked up again and again: encode each address once.
    return encode_value(odata_string(address))


def _values(results: Iterable[BatchResult]) -> Iterable[Mapping[str, Any]]:
    for result in results:
        # A failed look-up is not "no such address": say so rather than call people external.
        body = result.unwrap()
        yield from (body or {}).get("value") or []


def _person(item: Mapping[str, Any], kind: str = "user") -> DirectoryPerson:
    return DirectoryPerson(id=str(item.get("id") or ""), mail=item.get("mail") or None,
                           display_name=str(item.get("displayName") or ""),
                           business_phones=tuple(item.get("businessPhones") or ()), kind=kind)


def _group(item: Mapping[str, Any]) -> DirectoryGroupEntry:
    return DirectoryGroupEntry(id=str(item.get("id") or ""), mail=item.get("mail") or None,
                          display_name=str(item.get("displayName") or ""))


def resolve_addresses(client: GraphClient, addresses: Iterable[str]) -> AddressBook:
    """Find which addresses are users and which are groups of the tenant.

    When all look-ups fit in the batches the client sends at once (4 × 20 look-ups of 15
    addresses: 600 addresses, more than Exchange's 500 recipients), users and groups are asked
    together in one round trip; otherwise users first, then groups for what is left. One
    round costs a few more look-ups but saves a whole round trip, which is what the sender
    waits for. Raises the first ``GraphError`` of a failed look-up.
    """
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))
    users: dict[str, DirectoryPerson] = {}
    groups: dict[str, DirectoryGroupEntry] = {}
    with client.stage("resolve_addresses"):
        user_requests = mail_lookup_requests(client, "users", wanted, USER_FIELDS)
        group_requests = mail_lookup_requests(client, "groups", wanted, GROUP_FIELDS)
        one_round = (len(user_requests) + len(group_requests)
                     <= MAX_BATCH * client.max_concurrency)
        if one_round:
            results = run_batch(client, user_requests + group_requests)
            user_results, group_results = (results[:len(user_requests)],
                                           results[len(user_requests):])
        else:
            user_results = run_batch(client, user_requests)
        for item in _values(user_results):
            if item.get("mail"):
                users[str(item["mail"]).lower()] = _person(item)
        if not one_round:
            # Most recipients are people: only what is not a user can still be a group.
            rest = [a for a in wanted if a not in users]
            group_results = run_batch(
                client, mail_lookup_requests(client, "groups", rest, GROUP_FIELDS))
        for item in _values(group_results):
            if item.get("mail"):
                groups[str(item["mail"]).lower()] = _group(item)
    unresolved = tuple(a for a in wanted if a not in users and a not in groups)
    return AddressBook(users, groups, unresolved)


def expand_group(client: GraphClient, group_id: str, *, max_members: int = 1000,
                 max_pages: int = 20) -> GroupMembers:
    """The users and mail contacts in a group and its nested groups, at most ``max_members``.

    Pages are counted rather than asking ``$count`` (which needs ``ConsistencyLevel:
    eventual`` and counts devices and nested groups too); past ``max_pages`` the total is a
    lower bound.
    """
    members: list[DirectoryPerson] = []
    nested: dict[str, str] = {}
    seen: set[str] = set()
    total = 0
    exact = True
    with client.stage("expand_group"):
        pages = client.iter_pages(
            f"/groups/{path_segment(group_id)}/transitiveMembers",
            params={"$select": ",".join(MEMBER_FIELDS), "$top": 999}, max_pages=max_pages)
        for page in pages:
            for item in page.items:
                # No type means the stand-in or an old answer: take it for a user.
                odata_type = item.get("@odata.type") or "#microsoft.graph.user"
                kind = _MEMBER_KINDS.get(odata_type)
                key = str(item.get("id") or "")
                if odata_type == "#microsoft.graph.group":
                    nested.setdefault(key, str(item.get("displayName") or item.get("mail") or ""))
                if kind is None or key in seen:
                    continue
                seen.add(key)
                total += 1
                if len(members) < max_members:
                    members.append(_person(item, kind))
            # The page limit ends the count; a next link then means the total is a floor.
            exact = not page.has_more
    return GroupMembers(group_id, tuple(members), total, exact,
                        tuple(sorted(n for n in nested.values() if n)))


def mailbox_purpose_request(user_id: str) -> BatchRequest:
    """The request for a mailbox's ``userPurpose`` (application permission only)."""
    return BatchRequest("GET", f"/users/{path_segment(user_id)}/mailboxSettings/userPurpose")


def mailbox_purposes(client: GraphClient, user_ids: Sequence[str]) -> dict[str, MailboxPurpose]:
    """Each mailbox's kind, batched; an error (e.g. 403 with delegated rights) is kept per id."""
    unique = list(dict.fromkeys(user_ids))
    with client.stage("mailbox_purposes"):
        results = run_batch(client, [mailbox_purpose_request(uid) for uid in unique])
    purposes: dict[str, MailboxPurpose] = {}
    for user_id, result in zip(unique, results, strict=True):
        value = result.body.get("value") if isinstance(result.body, Mapping) else None
        purposes[user_id] = MailboxPurpose(
            user_id, str(value).lower() if value and result.ok else None, result.error)
    return purposes
