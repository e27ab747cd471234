"""Which shards a run writes: all of them (a new dataset), or what a resume must redo.

A new dataset is cut into shards by position: shard ``k`` holds inputs
``k * files_per_shard`` onwards, pulled lazily from the inputs.

A resume compares the inputs with what every complete shard's footer records about
its own inputs (their ids, size and mtime, carried columns, rows, failure):

- a shard whose inputs are all unchanged, none failed, is skipped;
- a shard with a changed, failed or removed input is rewritten (temporary name,
  then an atomic rename over the old version): unchanged inputs' rows are copied
  from the old version, the others computed again, removed ones left out; a shard
  left with no input is deleted;
- inputs in no shard go to the shard their position gives (as a fresh run would:
  after a kill, the dataset ends up as an uninterrupted run's) when that shard does
  not exist, and otherwise to new shards numbered after every existing one.

Each input id thus lives in exactly one shard, whatever was added, removed or
changed: nothing is lost, nothing duplicated, nothing stale served.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from melforge._errors import ParameterError
from melforge.pipeline.inputs import Source
from melforge.pipeline.shards import ShardInfo, ids_digest
from melforge.pipeline.sink import REWRITE, columns_digest, file_stat
from melforge.pipeline.store import Store

__all__ = ["Work", "Plan", "fresh_plan", "resume_plan", "unique"]

#: One unit of work: (shard number, first input number, sources, reusable old rows).
Work = tuple[int, int, list[Source], dict[str, Any]]


@dataclass
class Plan:
    """The shards to write, the shards to delete, and what is kept as it is."""

    work: list[Work] = field(default_factory=list)
    drop: list[int] = field(default_factory=list)  # shards left with no input
    skipped: int = 0  # inputs in shards kept as they are
    not_retried: int = 0  # failed inputs left as they are (read-only output)


def unique(sources: Iterable[Source]) -> Iterator[Source]:
    """Pass sources through, refusing an id seen before (ids key the output rows)."""
    seen: dict[int, int] = {}
    for n, s in enumerate(sources):
        key = int.from_bytes(hashlib.blake2b(s.id.encode("utf-8", "surrogatepass"),
                                             digest_size=8).digest(), "little")  # fmt: skip
        if key in seen:
            raise ParameterError(
                f"input {s.id!r} is listed more than once (inputs {seen[key]} and {n}, "
                "counted from 0); each input may appear once"
            )
        seen[key] = n
        yield s


def fresh_plan(sources: Iterator[Source], size: int) -> Iterator[Work]:
    """Cut the inputs into shards by position, lazily."""
    for k in itertools.count():
        chunk = list(itertools.islice(sources, size))
        if not chunk:
            return
        yield k, k * size, chunk, {}


def _legacy_records(store: Store, info: ShardInfo, current: list[Source]) -> list[dict[str, Any]]:
    """Per-input records of a shard written before melforge recorded them.

    Its inputs are the positional chunk of the inputs (checked against the hash of their
    ids); rows are counted from its ``id`` column; size and mtime are unknown (the shard
    is trusted, unless ``verify_content``).
    """
    import pyarrow.parquet as pq

    chunk = current[info.first_index : info.first_index + info.n_inputs]
    if len(chunk) != info.n_inputs or ids_digest(s.id for s in chunk) != info.ids_sha1:
        raise ParameterError(
            f"the inputs changed since {info.name} was written by an earlier melforge "
            f"version (its ids differ from inputs {info.first_index}.."
            f"{info.first_index + info.n_inputs - 1}); featurize into a new folder "
            "or pass overwrite=True"
        )
    with store.open_read(info.name) as f:
        ids = pq.read_table(f, columns=["id"]).column("id").to_pylist()
    failed = {f["id"] for f in info.failed}
    records, pos = [], 0
    for s in chunk:
        n = 0
        while pos + n < len(ids) and (ids[pos + n] == s.id or ids[pos + n].startswith(s.id + "@")):
            n += 1
        pos += n
        bad = s.id in failed or any(f.startswith(s.id + "@") for f in failed)
        records.append({"id": s.id, "size": None, "mtime_ns": None, "columns": None,
                        "rows": n, "failed": bad})  # fmt: skip
    return records


def _changed(source: Source, record: dict[str, Any]) -> bool:
    """Whether an input differs from what its shard recorded (size, mtime, columns)."""
    if record.get("size") is not None or record.get("mtime_ns") is not None:
        if file_stat(source.path) != (record.get("size"), record.get("mtime_ns")):
            return True
    columns = record.get("columns")
    return columns is not None and columns != columns_digest(source.columns)


def resume_plan(
    store: Store,
    index: dict[int, ShardInfo],
    current: list[Source],
    size: int,
    *,
    verify_content: bool,
    retry_failed: bool = True,
) -> Plan:
    """Plan a resume over the complete shards ``index`` (see the module notes)."""
    plan = Plan()
    present = {s.id: s for s in current}
    owner: set[str] = set()
    jobs: dict[int, Work] = {}
    for k in sorted(index):
        info = index[k]
        records = info.inputs or _legacy_records(store, info, current)
        members: list[Source] = []
        reuse: dict[str, Any] = {}
        rewrite, row = False, 0
        for r in records:
            start, row = row, row + int(r.get("rows", 0))
            source = present.get(r["id"])
            if source is None or r["id"] in owner:
                rewrite = True  # removed from the inputs: its rows go
                continue
            owner.add(r["id"])
            members.append(source)
            if r.get("failed") and retry_failed:
                rewrite = True
            elif r.get("failed") or not _changed(source, r):
                reuse[source.id] = {**r, "row_start": start}
            else:
                rewrite = True
        if not members:
            plan.drop.append(k)
        elif rewrite or verify_content:
            reuse[REWRITE] = rewrite  # written only if something differs
            jobs[k] = (k, info.first_index, members, reuse)
        else:
            plan.skipped += len(members)
        if not retry_failed:
            plan.not_retried += sum(1 for r in records if r.get("failed"))
    n_chunks = -(-len(current) // size)
    positional: dict[int, list[Source]] = {}
    appended: list[Source] = []
    for i, s in enumerate(current):
        if s.id in owner:
            continue
        c = i // size
        if c in index:
            appended.append(s)
        else:
            positional.setdefault(c, []).append(s)
    for c, sources in positional.items():
        jobs[c] = (c, c * size, sources, {})
    start = max(max(index, default=-1), n_chunks - 1) + 1
    for j in range(0, len(appended), size):
        k = start + j // size
        jobs[k] = (k, len(current), appended[j : j + size], {})
    plan.work = [jobs[k] for k in sorted(jobs)]
    return plan
