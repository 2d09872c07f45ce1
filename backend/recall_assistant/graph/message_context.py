"""A sent message and what it is judged against, in one round trip.

Checking a message needs the message itself, the id of the caller's Sent Items folder (to
refuse anything else) and the tenant's verified domains (who is internal). The last two are
usually cached; when they are not, the three ``GET``s go in one ``$batch``. Graph runs a
batch's independent requests in parallel (graph docs concepts/json-batching.md), so this costs
the wait of one request, and our process sends one request instead of three at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .batch import BatchRequest, run_batch
from .client import GraphClient, encode_query
from .directory import DOMAINS_PARAMS, DOMAINS_PATH, parse_domains
from .mail import (
    SentMessage,
    get_message,
    message_path,
    parse_folder_id,
    parse_message,
    sent_items_path,
)


@dataclass(frozen=True)
class MessageContext:
    """The message, and what was asked for besides (``None`` when it was not asked)."""

    message: SentMessage
    sent_items_id: str | None = None
    domains: tuple[str, ...] | None = None


def load_message_context(client: GraphClient, message_id: str, *, sent_items: bool,
                         domains: bool, user: str | None = None) -> MessageContext:
    """The message with REST id ``message_id``, with the Sent Items folder id and the
    tenant's domains when asked. Raises the message's own ``GraphError`` (``GraphNotFound``
    when it is gone, ``GraphBadRequest`` for a malformed id) before any other's."""
    if not sent_items and not domains:
        return MessageContext(get_message(client, message_id, user=user))
    wanted = [message_path(message_id, user=user)]
    if sent_items:
        wanted.append(sent_items_path(user=user))
    if domains:
        wanted.append((DOMAINS_PATH, DOMAINS_PARAMS))
    with client.stage("load_message"):
        results = run_batch(client, [BatchRequest("GET", f"{path}?{encode_query(params)}")
                                     for path, params in wanted])
    answers = iter(results)
    message = parse_message(next(answers).unwrap() or {})
    folder = parse_folder_id(next(answers).unwrap()) if sent_items else None
    names = parse_domains(next(answers).unwrap()) if domains else None
    return MessageContext(message, folder, names)
