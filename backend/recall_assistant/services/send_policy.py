"""The on-send policy a caller's Outlook should apply: the configured one, with the internal
domains filled in from the caller's tenant when the administrator did not list them."""

from __future__ import annotations

import logging

from ..errors import RecallAssistantError
from ..graph import directory
from ..graph.client import GraphClient
from ..graph.errors import GraphError
from ..send_policy import SendPolicy
from .directory_cache import TtlCache

log = logging.getLogger(__name__)


class SendPolicyService:
    """Hands out the policy; the tenant's verified domains are cached per tenant."""

    def __init__(self, policy: SendPolicy, cache: TtlCache):
        self.policy = policy
        self.cache = cache

    def for_tenant(self, tenant_id: str, graph: GraphClient) -> SendPolicy:
        """The policy for a caller of ``tenant_id``; Graph is asked only when domains are needed.

        A failure to read the domains is not an error for the caller: the on-send check then
        treats the sender's own domain as internal, which is the safe side of a warning.
        """
        if self.policy.internal_domains:
            return self.policy
        key = ("send-policy-domains", tenant_id)
        domains = self.cache.get(key)
        if domains is None:
            try:
                domains = directory.internal_domains(graph)
            except (RecallAssistantError, GraphError) as exc:
                log.info("internal domains unavailable for the on-send policy: %s", exc.code)
                return self.policy
            self.cache.put(key, domains)
        return self.policy.with_internal_domains(domains)
