"""The output folder: one writer at a time, and environment failures named in one line.

Everything runs through the real `melforge featurize` command in subprocesses, with real
locks (flock), a real read-only mount, a real full filesystem (a small tmpfs) and a real
file-size limit (RLIMIT_FSIZE).  The tests run as root, which ignores permission bits:
permission denied is produced by running the command without root's CAP_DAC_OVERRIDE
(`setpriv --bounding-set=-dac_override`), and read-only storage by a read-only bind
mount in a private mount namespace (`unshare --mount`), which leaves the machine's
mounts untouched.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as pads
import pytest
from conftest import TINY, write_clip

import melforge
from melforge.pipeline import OutputError, OutputInUseError

pytestmark = pytest.mark.slow

SLOWER = "pipeline_testkit:SlowerTinyPreset"  # 1 s per clip


def melforge_cmd() -> list[str]:
    """The installed `melforge` entry point (or the same command through -m)."""
    exe = shutil.which("melforge", path=str(Path(sys.executable).parent))
    return [exe, "featurize"] if exe else [sys.executable, "-m", "melforge.cli", "featurize"]


def featurize_cmd(
    data: Path, out: Path, *extra: str, preset: str = TINY, workers: int = 2
) -> list[str]:
    return [*melforge_cmd(), str(data), "-o", str(out), "--preset", preset,
            "--workers", str(workers), "--no-progress", *extra]  # fmt: skip


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def one_error_line(p: subprocess.CompletedProcess) -> str:
    """The single `melforge: error:` line of a failed run (and no traceback)."""
    assert "Traceback" not in p.stderr, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("melforge: error: "), p.stderr
    return lines[0]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    """tmp_path, making sure no mount made by a test outlives it."""
    yield tmp_path
    if os.path.ismount(tmp_path / "ro"):  # only if a namespace leaked (it should not)
        subprocess.run(["umount", "-l", str(tmp_path / "ro")], capture_output=True)


def clips(folder: Path, n: int) -> Path:
    for i in range(n):
        write_clip(folder / f"c{i:02d}.wav", 16000, 0.5, i)
    return folder


def wait_for(predicate, what: str, proc: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_one_writer_per_folder_and_no_stale_lock_after_sigkill(tmp_path: Path) -> None:
    data, out = clips(tmp_path / "in", 8), tmp_path / "out"
    holder = subprocess.Popen(  # busy for 8 s: one worker, 1 s per clip
        featurize_cmd(data, out, preset=SLOWER, workers=1),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = out / ".melforge.lock"
    wait_for(lambda: lock.exists() and lock.read_text().startswith("PID"), "locked", holder)
    wait_for(lambda: any(out.glob(".part-*.tmp")), "writing", holder)
    # a second command: exit 2, one line naming the holder
    p = run(featurize_cmd(data, out, preset=SLOWER))
    assert p.returncode == 2
    line = one_error_line(p)
    assert f"{out}: output folder in use by PID {holder.pid} on {socket.gethostname()}" in line
    # the Python API: a melforge error that is also an OSError
    with pytest.raises(OutputInUseError, match=rf"in use by PID {holder.pid} on ") as info:
        melforge.featurize(data, out, preset=SLOWER, workers=1)
    assert info.value.pid == holder.pid and isinstance(info.value, (melforge.AudioError, OSError))
    assert holder.poll() is None  # neither attempt disturbed the running one
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait()
    # the kernel dropped the lock with its holder: the resume runs at once
    p = run(featurize_cmd(data, out, preset=SLOWER, workers=8))
    assert p.returncode == 0, p.stderr
    assert pads.dataset(out, format="parquet").to_table().column("id").to_pylist() == [
        f"c{i:02d}.wav" for i in range(8)
    ]


def test_missing_output_parent(tmp_path: Path) -> None:
    data = clips(tmp_path / "in", 1)
    out = tmp_path / "no-such-folder" / "out"
    p = run(featurize_cmd(data, out))
    assert p.returncode == 3
    line = one_error_line(p)
    assert str(out) in line and "does not exist" in line and "No such file or directory" in line
    assert not out.parent.exists()  # nothing created on a mistyped path
    with pytest.raises(OutputError, match=r"no-such-folder/out: cannot create the output folder"):
        melforge.featurize(data, out, preset=TINY)


def test_permission_denied(tmp_path: Path) -> None:
    data = clips(tmp_path / "in", 2)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    cmd = featurize_cmd(data, locked / "out")
    if os.geteuid() == 0:
        # root ignores permission bits through CAP_DAC_OVERRIDE: run the command without
        # it (dropped from the bounding set, so the exec'd process never gets it back)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to drop CAP_DAC_OVERRIDE as root")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]
    p = run(cmd)
    assert p.returncode == 3
    line = one_error_line(p)
    assert f"{locked / 'out'}: cannot create the output folder: Permission denied" in line


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death by signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_file_size_limit_names_the_write_error(tmp_path: Path) -> None:
    """A write over RLIMIT_FSIZE in a worker: the run stops with that write's error."""
    data = clips(tmp_path / "in", 6)
    for i in range(6):
        write_clip(data / f"c{i:02d}.wav", 16000, 4.0, i)  # shards larger than 4 KiB
    out = tmp_path / "out"
    p = run(featurize_cmd(data, out, "--files-per-shard", "3"), preexec_fn=limit_file_size)
    assert p.returncode == 3
    line = one_error_line(p)
    assert "part-0000" in line and "cannot write: File too large (EFBIG)" in line
    assert "died" not in line and "internal error" not in line
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def in_namespace(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (as root, or a user namespace)."""
    for prefix in (["unshare", "--mount"], ["unshare", "--mount", "--map-root-user"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True)
        if probe.returncode == 0:
            return run([*prefix, "sh", "-c", script, "sh", *args])
    pytest.skip("no mount namespace here (unshare --mount is not permitted)")


def test_read_only_storage(world: Path) -> None:
    data = clips(world / "in", 4)
    out = world / "ro"
    s = melforge.featurize(data, out, preset=TINY, workers=1)
    assert s.files_ok == 4
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()}
    mount_ro = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    # the complete dataset resumes on read-only storage: nothing to write, success
    p = in_namespace(mount_ro, str(out), *featurize_cmd(data, out))
    assert p.returncode == 0, p.stderr
    assert "files ok: 0, failed: 0, skipped (already done): 4" in p.stdout
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()} == before
    # a changed input needs a write there: named, exit 3
    write_clip(data / "c01.wav", 16000, 0.7, 5)
    p = in_namespace(mount_ro, str(out), *featurize_cmd(data, out))
    assert p.returncode == 3
    line = one_error_line(p)
    assert str(out) in line and "Read-only file system (EROFS)" in line


def test_disk_full(world: Path) -> None:
    """A real full filesystem: a 64 KiB tmpfs in a private mount namespace."""
    data = clips(world / "in", 8)
    for i in range(8):
        write_clip(data / f"c{i:02d}.wav", 16000, 10.0, i)
    out = world / "ro"  # (the fixture unmounts it)
    out.mkdir()
    tmpfs = 'mount -t tmpfs -o size=64k tmpfs "$1" && shift && exec "$@"'
    p = in_namespace(tmpfs, str(out), *featurize_cmd(data, out))
    assert p.returncode == 3
    line = one_error_line(p)
    assert str(out) in line and "No space left on device (ENOSPC)" in line
