"""BucketBatchSampler: every item once, limits kept, seeded, and less padding than random."""

from __future__ import annotations

import numpy as np
import pytest

from melforge import ParameterError
from melforge.data import BucketBatchSampler, padding_fraction


def speech_durations(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Utterance lengths shaped like read speech: log-normal, median ~7 s, 1-30 s."""
    d = np.random.default_rng(seed).lognormal(mean=np.log(7.0), sigma=0.6, size=n)
    return np.clip(d, 1.0, 30.0)


def random_batches(n: int, batch_size: int, seed: int) -> list[list[int]]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[k : k + batch_size].tolist() for k in range(0, n, batch_size)]


def test_every_item_once_and_limits_kept() -> None:
    d = speech_durations()
    s = BucketBatchSampler(d, max_duration=200.0, batch_size=32, num_buckets=20, seed=1)
    batches = list(s)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(d.size))
    assert len(s) == len(batches)
    for b in batches:
        assert len(b) <= 32
        assert len(b) == 1 or d[b].max() * len(b) <= 200.0


def test_seeded_per_epoch() -> None:
    d = speech_durations(300)
    a = BucketBatchSampler(d, batch_size=8, seed=3)
    b = BucketBatchSampler(d, batch_size=8, seed=3)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first  # a new shuffle each epoch
    b.set_epoch(1)
    assert list(a) == list(b)
    c = BucketBatchSampler(d, batch_size=8, seed=4)
    assert list(c) != first


def test_unshuffled_is_sorted_and_drop_last() -> None:
    d = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    s = BucketBatchSampler(d, batch_size=2, num_buckets=1, shuffle=False)
    assert list(s) == [[1, 3], [2, 4], [0]]
    s = BucketBatchSampler(d, batch_size=2, num_buckets=1, shuffle=False, drop_last=True)
    assert list(s) == [[1, 3], [2, 4]]


def test_item_longer_than_max_duration_gets_its_own_batch() -> None:
    s = BucketBatchSampler([1.0, 50.0, 1.0], max_duration=10.0, num_buckets=1, shuffle=False)
    assert list(s) == [[0, 2], [1]]


def test_bucketing_cuts_padding_waste() -> None:
    """The waste figure quoted in docs/training.md (same batch size, 2000 utterances)."""
    d = speech_durations()
    random_waste = np.mean([padding_fraction(d, random_batches(d.size, 32, k)) for k in range(5)])
    bucketed = BucketBatchSampler(d, batch_size=32, num_buckets=30, seed=0)
    bucket_waste = padding_fraction(d, list(bucketed))
    by_duration = BucketBatchSampler(d, max_duration=320.0, num_buckets=30, seed=0)
    duration_waste = padding_fraction(d, list(by_duration))
    print(f"padding: random {random_waste:.3f}, bucketed by count {bucket_waste:.3f}, "
          f"by duration {duration_waste:.3f}")  # fmt: skip
    assert random_waste > 0.4
    assert bucket_waste < 0.06
    assert duration_waste < 0.06


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "give max_duration"),
        ({"batch_size": 0}, "batch_size=0 must be an integer >= 1"),
        ({"batch_size": 2, "num_buckets": 0}, "num_buckets=0 must be"),
        ({"max_duration": -1.0}, "max_duration=-1.0 must be"),
        ({"max_duration": 5.0, "drop_last": True}, "drop_last=True needs batch_size"),
        ({"batch_size": 2, "num_replicas": 0}, "num_replicas=0 must be an integer >= 1"),
        ({"batch_size": 2, "num_replicas": 2, "rank": 2}, "rank=2 must be below"),
    ],
)
def test_bad_options(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        BucketBatchSampler([1.0, 2.0], **kwargs)


def test_bad_durations() -> None:
    with pytest.raises(ParameterError, match="durations must be"):
        BucketBatchSampler([1.0, float("nan")], batch_size=2)


@pytest.mark.parametrize("replicas", [2, 3, 7])
def test_ranks_share_the_epoch_without_overlap(replicas: int) -> None:
    d = speech_durations(500)
    whole = BucketBatchSampler(d, max_duration=120.0, seed=4)
    whole.set_epoch(2)
    ranks = []
    for rank in range(replicas):
        s = BucketBatchSampler(d, max_duration=120.0, seed=4, num_replicas=replicas, rank=rank)
        s.set_epoch(2)
        ranks.append(list(s))
    assert len({len(r) for r in ranks}) == 1  # equal counts: no rank waits at the end
    n = len(whole)
    merged = [ranks[k % replicas][k // replicas] for k in range(n)]
    assert merged == list(whole)  # the ranks' batches interleave back to the epoch
    repeats = len(ranks[0]) * replicas - n
    assert 0 <= repeats < replicas
