"""relay_trio's Waiter: a one-shot slot that parks its waiting task itself."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from relay_trio._sync import Waiter


@pytest.mark.trio
async def test_a_parked_waiter_gets_the_value_and_later_sets_are_ignored() -> None:
    waiter: Waiter[str] = Waiter()
    got: list[str] = []

    async def wait() -> None:
        got.append(await waiter.wait())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(wait)
        await trio.testing.wait_all_tasks_blocked()
        assert got == []
        waiter.set("first")
        waiter.set("second")
        waiter.fail(RuntimeError("too late"))
    assert got == ["first"] and waiter.value == "first"


@pytest.mark.trio
async def test_a_set_waiter_returns_at_once_but_still_checkpoints() -> None:
    waiter: Waiter[int] = Waiter()
    waiter.set(7)
    with trio.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio.Cancelled):
            await waiter.wait()  # a checkpoint, as trio.Event.wait() when set
    assert await waiter.wait() == 7


@pytest.mark.trio
async def test_a_failed_waiter_raises_its_error_parked_or_not() -> None:
    waiter: Waiter[int] = Waiter()
    errors: list[BaseException] = []

    async def wait() -> None:
        try:
            await waiter.wait()
        except LookupError as exc:
            errors.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(wait)
        await trio.testing.wait_all_tasks_blocked()
        waiter.fail(LookupError("gone"))
    with pytest.raises(LookupError, match="gone"):
        await waiter.wait()
    assert [str(e) for e in errors] == ["gone"]


@pytest.mark.trio
async def test_a_cancelled_wait_unparks_and_a_later_wait_still_gets_the_value() -> None:
    waiter: Waiter[str] = Waiter()
    with trio.move_on_after(0.01) as scope:
        await waiter.wait()
    assert scope.cancelled_caught
    waiter.set("after")  # the cancelled task is not rescheduled (trio would raise)
    assert await waiter.wait() == "after"
