"""Garbage-collector settings for a long-running server process.

Checking a message for 500 recipients makes tens of thousands of short-lived objects. With
CPython's default first threshold (700 allocations) the collector then runs hundreds of times
a minute, and now and then walks every object of the process: about 100,000 once Flask,
SQLAlchemy, MSAL and friends are loaded, a pause of about 40 ms measured here, landing in
some sender's request. Once the app is built, what exists lives as long as the process:
``gc.freeze`` takes it out of every later collection, and a higher first threshold makes the
young collections rarer. Reference counting still frees almost everything at once; only
cycles wait a little longer.
"""

from __future__ import annotations

import gc

# Allocations (less deallocations) between young collections; the default is 700.
YOUNG_THRESHOLD = 10_000


def tune_for_server() -> None:
    """Freeze what start-up made and raise the young generation's threshold (call once the
    app is built, in the process that serves: after gunicorn's fork)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
