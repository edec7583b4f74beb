"""ResultCache: each result's own TTL on a fake clock, single flight, timeouts shared by a
flight's waiters (remade once expired) and replaced by landings, and the settle callback of a
landing."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import HealthCheck
from healthcheck._engine.cache import Flight, ResultCache
from healthcheck.result import CheckResult, Status

from .conftest import Counter, FakeTimer

SUCCESS_TTL = 27.0
FAILED_TTL = 9.0
#: Results carry wall-clock times while the cache runs on its own (fake) timer: only the
#: difference ``expires - timestamp`` may matter, so the two clocks are deliberately far apart.
WALL_CLOCK = 1_700_000_000.0


def result(
    status: Status = Status.PASS, output: str = "ok", ttl: float | None = None
) -> CheckResult:
    """A result that stays fresh for ``ttl`` seconds: by default the success TTL, or the failed
    TTL for a failure (the per-outcome TTLs a HealthCheck gives its results)."""
    if ttl is None:
        ttl = FAILED_TTL if status is Status.FAIL else SUCCESS_TTL
    return CheckResult(
        checker="db",
        status=status,
        output=output,
        timestamp=WALL_CLOCK,
        expires=WALL_CLOCK + ttl,
        response_time=0.0,
    )


def timeout_maker(made: CheckResult, calls: Counter) -> Callable[[], CheckResult]:
    """A ``make`` factory for record_timeout that counts its calls."""

    def make() -> CheckResult:
        calls.hit()
        return made

    return make


class Settles:
    """A ``settle`` callback for land that records its calls and rewrites the result."""

    def __init__(self) -> None:
        self.calls: list[tuple[CheckResult, bool]] = []
        self.returned: list[CheckResult] = []

    def __call__(self, landed: CheckResult, repeat: bool) -> CheckResult:
        self.calls.append((landed, repeat))
        settled = dataclasses.replace(landed, output=f"settled {landed.output}")
        self.returned.append(settled)
        return settled


class Launches:
    """A ``launch`` callback that records the flights it was asked to start."""

    def __init__(self) -> None:
        self.flights: list[Flight] = []
        self._lock = threading.Lock()

    def __call__(self, flight: Flight) -> None:
        with self._lock:
            self.flights.append(flight)


@pytest.fixture
def cache(timer: FakeTimer) -> ResultCache:
    return ResultCache(timer=timer)


def land_fresh(cache: ResultCache, key: str, value: CheckResult) -> None:
    """Store ``value`` the only way results get in: fetch a flight, then land it."""
    got = cache.fetch(key, None, lambda flight: None)
    assert isinstance(got, Flight)
    cache.land(key, got, value)


# -- get / get_all -----------------------------------------------------------------------------


def test_get_of_an_unknown_key_is_none(cache: ResultCache) -> None:
    assert cache.get("db") is None


def test_a_landed_result_is_returned_by_get(cache: ResultCache) -> None:
    ok = result()

    land_fresh(cache, "db", ok)

    assert cache.get("db") is ok


def test_a_success_is_fresh_until_the_success_ttl_has_passed(
    cache: ResultCache, timer: FakeTimer
) -> None:
    ok = result(Status.PASS)
    land_fresh(cache, "db", ok)

    timer.tick(SUCCESS_TTL - 0.5)
    assert cache.get("db") is ok
    timer.tick(1)
    assert cache.get("db") is None


def test_a_failure_is_fresh_until_the_failed_ttl_has_passed(
    cache: ResultCache, timer: FakeTimer
) -> None:
    bad = result(Status.FAIL)
    land_fresh(cache, "db", bad)

    timer.tick(FAILED_TTL - 0.5)
    assert cache.get("db") is bad
    timer.tick(1)
    assert cache.get("db") is None


# A TTL of None never reaches the cache any more: HealthCheck turns it into 0 before making
# results (test_core covers success_ttl/failed_ttl=None). Expiring before its own timestamp
# is the other way a result can come with no life left.
@pytest.mark.parametrize("ttl", [0.0, -1.0])
def test_a_result_whose_ttl_is_zero_or_less_is_not_stored(cache: ResultCache, ttl: float) -> None:
    ok = result(ttl=ttl)
    got = cache.fetch("db", None, lambda flight: None)
    assert isinstance(got, Flight)

    cache.land("db", got, ok)

    assert cache.get("db") is None
    assert got.future.result(timeout=0) is ok  # its waiters still get it


def test_get_all_returns_every_fresh_result_in_key_order(cache: ResultCache) -> None:
    first, second = result(output="one"), result(output="two")
    land_fresh(cache, "b", second)
    land_fresh(cache, "a", first)

    assert cache.get_all(["a", "b"]) == [first, second]
    assert cache.get_all(["b", "a"]) == [second, first]


def test_get_all_is_none_when_any_result_is_missing_or_stale(
    cache: ResultCache, timer: FakeTimer
) -> None:
    land_fresh(cache, "ok", result(Status.PASS))
    land_fresh(cache, "bad", result(Status.FAIL))

    assert cache.get_all(["ok", "missing"]) is None
    timer.tick(FAILED_TTL + 1)  # "bad" is stale, "ok" is not
    assert cache.get("ok") is not None
    assert cache.get_all(["ok", "bad"]) is None


def test_get_all_of_no_keys_is_an_empty_list(cache: ResultCache) -> None:
    assert cache.get_all([]) == []


def test_clear_forgets_every_result(cache: ResultCache) -> None:
    land_fresh(cache, "a", result())
    land_fresh(cache, "b", result())

    cache.clear()

    assert cache.get("a") is None
    assert cache.get_all(["a", "b"]) is None


# -- fetch / land ------------------------------------------------------------------------------


def test_fetch_on_a_miss_launches_one_flight_and_returns_it(
    cache: ResultCache, timer: FakeTimer
) -> None:
    launches = Launches()

    got = cache.fetch("db", 5.0, launches)

    assert isinstance(got, Flight)
    assert launches.flights == [got]
    # Waiting for a thread is not running: the time limit starts with the execution.
    assert (got.timeout, got.started, got.deadline) == (5.0, None, None)
    timer.tick(3)
    got.start()
    assert got.started == timer.now
    assert got.deadline == pytest.approx(timer.now + 5.0)
    assert not got.future.done()


@pytest.mark.parametrize("timeout", [None, 0])
def test_a_flight_without_timeout_has_no_deadline(
    cache: ResultCache, timeout: float | None
) -> None:
    got = cache.fetch("db", timeout, lambda flight: None)

    assert isinstance(got, Flight)
    assert got.deadline is None


def test_fetch_while_a_flight_is_under_way_joins_it(cache: ResultCache) -> None:
    launches = Launches()

    first = cache.fetch("db", None, launches)
    second = cache.fetch("db", None, launches)

    assert second is first
    assert len(launches.flights) == 1


def test_fetch_of_a_fresh_result_returns_it_without_launching(cache: ResultCache) -> None:
    ok = result()
    land_fresh(cache, "db", ok)
    launches = Launches()

    assert cache.fetch("db", None, launches) is ok
    assert launches.flights == []


def test_fetch_after_expiry_launches_a_new_flight(cache: ResultCache, timer: FakeTimer) -> None:
    land_fresh(cache, "db", result())
    timer.tick(SUCCESS_TTL + 1)
    launches = Launches()

    got = cache.fetch("db", None, launches)

    assert isinstance(got, Flight)
    assert launches.flights == [got]


def test_land_wakes_the_waiters_and_ends_the_flight(cache: ResultCache) -> None:
    launches = Launches()
    flight = cache.fetch("db", None, launches)
    assert isinstance(flight, Flight)
    ok = result(ttl=0)  # nothing stored: only the flight matters

    cache.land("db", flight, ok)

    assert flight.future.result(timeout=0) is ok
    again = cache.fetch("db", None, launches)
    assert isinstance(again, Flight)
    assert again is not flight
    assert len(launches.flights) == 2


def test_keys_have_independent_flights(cache: ResultCache) -> None:
    launches = Launches()

    a = cache.fetch("a", None, launches)
    b = cache.fetch("b", None, launches)

    assert a is not b
    assert launches.flights == [a, b]


def test_a_waiter_cannot_cancel_a_shared_flight(cache: ResultCache) -> None:
    flight = cache.fetch("db", None, lambda f: None)
    assert isinstance(flight, Flight)

    assert flight.future.cancel() is False
    cache.land("db", flight, result())
    assert flight.future.result(timeout=0).passed is True


def test_concurrent_fetches_on_a_miss_launch_exactly_once(cache: ResultCache) -> None:
    launches = Launches()
    barrier = threading.Barrier(16, timeout=5)
    got: list[object] = []
    lock = threading.Lock()

    def fetch() -> None:
        barrier.wait()
        flight = cache.fetch("db", None, launches)
        with lock:
            got.append(flight)

    threads = [threading.Thread(target=fetch, daemon=True) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert not any(thread.is_alive() for thread in threads)
    assert len(launches.flights) == 1
    assert len(got) == 16
    assert all(flight is launches.flights[0] for flight in got)


def test_launch_is_called_outside_the_lock(cache: ResultCache) -> None:
    # A launch that lands at once (a checker finishing immediately) must not deadlock.
    ok = result()
    calls = Counter()

    def launch_and_land(flight: Flight) -> None:
        calls.hit()
        assert cache.get("other") is None
        cache.land("db", flight, ok)

    got: list[object] = []
    thread = threading.Thread(
        target=lambda: got.append(cache.fetch("db", None, launch_and_land)), daemon=True
    )
    thread.start()
    thread.join(5)

    assert not thread.is_alive(), "fetch() deadlocked: launch ran under the cache's lock"
    assert isinstance(got[0], Flight)
    assert got[0].future.result(timeout=5) is ok
    assert calls.calls == 1
    assert cache.get("db") is ok


# -- record_timeout ----------------------------------------------------------------------------


def test_a_recorded_timeout_is_served_while_the_flight_runs(cache: ResultCache) -> None:
    launches = Launches()
    flight = cache.fetch("db", 1.0, launches)
    assert isinstance(flight, Flight)
    timed_out = result(Status.FAIL, output="timed out after 1 s")

    given = cache.record_timeout("db", flight, lambda: timed_out)

    assert given is timed_out
    assert flight.timeout_result is timed_out
    assert cache.get("db") is timed_out
    assert cache.fetch("db", 1.0, launches) is timed_out
    assert len(launches.flights) == 1


def test_a_flight_has_no_timeout_result_until_one_is_recorded(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)

    assert flight.timeout_result is None


def test_a_timeout_is_made_once_per_flight(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    calls = Counter()
    timed_out = result(Status.FAIL, output="timed out")
    make = timeout_maker(timed_out, calls)

    first = cache.record_timeout("db", flight, make)
    second = cache.record_timeout("db", flight, make)
    third = cache.record_timeout("db", flight, timeout_maker(result(Status.FAIL), calls))

    assert first is second is third is timed_out
    assert calls.calls == 1
    assert cache.get("db") is timed_out


def test_a_timeout_expired_while_its_flight_still_runs_is_made_again(
    cache: ResultCache, timer: FakeTimer
) -> None:
    # The execution still hangs: its waiters get a timeout judged now, not the old one.
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    calls = Counter()
    first = cache.record_timeout("db", flight, timeout_maker(result(Status.FAIL), calls))
    timer.tick(FAILED_TTL)
    again = result(Status.FAIL, output="still timed out")

    given = cache.record_timeout("db", flight, timeout_maker(again, calls))

    assert given is again is not first
    assert calls.calls == 2
    assert flight.timeout_result is again
    assert cache.get("db") is again
    assert cache.record_timeout("db", flight, timeout_maker(first, calls)) is again


def test_concurrent_waiters_at_the_deadline_share_one_timeout(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    calls = Counter()

    def make() -> CheckResult:
        calls.hit()
        return result(Status.FAIL, output="timed out")

    barrier = threading.Barrier(16, timeout=5)
    given: list[CheckResult] = []
    lock = threading.Lock()

    def wait() -> None:
        barrier.wait()
        got = cache.record_timeout("db", flight, make)
        with lock:
            given.append(got)

    threads = [threading.Thread(target=wait, daemon=True) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert not any(thread.is_alive() for thread in threads)
    assert calls.calls == 1
    assert len(given) == 16
    assert all(got is flight.timeout_result for got in given)


def test_each_flight_gets_its_own_timeout(cache: ResultCache, timer: FakeTimer) -> None:
    first = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(first, Flight)
    cache.record_timeout("db", first, lambda: result(Status.FAIL, output="first timed out"))
    cache.land("db", first, result(ttl=0))  # ends the flight; nothing fresh left
    second = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(second, Flight)
    assert second is not first
    calls = Counter()
    again = result(Status.FAIL, output="second timed out")

    given = cache.record_timeout("db", second, timeout_maker(again, calls))

    assert given is again
    assert calls.calls == 1
    assert second.timeout_result is again


def test_a_recorded_timeout_expires_with_the_failed_ttl_and_the_flight_is_joined_again(
    cache: ResultCache, timer: FakeTimer
) -> None:
    launches = Launches()
    flight = cache.fetch("db", 1.0, launches)
    assert isinstance(flight, Flight)
    cache.record_timeout("db", flight, lambda: result(Status.FAIL))

    timer.tick(FAILED_TTL + 1)

    assert cache.get("db") is None
    assert cache.fetch("db", 1.0, launches) is flight  # still running: not started twice
    assert len(launches.flights) == 1


def test_a_landed_result_replaces_a_recorded_timeout(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    cache.record_timeout("db", flight, lambda: result(Status.FAIL, output="timed out"))
    real = result(Status.PASS, output="late but fine")

    cache.land("db", flight, real)

    assert cache.get("db") is real


def test_a_landed_result_with_no_ttl_still_removes_a_recorded_timeout(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    timed_out = result(Status.FAIL, output="timed out", ttl=FAILED_TTL)
    cache.record_timeout("db", flight, lambda: timed_out)
    assert cache.get("db") is timed_out

    cache.land("db", flight, result(Status.PASS, output="real", ttl=0))

    assert cache.get("db") is None


def test_a_timeout_recorded_after_the_landing_is_ignored(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    real = result(Status.PASS, output="real")
    cache.land("db", flight, real)
    calls = Counter()

    given = cache.record_timeout(
        "db", flight, timeout_maker(result(Status.FAIL, output="timed out"), calls)
    )

    assert given is real  # the landed result wins: the waiter gets it, not a timeout
    assert calls.calls == 0
    assert flight.timeout_result is None
    assert cache.get("db") is real


def test_a_landed_result_wins_even_when_it_is_not_cached(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    real = result(Status.FAIL, output="real", ttl=0)
    cache.land("db", flight, real)
    calls = Counter()

    given = cache.record_timeout("db", flight, timeout_maker(result(Status.FAIL), calls))

    assert given is real
    assert calls.calls == 0
    assert cache.get("db") is None


# -- land's settle callback --------------------------------------------------------------------


def test_settle_is_called_once_with_repeat_false_for_a_plain_landing(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    real = result(Status.PASS, output="fine")
    settle = Settles()

    cache.land("db", flight, real, settle=settle)

    assert settle.calls == [(real, False)]


def test_the_settled_result_is_what_waiters_get_and_what_is_cached(cache: ResultCache) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    settle = Settles()

    cache.land("db", flight, result(Status.PASS, output="fine"), settle=settle)

    (settled,) = settle.returned
    assert settled.output == "settled fine"
    assert flight.future.result(timeout=0) is settled
    assert cache.get("db") is settled
    assert cache.record_timeout("db", flight, lambda: result(Status.FAIL)) is settled


def test_settle_is_told_repeat_true_after_a_timeout_was_recorded_for_the_flight(
    cache: ResultCache,
) -> None:
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    timed_out = result(Status.FAIL, output="timed out")
    cache.record_timeout("db", flight, lambda: timed_out)
    late = result(Status.FAIL, output="late failure")
    settle = Settles()

    cache.land("db", flight, late, settle=settle)

    assert settle.calls == [(late, True)]
    assert cache.get("db") is settle.returned[0]


def test_a_timeout_of_an_earlier_flight_does_not_make_a_repeat(cache: ResultCache) -> None:
    first = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(first, Flight)
    cache.record_timeout("db", first, lambda: result(Status.FAIL, output="timed out", ttl=0))
    cache.land("db", first, result(ttl=0))
    second = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(second, Flight)
    real = result(Status.PASS, output="fine")
    settle = Settles()

    cache.land("db", second, real, settle=settle)

    assert settle.calls == [(real, False)]


def test_settle_runs_under_the_cache_lock(cache: ResultCache) -> None:
    # While settle runs, nobody else sees the cache: a get() from another thread waits.
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    entered, proceed = threading.Event(), threading.Event()

    def settle(landed: CheckResult, repeat: bool) -> CheckResult:
        entered.set()
        proceed.wait(5)
        return landed

    real = result(Status.PASS, output="fine")
    lander = threading.Thread(
        target=lambda: cache.land("db", flight, real, settle=settle), daemon=True
    )
    lander.start()
    assert entered.wait(5)
    seen: list[CheckResult | None] = []
    reader = threading.Thread(target=lambda: seen.append(cache.get("db")), daemon=True)
    reader.start()
    reader.join(0.2)
    assert reader.is_alive(), "get() ran while settle held the cache"
    proceed.set()
    lander.join(5)
    reader.join(5)

    assert not lander.is_alive() and not reader.is_alive()
    assert seen == [real]


def race_timeout_and_landing(cache: ResultCache) -> None:
    """One flight whose landing and a waiter's timeout start at the same moment."""
    flight = cache.fetch("db", 1.0, lambda f: None)
    assert isinstance(flight, Flight)
    barrier = threading.Barrier(2, timeout=5)
    calls = Counter()
    timed_out = result(Status.FAIL, output="timed out")
    make = timeout_maker(timed_out, calls)
    settle = Settles()
    given: list[CheckResult] = []

    def land() -> None:
        barrier.wait()
        cache.land("db", flight, result(ttl=0), settle=settle)

    def time_out() -> None:
        barrier.wait()
        given.append(cache.record_timeout("db", flight, make))

    threads = [threading.Thread(target=f, daemon=True) for f in (land, time_out)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert not any(thread.is_alive() for thread in threads)
    ((_, repeat),) = settle.calls
    (got,) = given
    if calls.calls:
        assert (got, repeat, calls.calls) == (timed_out, True, 1)
    else:
        assert (got, repeat) == (settle.returned[0], False)


def test_a_timeout_and_a_landing_racing_never_both_count_as_first(cache: ResultCache) -> None:
    # Whatever the interleaving: either the waiter gets the landed result and settle says
    # "first word", or the waiter gets a timeout (made once) and settle says "repeat".
    for _ in range(200):
        race_timeout_and_landing(cache)


def test_more_checks_than_any_fixed_bound_all_stay_cached(counter: Counter) -> None:
    """A run inside the TTL executes none of 1,100 checks (a cache of 1,024 evicted some)."""
    health = HealthCheck()
    for number in range(1100):
        health.add_check(lambda: (counter.hit() > 0, "ok"), name=f"c{number}")
    try:
        health.run()
        assert counter.calls == 1100
        health.run()
        assert counter.calls == 1100
    finally:
        health.close()


def test_a_run_after_clear_cache_executes_the_check_again_even_if_one_was_under_way() -> None:
    # The execution under way read the backend before the clear: its waiters get its result,
    # but the cache must not keep it, or clear_cache() would not clear.
    from healthcheck import HealthCheck

    backend = {"up": False}
    started, release = threading.Event(), threading.Event()

    def database() -> tuple[bool, str]:
        up = backend["up"]
        started.set()
        release.wait(10)
        return up, "up" if up else "down"

    health = HealthCheck()
    health.add_check(database)
    first: list[Any] = []
    thread = threading.Thread(target=lambda: first.append(health.run()), daemon=True)
    thread.start()
    assert started.wait(10)
    backend["up"] = True
    health.clear_cache()
    release.set()
    thread.join(10)
    try:
        _, again, _ = health.run()
    finally:
        health.close()
    assert first[0][1] == 500  # the old execution's own waiter: its result
    assert again == 200  # a run after the clear ran the check again


def test_clear_cache_never_starts_a_second_copy_of_a_hung_check() -> None:
    # A check is never run twice at once: callers after a clear join the execution under way
    # (its result, not kept, answers them), so clearing in a loop cannot pile up threads.
    from healthcheck import HealthCheck

    started = Counter()
    release = threading.Event()

    def hangs() -> tuple[bool, str]:
        started.hit()
        release.wait(30)
        return True, "late"

    health = HealthCheck(error_timeout=0.05)
    health.add_check(hangs)
    try:
        for _ in range(20):
            health.clear_cache()
            _, status, _ = health.run()
            assert status == 500  # timed out
        assert started.calls == 1
    finally:
        release.set()
        health.close()
