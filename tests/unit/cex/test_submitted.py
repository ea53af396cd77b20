"""The client ids a venue account has submitted: bounded, newest kept, unresolved apart."""

from connectors.cex.submitted import REMEMBERED, Submitted


def test_the_oldest_id_is_forgotten_past_the_bound_and_a_resubmitted_one_is_newest() -> None:
    submitted = Submitted()
    for index in range(REMEMBERED):
        submitted.remember(f"id-{index}", float(index))
    submitted.remember("id-0", 7.0)  # sized again: now the newest
    submitted.remember("one-more", None)
    assert "id-0" in submitted
    assert submitted.sizing_price("id-0") == 7.0
    assert "id-1" not in submitted  # the oldest went
    assert "one-more" in submitted
    assert submitted.sizing_price("one-more") is None


def test_forget_and_resolution() -> None:
    submitted = Submitted()
    submitted.remember("a", 3000.0)
    submitted.lost("a")
    assert submitted.is_unresolved("a")
    assert submitted.unresolved == frozenset({"a"})
    submitted.seen("a")
    assert not submitted.is_unresolved("a")
    assert "a" in submitted
    submitted.forget("a")
    assert "a" not in submitted
    assert submitted.sizing_price("a") is None
