"""The result of a featurization run."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Summary"]


@dataclass(frozen=True)
class Summary:
    """What a :func:`melforge.featurize` run did.

    Attributes
    ----------
    out : str
        The output folder (or URL).
    files_ok : int
        Inputs featurized in this run without any failure.
    files_failed : int
        Inputs (or segments) recorded in ``_errors.jsonl`` by this run.
    files_skipped : int
        Inputs whose rows an earlier run wrote and that did not change (resume): kept
        as they are, not computed again.
    rows : int
        Rows written by this run (one per clip, or per segment).
    audio_seconds : float
        Seconds of audio featurized by this run.
    wall_seconds : float
        Wall-clock time of the run.
    output_bytes : int
        Size of the whole output folder's shards after the run.
    engine : str
        ``"local"`` or ``"dask"``.
    workers : int
        Worker processes used (local engine) or Dask workers seen.
    errors_path : str or None
        The errors file, when any input of the dataset failed.
    worker_peak_rss : int
        Largest peak resident memory of a worker process, in bytes (as reported by
        ``getrusage`` in the worker; 0 when nothing ran).

    Examples
    --------
    >>> import melforge
    >>> summary = melforge.featurize([melforge.ex("chirp")], "out", preset="librosa-mel",
    ...                              workers=1)
    >>> summary.ok, summary.rows, summary.engine, summary.errors_path
    (True, 1, 'local', None)
    >>> round(summary.audio_seconds, 2)
    5.0
    >>> print(summary)  # what the command line prints
    files ok: 1, failed: 0, skipped (already done): 0
    rows: 1, audio: 0.001 h
    ...
    """

    out: str
    files_ok: int
    files_failed: int
    files_skipped: int
    rows: int
    audio_seconds: float
    wall_seconds: float
    output_bytes: int
    engine: str
    workers: int
    errors_path: str | None = None
    worker_peak_rss: int = 0

    @property
    def audio_hours(self) -> float:
        """Hours of audio featurized by this run."""
        return self.audio_seconds / 3600.0

    @property
    def files_per_second(self) -> float:
        """Inputs (ok or failed) handled per second of wall time."""
        return (self.files_ok + self.files_failed) / max(self.wall_seconds, 1e-9)

    @property
    def audio_hours_per_minute(self) -> float:
        """Throughput in hours of audio per minute of wall time."""
        return self.audio_hours / max(self.wall_seconds / 60.0, 1e-9)

    @property
    def ok(self) -> bool:
        """True when no input failed in this run."""
        return self.files_failed == 0

    def __str__(self) -> str:
        lines = [
            f"files ok: {self.files_ok}, failed: {self.files_failed}, "
            f"skipped (already done): {self.files_skipped}",
            f"rows: {self.rows}, audio: {self.audio_hours:.3f} h",
            f"wall time: {self.wall_seconds:.1f} s, {self.files_per_second:.1f} files/s, "
            f"{self.audio_hours_per_minute:.3f} audio-h/min "
            f"({self.engine} engine, {self.workers} workers)",
            f"output: {self.out} ({self.output_bytes / 2**20:.1f} MiB)",
        ]
        if self.worker_peak_rss:
            lines.append(f"worker peak memory: {self.worker_peak_rss / 2**20:.0f} MiB")
        if self.errors_path:
            lines.append(f"errors: {self.errors_path}")
        return "\n".join(lines)
