"""The memory guard under a real cgroup memory limit (v1 or v2), in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def _own_memory_cgroup() -> tuple[Path, str, str] | None:
    """(folder, limit file, procs file) of this process's memory cgroup, if writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        num, controllers, rel = line.split(":", 2)
        if num == "0" and controllers == "":
            base, limit = Path("/sys/fs/cgroup") / rel.lstrip("/"), "memory.max"
        elif "memory" in controllers.split(","):
            base, limit = Path("/sys/fs/cgroup/memory") / rel.lstrip("/"), "memory.limit_in_bytes"
        else:
            continue
        if (base / limit).exists() or (base / "cgroup.procs").exists():
            return base, limit, "cgroup.procs"
    return None


def test_guard_counts_against_the_cgroup_limit(tmp_path):
    found = _own_memory_cgroup()
    if found is None or not os.access(found[0], os.W_OK):
        pytest.skip("no writable memory cgroup here (needs root and a cgroup mount)")
    base, limit_name, procs = found
    child = base / f"melforge-test-{uuid.uuid4().hex[:8]}"
    try:
        child.mkdir()
        (child / limit_name).write_text(str(1 << 30))  # 1 GiB
    except OSError as e:
        pytest.skip(f"cannot create a memory cgroup here: {e}")
    # A valid 1 Hz WAV: 20000 samples loaded at 22050 Hz need 20000 * 22050 * 4 bytes
    # (1.6 GiB) of float32 after resampling: more than the cgroup allows, far less than
    # the machine's available memory, so only the cgroup limit can refuse it.
    path = tmp_path / "one_hertz.wav"
    sf.write(path, np.zeros(20000, dtype=np.float32), 1, subtype="PCM_16")
    code = (
        "import os, sys, melforge\n"
        f"open({str(child / procs)!r}, 'w').write(str(os.getpid()))\n"
        "try:\n"
        f"    melforge.load({str(path)!r}, sr=22050)\n"
        "except melforge.AudioTooLargeError as e:\n"
        "    print(e)\n"
        "    sys.exit(0)\n"
        "sys.exit('loaded: the guard did not refuse')\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    finally:
        child.rmdir()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cgroup memory limit (1 GiB" in run.stdout and str(path) in run.stdout
