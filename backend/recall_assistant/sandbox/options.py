"""The sandbox tenant's knobs (README, "What the demo shows"), read from ``RA_SANDBOX_*``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import _Reader
from ..errors import ConfigError


@dataclass(frozen=True)
class SandboxOptions:
    latency_ms: int = 0
    fault_rate: float = 0.0
    report_delay_s: float = 3.0
    fault_seed: int | None = None
    max_concurrent_per_mailbox: int = 4
    timeout_fault_s: float = 15.0


def load_sandbox_options(env: Mapping[str, str]) -> SandboxOptions:
    """Read the sandbox's latency, fault and report-delay knobs."""
    r = _Reader(env)
    seed = r.number("RA_SANDBOX_FAULT_SEED", None, int, 0, 2**32)
    options = SandboxOptions(
        latency_ms=int(r.number("RA_SANDBOX_LATENCY_MS", 0, int, 0, 60_000)),
        fault_rate=float(r.number("RA_SANDBOX_FAULT_RATE", 0.0, float, 0.0, 1.0)),
        report_delay_s=float(r.number("RA_SANDBOX_REPORT_DELAY_S", 3.0, float, 0.0, 86_400)),
        fault_seed=int(seed) if seed is not None else None,
    )
    if r.problems:
        raise ConfigError(r.problems)
    return options
