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


def test_turns_answer_one_at_a_time_and_the_next_starts_when_the_first_is_done() -> None:
    gate = AckGate(max_wait=30)
    inside, leave = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with gate.answering():
            order.append("first in")
            inside.set()
            leave.wait(30)
            order.append("first out")

    def second() -> None:
        with gate.answering():
            order.append("second in")

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(30)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.05)
    assert two.is_alive()  # holds no slot while the first turn works
    leave.set()
    one.join()
    two.join()
    assert order == ["first in", "first out", "second in"]


def test_without_a_limit_turns_answer_side_by_side() -> None:
    gate = AckGate(max_wait=30, turns_at_once=None)
    with gate.answering(), gate.answering():  # a second turn enters while the first is inside
        pass


def test_a_turn_that_fails_gives_its_slot_back() -> None:
    gate = AckGate(max_wait=30)
    try:
        with gate.answering():
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    entered = threading.Event()

    def next_turn() -> None:
        with gate.answering():
            entered.set()

    other = threading.Thread(target=next_turn)
    other.start()
    other.join(30)
    assert entered.is_set()
