"""Live log batching without a UI: text from worker threads reaches the UI in few, ordered batches."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from console.tui.live import OVERFLOW_NOTE, AsyncFollower, Batcher, LiveLog


def _wait(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def test_live_log_is_capped_with_a_note_once():
    got: list[str] = []
    live = LiveLog(got.append, cap=100, interval_s=60)
    for _ in range(10):
        live.add("x" * 30)
    live.add("more")
    live.close()
    assert "".join(got) == "x" * 100 + OVERFLOW_NOTE
    assert live.overflowed


def test_a_flood_from_a_thread_arrives_in_few_batches_in_order_and_whole():
    got: list[str] = []
    batcher = Batcher(lambda _source, text: got.append(text), interval_s=0.05)

    def flood() -> None:
        for i in range(20000):
            batcher.add("run", f"{i}\n")

    worker = threading.Thread(target=flood)
    worker.start()
    worker.join()
    batcher.close()
    assert "".join(got) == "".join(f"{i}\n" for i in range(20000))
    assert batcher.deliveries == len(got) < 200


def test_text_that_stops_arriving_is_delivered_by_the_timer_without_a_close():
    got: list[str] = []
    batcher = Batcher(lambda _source, text: got.append(text), interval_s=0.01)
    batcher.add("run", "only line\n")
    _wait(lambda: got == ["only line\n"])


def test_nothing_is_delivered_after_close():
    got: list[str] = []
    batcher = Batcher(lambda _source, text: got.append(text), interval_s=0.01)
    batcher.close()
    batcher.add("run", "late\n")
    assert got == [] and not batcher.scheduled


def test_the_follower_delivers_log_text_before_the_happening_that_follows_it_and_skips_other_functions():
    seen: list[tuple[str, str]] = []
    follower = AsyncFollower(
        "mine",
        lambda request_id, text: seen.append(("log", text)),
        lambda update: seen.append((update.kind, update.request_id)),
        interval_s=60,
    )
    update = lambda kind, name="mine", text="": SimpleNamespace(kind=kind, function_name=name, request_id="r1", text=text)  # noqa: E731
    follower(update("start"))
    follower(update("log", text="a\n"))
    follower(update("log", text="b\n"))
    follower(update("log", name="other", text="not mine\n"))
    follower(update("attempt"))
    assert seen == [("start", "r1"), ("log", "a\nb\n"), ("attempt", "r1")]


def test_batches_are_timed_by_one_shared_clock_thread_never_a_thread_per_batch(monkeypatch):
    def no_timer(*args, **kwargs):
        raise AssertionError("a threading.Timer per batch blocks the invocation's thread while it starts")

    monkeypatch.setattr(threading, "Timer", no_timer)
    got: list[str] = []
    batchers = [Batcher(lambda _source, text: got.append(text), interval_s=0.01) for _ in range(20)]
    for i, batcher in enumerate(batchers):
        batcher.add("run", f"{i}\n")
    _wait(lambda: len(got) == 20)
    assert sorted(got) == sorted(f"{i}\n" for i in range(20))
    assert [t.name for t in threading.enumerate()].count("live-log-clock") == 1
    assert not any(b.scheduled for b in batchers)


def test_a_flush_done_early_is_not_repeated_by_its_stale_clock_entry():
    got: list[str] = []
    batcher = Batcher(lambda _source, text: got.append(text), interval_s=0.02)
    batcher.add("run", "a\n")
    batcher.flush()  # before the clock's turn
    batcher.add("run", "b\n")  # a new batch, due a whole interval later
    _wait(lambda: got == ["a\n", "b\n"])
    assert batcher.deliveries == 2
