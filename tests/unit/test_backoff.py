"""The waits of a loop that lost its database (event hub, webhook delivery loops)."""

from bluewatch.events.listen import Backoff


def test_waits_double_up_to_the_most_and_stay_there() -> None:
    backoff = Backoff()
    waits = [backoff.next() for _ in range(7)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_a_success_starts_the_waits_again() -> None:
    backoff = Backoff(first=1.0, most=3.0)
    assert [backoff.next(), backoff.next(), backoff.next()] == [1.0, 2.0, 3.0]
    backoff.succeeded()
    assert backoff.next() == 1.0
