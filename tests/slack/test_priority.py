"""Acks first: a turn waits while requests are being acknowledged, but never for long."""

from __future__ import annotations

import threading

from bot.slack.priority import AckGate


def test_a_turn_starts_at_once_when_nothing_is_being_acknowledged() -> None:
    assert AckGate(max_wait=5).wait_for_acks() is True


def test_a_turn_waits_for_the_acks_in_flight_and_gives_up_after_max_wait() -> None:
    gate = AckGate(max_wait=0.01)
    with gate.acking(), gate.acking():
        assert gate.wait_for_acks() is False  # gave up: a stream of requests never starves the cards
    assert gate.wait_for_acks() is True


def test_a_waiting_turn_is_released_when_the_last_ack_is_sent() -> None:
    gate = AckGate(max_wait=30)
    entered, leave = threading.Event(), threading.Event()
    released: list[bool] = []

    def request() -> None:
        with gate.acking():
            entered.set()
            leave.wait(30)

    def turn() -> None:
        released.append(gate.wait_for_acks())

    requester = threading.Thread(target=request)
    requester.start()
    assert entered.wait(30)
    waiter = threading.Thread(target=turn)
    waiter.start()
    assert released == []  # still acknowledging
    leave.set()
    requester.join()
    waiter.join()
    assert released == [True]
