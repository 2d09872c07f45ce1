"""Use case: the signed-in user's directory entry. The pane asks for it first: it proves the
whole chain (our token, the on-behalf-of exchange, Graph) and surfaces a missing consent before
the sender needs an answer."""

from __future__ import annotations

from ..graph.directory import DirectoryPerson, signed_in_user
from .session import Session


def profile(session: Session) -> DirectoryPerson:
    return signed_in_user(session.graph)
