"""How long the tracker's batch of one application's events waits (gateway.tracking.Batches.wait_for)."""

from datetime import UTC, datetime, timedelta

from gateway.tracking import MAX_WINDOW, Batches

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def entry(late_seconds: float) -> dict:
    return {"at": AT, "received_at": AT + timedelta(seconds=late_seconds)}


def test_an_event_on_time_waits_the_window_a_late_one_a_share_of_its_lateness_up_to_the_cap():
    batches = Batches(window=0.15)
    assert batches.wait_for(entry(0.02)) == 0.15  # a quiet system: the bureaus answer within milliseconds
    assert batches.wait_for(entry(-3)) == 0.15  # a clock behind the bureau's: never less than the window
    assert batches.wait_for(entry(2.0)) == 0.5  # loaded: the answers come seconds apart
    assert batches.wait_for(entry(60)) == MAX_WINDOW
    assert Batches(window=0).wait_for(entry(60)) == 0  # batching off: never waits
