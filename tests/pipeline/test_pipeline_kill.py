"""Real SIGKILLs of a running `melforge featurize`, then resume: every input exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from conftest import TINY, read_errors, write_clip

import melforge

pytestmark = pytest.mark.slow


def cli(*args: str, **env: str) -> list[str]:
    return [sys.executable, "-m", "melforge.cli.featurize_cmd", *args]


def start(data: Path, out: Path) -> subprocess.Popen:
    # SlowTinyPreset sleeps 0.05 s per clip, so that the run can be killed mid-way
    return subprocess.Popen(
        cli(
            str(data),
            "-o",
            str(out),
            "--preset",
            "pipeline_testkit:SlowTinyPreset",
            "--workers",
            "2",
            "--files-per-shard",
            "2",
            "--no-progress",
        ),  # fmt: skip
        start_new_session=True,  # its own process group: we kill the workers too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def complete_shards(out: Path) -> list[Path]:
    return sorted(out.glob("part-*.parquet")) if out.exists() else []


def children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def kill_when(proc: subprocess.Popen, out: Path, n_shards: int, *, group: bool) -> None:
    """SIGKILL the run (its whole process group, or the main process only)."""
    deadline = time.monotonic() + 60
    while len(complete_shards(out)) < n_shards:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    workers = children(proc.pid)
    if group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10  # orphaned workers notice and exit by themselves
    while any(alive(w) for w in workers):
        assert time.monotonic() < deadline, "orphaned workers kept running"
        time.sleep(0.05)


def test_kill_twice_then_resume_equals_uninterrupted_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for i in range(30):
        write_clip(data / f"d{i % 3}" / f"c{i:02d}.wav", 16000, 0.3 + 0.01 * i, i)
    (data / "d0" / "zz_bad.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    out = tmp_path / "out"

    proc = start(data, out)
    kill_when(proc, out, 3, group=True)
    assert proc.returncode == -signal.SIGKILL
    first = len(complete_shards(out))
    for p in complete_shards(out):  # only complete shards under the final name
        assert pq.read_metadata(p).metadata[b"melforge.shard"]
    proc = start(data, out)  # resumes by default
    kill_when(proc, out, first + 3, group=False)
    assert proc.returncode == -signal.SIGKILL
    assert len(complete_shards(out)) < 16  # it really was interrupted twice

    proc = start(data, out)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()  # one input failed
    assert not list(out.glob(".*.tmp"))

    ref = tmp_path / "ref"
    melforge.featurize(data, ref, preset=TINY, workers=1, files_per_shard=2)
    got = pads.dataset(out, format="parquet").to_table()
    want = pads.dataset(ref, format="parquet").to_table()
    ids = got.column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 30  # every input exactly once
    assert got.drop(["path"]).equals(want.drop(["path"]))
    assert got.column("path").to_pylist() == want.column("path").to_pylist()
    errors = read_errors(out).column("id").to_pylist()
    assert errors == ["d0/zz_bad.wav"]
