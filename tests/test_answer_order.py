"""Service.in_turn, which platforms wrap around asking and sending: one person's answers in a conversation go out in
the order asked, even when a question is given up on while it waits; a waiting question counts as work in flight."""

import asyncio

from bot.core.replies import Request

ASKED = Request("how do I scale a backend?", user="U1", channel="C1", platform="slack")


async def test_a_question_given_up_on_while_waiting_does_not_let_the_next_overtake_the_one_before(bot):
    service, order, release = bot.service, [], asyncio.Event()

    async def ask_and_send(name: str, hold: asyncio.Event | None = None) -> None:
        async with service.in_turn(ASKED):
            if hold is not None:
                await hold.wait()  # the answer still on its way, as a slow network holds it
            order.append(name)

    first = asyncio.create_task(ask_and_send("first", release))
    await asyncio.sleep(0)
    given_up = asyncio.create_task(ask_and_send("given up"))
    last = asyncio.create_task(ask_and_send("last"))
    await asyncio.sleep(0.05)
    assert service.in_flight == 2  # both waiting: a shutdown would drain them
    given_up.cancel()
    await asyncio.sleep(0.05)
    assert order == []  # the last still waits for the first
    release.set()
    await asyncio.gather(first, last)

    assert order == ["first", "last"]
    assert service._turns == {} and service.in_flight == 0
