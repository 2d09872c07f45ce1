"""Use case: "if I recall this message now, who loses it?" — Graph in, verdicts out.

The Graph round trips are arranged in as few sequential stages as Graph allows:
1. the message, the Sent Items folder id and the internal domains, in one ``$batch`` (the
   last two are cached per user and per tenant);
2. every internal address resolved to a user or a group (``$batch``, 15 addresses a look-up);
3. groups expanded, and — deep check only — each recipient's copy and mailbox kind, in parallel.
External addresses are never looked up: the rules decide them by domain alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..errors import BadRequest, NotFound, Unprocessable
from ..graph import directory as graph_directory
from ..graph import mail as graph_mail
from ..graph import parallel
from ..graph.client import GraphClient
from ..graph.errors import GraphBadRequest, GraphNotFound
from ..graph.message_context import load_message_context
from ..recall import model
from ..recall.eligibility import assess_eligibility
from .directory_cache import TtlCache
from .session import Sender

log = logging.getLogger(__name__)

# A group is checked member by member up to this many people ("N members, first 500 checked").
MAX_GROUP_MEMBERS = 500
_NOT_FOUND = "not-found"  # cached answer for an address the directory does not know


@dataclass(frozen=True)
class ItemRef:
    """The message as the pane names it: Office.js gives EWS ids, Graph uses REST ids."""

    item_id: str
    id_type: str = "rest"  # "rest" | "ews"


class EligibilityService:
    """Runs the eligibility check for one caller's sent message."""

    def __init__(self, settings: Settings, cache: TtlCache | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)):
        self.settings = settings
        self.cache = cache or TtlCache(ttl_s=300)
        self.clock = clock

    @property
    def policy(self) -> model.RecallPolicy:
        s = self.settings
        return model.RecallPolicy(
            recall_enabled=s.recall_enabled, recall_read_enabled=s.recall_read_enabled,
            max_recallable_age_days=s.max_recallable_age_days,
            cross_tenant_domains=frozenset(s.cross_tenant_domains))

    def check(self, caller: Sender, item: ItemRef, graph: GraphClient,
              app_graph: GraphClient | None = None) -> model.EligibilityResult:
        """The verdict per recipient. ``app_graph`` (application permissions) turns on the
        deep check; without it the check uses only what the caller's own rights can see."""
        sent, domains = self.sent_message(caller, item, graph)
        internal = [r.address for r in sent.recipients if _domain(r.address) in domains]
        entries = self._resolve(caller.tenant_id, internal, graph)
        groups = [e for e in entries.values() if isinstance(e, graph_directory.DirectoryGroupEntry)]

        deep = app_graph is not None
        direct_users = [e for e in entries.values()
                        if isinstance(e, graph_directory.DirectoryPerson)]
        # Each expansion is a leaf (one page walk): they share the pool; the deep check
        # starts calls of its own and so runs in this thread meanwhile.
        expansions = {g.id: parallel.submit(self._expand, caller.tenant_id, g, graph)
                      for g in groups}
        facts = (self._deep_facts(direct_users, sent, app_graph) if deep
                 else _DeepFacts({}, {}))
        members = {gid: future.result() for gid, future in expansions.items()}
        if deep:
            seen = {u.id for u in direct_users}
            extra = [p for m in members.values() for p in m.members
                     if p.kind == "user" and p.id not in seen]
            if extra:
                more = self._deep_facts(list({p.id: p for p in extra}.values()), sent, app_graph)
                facts = facts.merged(more)

        directory = _directory(entries, members, facts.purposes)
        return assess_eligibility(
            sent, internal_domains=domains, directory=directory, policy=self.policy,
            now=self.clock(), mode="deep" if deep else "delegated",
            copies=facts.copies if deep else None)

    def sent_message(self, caller: Sender, item: ItemRef,
                     graph: GraphClient) -> tuple[model.SentMessage, tuple[str, ...]]:
        """The caller's sent message and the tenant's internal domains; 404/422 otherwise."""
        return self._load(caller, self._rest_id(item, graph), graph)

    # -- stage 0: the id ------------------------------------------------------------------
    def _rest_id(self, item: ItemRef, graph: GraphClient) -> str:
        if item.id_type != "ews":
            return item.item_id
        try:
            translated = graph_mail.ews_to_rest_ids(graph, [item.item_id])
        except GraphBadRequest as exc:
            raise _bad_id() from exc
        if item.item_id not in translated:
            raise _not_found()
        return translated[item.item_id]

    # -- stage 1: the message, its folder, the tenant's domains ---------------------------
    def _load(self, caller: Sender, message_id: str,
              graph: GraphClient) -> tuple[model.SentMessage, tuple[str, ...]]:
        folder_key = ("sentitems", caller.tenant_id, caller.user_id)
        domains_key = ("domains", caller.tenant_id)
        folder_id = self.cache.get(folder_key)
        domains = self.cache.get(domains_key)
        # What is not cached comes with the message, in the same round trip.
        try:
            loaded = load_message_context(graph, message_id, sent_items=not folder_id,
                                          domains=domains is None)
        except GraphNotFound as exc:
            raise _not_found() from exc
        except GraphBadRequest as exc:
            raise _bad_id() from exc
        message = loaded.message
        if loaded.sent_items_id is not None:
            folder_id = loaded.sent_items_id
            self.cache.put(folder_key, folder_id)
        if loaded.domains is not None:
            domains = tuple(d.lower() for d in loaded.domains)
            self.cache.put(domains_key, domains)
        if not folder_id or message.folder_id != folder_id:
            raise Unprocessable(
                "This message is not in your Sent Items. Recall works only on messages you "
                "sent: open one from Sent Items.", code="not_in_sent_items")
        if message.sent_at is None:
            raise Unprocessable("This message has not been sent yet.", code="not_sent")
        return message, domains or ()

    # -- stage 2: who is each internal address --------------------------------------------
    def _resolve(self, tenant_id: str, addresses: list[str],
                 graph: GraphClient) -> dict[str, Any]:
        entries: dict[str, Any] = {}
        missing = []
        for address in dict.fromkeys(a.lower() for a in addresses):
            cached = self.cache.get(("address", tenant_id, address))
            if cached is None:
                missing.append(address)
            elif cached != _NOT_FOUND:
                entries[address] = cached
        if missing:
            book = graph_directory.resolve_addresses(graph, missing)
            for address in missing:
                found = book.find(address)
                self.cache.put(("address", tenant_id, address), found or _NOT_FOUND)
                if found is not None:
                    entries[address] = found
        return entries

    # -- stage 3: groups and (deep) copies ------------------------------------------------
    def _expand(self, tenant_id: str, group: graph_directory.DirectoryGroupEntry,
                graph: GraphClient) -> graph_directory.GroupMembers:
        key = ("members", tenant_id, group.id)
        cached = self.cache.get(key)
        if cached is None:
            cached = graph_directory.expand_group(graph, group.id, max_members=MAX_GROUP_MEMBERS)
            self.cache.put(key, cached)
        return cached

    def _deep_facts(self, people: list[graph_directory.DirectoryPerson],
                    sent: model.SentMessage, app_graph: GraphClient) -> _DeepFacts:
        """Each person's mailbox kind and copy of the message (application permissions)."""
        users = [p for p in people if p.kind == "user" and p.mail]
        if not users:
            return _DeepFacts({}, {})
        mailboxes = [p.id for p in users]
        # Three independent walks; each runs batches of its own, so they get their own threads
        # rather than the shared pool (whose tasks must not wait for one another).
        with ThreadPoolExecutor(max_workers=3) as pool:
            purposes_f = pool.submit(graph_directory.mailbox_purposes, app_graph, mailboxes)
            copies_f = pool.submit(graph_mail.find_copies, app_graph, mailboxes,
                                   sent.internet_message_id)
            inbox_f = pool.submit(graph_mail.inbox_folder_ids, app_graph, mailboxes)
            purposes, copies, inboxes = purposes_f.result(), copies_f.result(), inbox_f.result()
        by_address: dict[str, model.MailboxCopy | None] = {}
        kinds: dict[str, str | None] = {}
        for person in users:
            address = str(person.mail).lower()
            kinds[person.id] = purposes[person.id].purpose
            lookup = copies[person.id]
            if lookup.error is not None:
                continue  # not checked: the rules then say what a delegated check says
            if lookup.copy is None:
                by_address[address] = None
            else:
                inbox = inboxes.get(person.id)
                by_address[address] = model.MailboxCopy(
                    is_read=bool(lookup.copy.is_read),
                    in_inbox=inbox is None or lookup.copy.folder_id == inbox)
        return _DeepFacts(by_address, kinds)


@dataclass(frozen=True)
class _DeepFacts:
    copies: dict[str, model.MailboxCopy | None]
    purposes: dict[str, str | None]  # by directory id

    def merged(self, other: _DeepFacts) -> _DeepFacts:
        return _DeepFacts({**self.copies, **other.copies}, {**self.purposes, **other.purposes})


def _user(person: graph_directory.DirectoryPerson,
          purposes: Mapping[str, str | None]) -> model.DirectoryUser:
    return model.DirectoryUser(
        id=person.id, address=str(person.mail or "").lower(), display_name=person.display_name,
        business_phones=person.business_phones, mailbox_purpose=purposes.get(person.id))


def _directory(entries: Mapping[str, Any], members: Mapping[str, graph_directory.GroupMembers],
               purposes: Mapping[str, str | None]) -> dict[str, model.DirectoryEntry]:
    directory: dict[str, model.DirectoryEntry] = {}
    for address, entry in entries.items():
        if isinstance(entry, graph_directory.DirectoryPerson):
            directory[address] = _user(entry, purposes)
            continue
        expanded = members[entry.id]
        group_members = tuple(
            model.GroupMember(address=str(p.mail).lower(),
                              user=_user(p, purposes) if p.kind == "user" else None)
            for p in expanded.members if p.mail)
        directory[address] = model.DirectoryGroup(
            id=entry.id, address=address, display_name=entry.display_name,
            members=group_members, total_members=expanded.total, capped=expanded.truncated,
            nested_groups=expanded.nested_groups)
    return directory


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _not_found() -> NotFound:
    return NotFound("We could not find this message in your mailbox. It may have been moved "
                    "or deleted; open it again from Sent Items.", code="message_not_found")


def _bad_id() -> BadRequest:
    return BadRequest("The message id is not valid.", code="invalid_item_id")
