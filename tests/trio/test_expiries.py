"""relay_trio's Expiries: dial deadlines that fail their Waiter, fired by the timer task."""

from __future__ import annotations

import pytest

from relay_trio._sync import Expired, Expiries, Waiter


def test_due_entries_fail_their_waiters_in_deadline_order_and_cancelled_ones_do_not() -> None:
    expiries = Expiries()
    waiters: list[Waiter[int]] = [Waiter() for _ in range(3)]
    late = expiries.add(30.0, waiters[0])
    expiries.add(10.0, waiters[1])
    cancelled = expiries.add(20.0, waiters[2])
    expiries.cancel(cancelled)
    expiries.cancel(cancelled)  # twice: still one stale entry
    assert expiries.next_deadline() == 10.0
    expiries.fire(25.0)
    assert waiters[1]._error is not None and isinstance(waiters[1]._error, Expired)
    assert waiters[2]._error is None  # cancelled before its deadline
    assert waiters[0]._error is None and expiries.next_deadline() == 30.0
    expiries.cancel(late)
    assert expiries.next_deadline() is None
    expiries.fire(100.0)
    assert waiters[0]._error is None


def test_a_fired_entry_cancels_as_a_no_op() -> None:
    expiries = Expiries()
    waiter: Waiter[int] = Waiter()
    entry = expiries.add(1.0, waiter)
    expiries.fire(1.0)  # due at its deadline exactly
    expiries.cancel(entry)
    assert isinstance(waiter._error, Expired) and expiries.next_deadline() is None


@pytest.mark.parametrize("finished", [100, 1000])
def test_finished_entries_behind_a_long_one_do_not_pile_up(finished: int) -> None:
    expiries = Expiries()
    long_waiter: Waiter[int] = Waiter()
    expiries.add(1.0, long_waiter)  # the top, live throughout
    live: list[Waiter[int]] = []
    for i in range(finished):
        waiter: Waiter[int] = Waiter()
        entry = expiries.add(2.0 + i, waiter)
        if i % 10 == 0:
            live.append(waiter)
        else:
            expiries.cancel(entry)
    assert len(expiries._heap) <= 2 * (len(live) + 1) + 65
    expiries.fire(float("inf"))
    assert isinstance(long_waiter._error, Expired)
    assert all(isinstance(w._error, Expired) for w in live)
    assert expiries.next_deadline() is None and expiries._stale == 0
