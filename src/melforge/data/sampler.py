"""A length-bucketing batch sampler: batches of similar durations, so little padding."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from melforge._errors import ParameterError

__all__ = ["BucketBatchSampler"]


class BucketBatchSampler:
    """Batches of items of similar duration, for ``DataLoader(batch_sampler=...)``.

    The items are sorted by duration and cut into ``num_buckets`` buckets of equal
    count (duration quantiles, as lhotse's bucketing samplers do).  Each epoch, every
    bucket's items are shuffled and packed into batches, and the batches of all
    buckets are shuffled together; both shuffles are seeded by ``(seed, epoch)``, so
    an epoch's batches are the same on every run and in every process.

    Parameters
    ----------
    durations : AudioDataset or sequence of float
        The items' durations in seconds, or a dataset with a ``durations()`` method
        (:class:`melforge.data.AudioDataset` reads them from the headers).
    max_duration : float or None
        Largest padded duration of a batch in seconds: the longest item times the
        number of items (what the padded batch holds).  An item longer than this
        still gets a batch of its own.
    batch_size : int or None
        Largest number of items in a batch.  At least one of ``max_duration`` and
        ``batch_size`` is needed; with both, a batch stops at whichever comes first.
    num_buckets : int
        Buckets (fewer when there are fewer items).
    shuffle : bool
        Shuffle within buckets and the order of batches; False gives the batches of
        the sorted items, shortest first.
    seed : int
        Seed of the shuffles (with the epoch, :meth:`set_epoch`).
    drop_last : bool
        Drop each bucket's last batch when it is not full (``batch_size`` only).
    num_replicas, rank : int or None
        Distributed training: this process yields only every ``num_replicas``-th batch
        of the epoch, from ``rank`` on, so the ranks share the epoch's batches without
        overlap.  The batch list is first extended with its own first batches to a
        multiple of ``num_replicas``, so every rank gets the same number of batches
        (``DistributedSampler``'s rule; at most ``num_replicas - 1`` batches repeat).
        None reads them from ``torch.distributed`` when it is initialized (1 and 0
        otherwise).  Every rank must use the same ``seed`` and call :meth:`set_epoch`.

    Examples
    --------
    >>> from melforge.data import BucketBatchSampler
    >>> s = BucketBatchSampler([1.0, 9.0, 2.0, 8.5, 1.1, 9.2], batch_size=2, num_buckets=3)
    >>> sorted(sorted(b) for b in s)
    [[0, 4], [1, 5], [2, 3]]
    """

    def __init__(
        self,
        durations: Any,
        *,
        max_duration: float | None = None,
        batch_size: int | None = None,
        num_buckets: int = 10,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        num_replicas, rank = _world(num_replicas, rank)
        if callable(getattr(durations, "durations", None)):
            durations = durations.durations()
        d = np.asarray(durations, dtype=np.float64)
        if d.ndim != 1 or not np.all(np.isfinite(d)) or np.any(d < 0):
            raise ParameterError("durations must be a 1-D sequence of finite seconds >= 0")
        if max_duration is None and batch_size is None:
            raise ParameterError("give max_duration (seconds per batch), batch_size, or both")
        if max_duration is not None and not (
            isinstance(max_duration, (int, float)) and max_duration > 0
        ):
            raise ParameterError(f"{max_duration=} must be a number of seconds > 0")
        for name, value in (("batch_size", batch_size), ("num_buckets", num_buckets)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                raise ParameterError(f"{name}={value!r} must be an integer >= 1")
        if drop_last and batch_size is None:
            raise ParameterError("drop_last=True needs batch_size")
        self.durations = d
        self.max_duration = None if max_duration is None else float(max_duration)
        self.batch_size = None if batch_size is None else int(batch_size)
        self.num_buckets = int(num_buckets)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.num_replicas, self.rank = num_replicas, rank
        self.epoch = 0
        order = np.argsort(d, kind="stable")
        n_buckets = max(1, min(self.num_buckets, d.size))
        self.buckets: list[np.ndarray] = [b for b in np.array_split(order, n_buckets) if b.size]

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffles of ``epoch`` (call before each epoch, as with DistributedSampler)."""
        self.epoch = int(epoch)

    def batches(self) -> list[list[int]]:
        """Return this epoch's batches for this rank (lists of item indices)."""
        rng = np.random.default_rng([self.seed, self.epoch])
        out: list[list[int]] = []
        for bucket in self.buckets:
            idx = rng.permutation(bucket) if self.shuffle else bucket
            out.extend(self._pack(idx))
        if self.shuffle:
            out = [out[k] for k in rng.permutation(len(out))]
        if self.num_replicas > 1 and out:
            extra = -len(out) % self.num_replicas
            out = (out + out * (extra // len(out) + 1))[: len(out) + extra]
            out = out[self.rank :: self.num_replicas]
        return out

    def _pack(self, idx: Sequence[int] | np.ndarray) -> list[list[int]]:
        batches: list[list[int]] = []
        cur: list[int] = []
        longest = 0.0
        for i in idx:
            d = float(self.durations[i])
            grow = max(longest, d)
            full = (self.batch_size is not None and len(cur) >= self.batch_size) or (
                self.max_duration is not None and cur and grow * (len(cur) + 1) > self.max_duration
            )
            if full:
                batches.append(cur)
                cur, grow = [], d
            cur.append(int(i))
            longest = grow
        if cur and not (self.drop_last and self.batch_size and len(cur) < self.batch_size):
            batches.append(cur)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches())

    def __len__(self) -> int:
        return len(self.batches())

    def __repr__(self) -> str:
        return (
            f"BucketBatchSampler({self.durations.size} items, max_duration={self.max_duration},"
            f" batch_size={self.batch_size}, num_buckets={len(self.buckets)}, "
            f"shuffle={self.shuffle}, seed={self.seed}, rank={self.rank}/{self.num_replicas})"
        )


def _world(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    """Return ``(num_replicas, rank)``, defaulting to ``torch.distributed``'s when it runs."""
    import sys

    dist = getattr(sys.modules.get("torch"), "distributed", None)  # never imports torch
    running = dist is not None and dist.is_available() and dist.is_initialized()
    if num_replicas is None:
        num_replicas = dist.get_world_size() if running else 1  # type: ignore[union-attr]
    if rank is None:
        rank = dist.get_rank() if running else 0  # type: ignore[union-attr]
    for name, value, low in (("num_replicas", num_replicas, 1), ("rank", rank, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{name}={value!r} must be an integer >= {low}")
    if rank >= num_replicas:
        raise ParameterError(f"rank={rank} must be below num_replicas={num_replicas}")
    return int(num_replicas), int(rank)
