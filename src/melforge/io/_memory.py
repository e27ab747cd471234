"""How much memory this process may still allocate: cgroup limit, RLIMIT_AS, MemAvailable.

Used by :func:`melforge.load`'s guard (:func:`melforge.io.reading.memory_limit`), which
refuses a result that would not fit instead of letting the kernel kill the process.
"""

from __future__ import annotations

import os

__all__ = ["process_room"]

_GiB = float(1 << 30)


def _read_int(path: str) -> int | None:
    try:
        with open(path) as fh:
            text = fh.read().split()
    except OSError:
        return None
    if not text or not text[0].isdigit():
        return None  # "max" (no limit)
    return int(text[0])


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> tuple[int, str] | None:
    """Bytes left under this process's cgroup memory limit (v2, else v1), if it has one."""
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        rel = parts[2].lstrip("/")
        if parts[0] == "0" and parts[1] == "":  # cgroup v2
            base = os.path.join("/sys/fs/cgroup", rel)
            files = ("memory.max", "memory.current")
        elif "memory" in parts[1].split(","):
            base = os.path.join("/sys/fs/cgroup/memory", rel)
            files = ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        limit = _read_int(os.path.join(base, files[0]))
        if limit is None or limit >= 1 << 60:
            continue
        used = _read_int(os.path.join(base, files[1])) or 0
        why = f"the cgroup memory limit ({limit / _GiB:.3g} GiB, {used / _GiB:.3g} GiB in use)"
        return max(limit - used, 0), why
    return None


def _address_space_room() -> tuple[int, str] | None:
    """Bytes left under RLIMIT_AS, if one is set."""
    try:
        import resource
    except ImportError:
        return None
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft == resource.RLIM_INFINITY:
        return None
    vm = 0
    try:
        with open("/proc/self/statm") as fh:
            vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    return max(soft - vm, 0), f"RLIMIT_AS ({soft / _GiB:.3g} GiB, {vm / _GiB:.3g} GiB mapped)"


def process_room(cap: int | None, cap_name: str) -> tuple[int, str]:
    """Bytes this process may still allocate, and what sets that limit (for messages).

    The smallest of: ``cap`` when not None; the room left under the cgroup memory limit
    (v2, else v1); the room left under ``RLIMIT_AS``; the machine's available memory
    (``MemAvailable``, else its physical memory, else 8 GiB).
    """
    rooms: list[tuple[int, str]] = []
    if cap is not None:
        rooms.append((int(cap), cap_name))
    for room in (_cgroup_room(), _address_space_room()):
        if room is not None:
            rooms.append(room)
    avail = _meminfo("MemAvailable")
    if avail is not None:
        rooms.append((avail, "the available memory (MemAvailable)"))
    else:
        try:
            phys = int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
            rooms.append((phys, "the physical memory"))
        except (AttributeError, OSError, ValueError):
            rooms.append((8 << 30, "a default of 8 GiB"))
    return min(rooms)
