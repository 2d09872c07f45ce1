"""A use case's steps before it records anything: their failure means nothing was done, so the
request's ``Idempotency-Key`` is released (``api/once.py``) and the same request may be sent
again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import RecallAssistantError
from ..graph.errors import GraphError


class NotYetActed(Exception):
    """Wraps an error raised before anything was recorded."""

    def __init__(self, error: Exception):
        self.error = error
        super().__init__(str(error))


def before_action(step: Callable[[], Any]) -> Any:
    """Run a step that checks or reads but records nothing; its failure frees the key."""
    try:
        return step()
    except (RecallAssistantError, GraphError) as error:
        raise NotYetActed(error) from error
