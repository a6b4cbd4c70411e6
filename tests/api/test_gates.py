"""Changes of one office wait their turn in the worker (in arrival order); other offices are not held up."""

from __future__ import annotations

import asyncio

from live.gates import OfficeGates


async def test_changes_of_one_office_run_one_at_a_time_in_arrival_order() -> None:
    gates = OfficeGates()
    inside: list[str] = []
    order: list[int] = []

    async def change(n: int) -> None:
        async with gates.hold("town"):
            inside.append("in")
            assert inside.count("in") - inside.count("out") == 1, "two changes of one office at once"
            order.append(n)
            await asyncio.sleep(0.001)
            inside.append("out")

    await asyncio.gather(*(change(n) for n in range(20)))
    assert order == list(range(20))


async def test_another_office_is_not_held_up_by_a_busy_one() -> None:
    gates = OfficeGates()
    release = asyncio.Event()

    async def busy() -> None:
        async with gates.hold("town"):
            await release.wait()

    holder = asyncio.create_task(busy())
    await asyncio.sleep(0)
    async with asyncio.timeout(1):
        async with gates.hold("village"):
            pass  # got in while town is still held
    release.set()
    await holder


async def test_a_gate_is_forgotten_when_nobody_holds_or_awaits_it() -> None:
    gates = OfficeGates()
    async with gates.hold("town"):
        assert len(gates) == 1
    assert len(gates) == 0
    try:
        async with gates.hold("no-such-office"):
            raise LookupError("the change failed")
    except LookupError:
        pass
    assert len(gates) == 0
