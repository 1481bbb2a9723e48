"""What a run measures: the quick (CI) and full settings of ``python -m benchmarks``."""

from __future__ import annotations

from dataclasses import dataclass

from . import frames


@dataclass
class Settings:
    quick: bool
    rounds: int
    events: int
    core_events: int
    window: int
    batch: int
    levels: list[int]
    totals: list[int]
    memory_calls: int
    event_arms: list[tuple[str, str]]
    dial_arms: list[str]
    memory_arms: list[str]
    #: Live-call levels of the events arm (flat as work grows), its arms and rounds.
    scale_live: list[int]
    scale_arms: list[str]
    scale_rounds: int
    #: Live calls of the memory arm beyond ``memory_calls`` (10k is the main row).
    memory_more: list[int]
    #: Clients in one process (memory per idle client; events/s summed, scale rounds).
    client_counts: list[int]
    #: Arms of the record/collect event mix (its own rows) and its rounds.
    mix_arms: list[str]
    mix_rounds: int
    #: Messaging (SMS sent and received against the fake server): arms, send levels
    #: (concurrent sends) and their totals, inbound messages, seconds per send level
    #: and the longest wait per send (the official SDK loses sends: each such wait times
    #: out, counted as lost), and its rounds.
    messaging_arms: list[str]
    messaging_levels: list[int]
    messaging_totals: list[int]
    messaging_inbound: int
    messaging_budget: float
    messaging_wait: float
    messaging_rounds: int


#: End-to-end event arms: (arm, transport).  Floors first, then the clients.
QUICK_EVENT_ARMS = [
    ("raw_ws", "tls"),
    ("raw_sansio", "tls"),
    ("raw_wsproto", "tls"),
    ("relay_asyncio", "tls"),
    ("relay_trio", "tls"),
    ("sdk", "tls"),
]
FULL_EVENT_ARMS = [
    ("raw_ws", "tls"),
    ("raw_sansio", "tls"),
    ("raw_trio", "tls"),
    ("raw_wsproto", "tls"),
    ("relay_asyncio", "tls"),
    ("relay_trio", "tls"),
    ("sdk", "tls"),
    ("raw_ws", "ws"),
    ("raw_trio", "ws"),
    ("relay_asyncio", "ws"),
    ("relay_trio", "ws"),
]


def settings(quick: bool, rounds: int | None) -> Settings:
    if quick:
        return Settings(
            quick=True,
            rounds=rounds or 5,
            events=frames.CYCLE * 4,
            core_events=frames.CYCLE * 20,
            window=512,
            batch=64,
            levels=[1, 100],
            totals=[50, 600],
            memory_calls=10_000,
            event_arms=QUICK_EVENT_ARMS,
            dial_arms=["relay_asyncio", "relay_trio", "sdk"],
            # deterministic and ~6 s each: the adapters too, so CI sees their goal 2 rows
            memory_arms=["core", "sdk-inproc", "relay_asyncio", "relay_trio"],
            scale_live=[100, 10_000],
            scale_arms=["relay_asyncio", "relay_trio"],
            scale_rounds=1,
            memory_more=[],
            client_counts=[10],
            mix_arms=["relay_asyncio", "relay_trio"],
            mix_rounds=1,  # a smoke test in CI: the full run times it every round
            messaging_arms=["relay_asyncio", "relay_trio", "sdk"],
            messaging_levels=[1, 50],
            messaging_totals=[50, 300],
            messaging_inbound=500,
            messaging_budget=3.0,
            messaging_wait=2.0,
            messaging_rounds=1,
        )
    return Settings(
        quick=False,
        rounds=rounds or 7,
        events=frames.CYCLE * 30,
        core_events=frames.CYCLE * 100,
        window=512,
        batch=64,
        levels=[1, 100, 1000, 10_000],
        totals=[300, 3000, 10_000, 20_000],
        memory_calls=10_000,
        event_arms=FULL_EVENT_ARMS,
        dial_arms=["relay_asyncio", "relay_trio", "sdk"],
        memory_arms=["core", "sdk-inproc", "sdk", "relay_asyncio", "relay_trio"],
        scale_live=[100, 1000, 10_000, 100_000],
        scale_arms=["relay_asyncio", "relay_trio", "sdk"],
        scale_rounds=3,
        memory_more=[100_000],
        client_counts=[1, 10, 100],
        mix_arms=["relay_asyncio", "relay_trio", "sdk"],
        mix_rounds=rounds or 7,
        messaging_arms=["relay_asyncio", "relay_trio", "sdk"],
        messaging_levels=[1, 50],
        messaging_totals=[500, 3000],
        messaging_inbound=3000,
        messaging_budget=10.0,
        messaging_wait=5.0,
        messaging_rounds=3,
    )
