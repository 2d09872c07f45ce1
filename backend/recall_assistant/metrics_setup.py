"""Where the worker processes of ``recall-assistant serve`` keep their metrics.

prometheus-client decides when it is first imported whether values live in this process or in
files of ``PROMETHEUS_MULTIPROC_DIR`` that any process can add up. The server must therefore
choose (and empty) that folder before the workers import the app; this module imports nothing
of prometheus-client's for that reason.
"""

from __future__ import annotations

import tempfile
from collections.abc import MutableMapping
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own setting


def prepare_multiprocess_metrics(env: MutableMapping[str, str]) -> Path:
    """Use the folder ``env`` names, emptied of an earlier run's values, or a new one (whose
    path is then put in ``env`` for the workers to inherit). Returns the folder."""
    folder = env.get(MULTIPROCESS_ENV, "").strip()
    if not folder:
        path = Path(tempfile.mkdtemp(prefix="recall-assistant-metrics-"))
        env[MULTIPROCESS_ENV] = str(path)
        return path
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # a previous run's counts would be added to ours
        stale.unlink()
    return path
