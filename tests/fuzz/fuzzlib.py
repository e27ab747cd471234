"""A seeded mutation fuzzer for melforge's decoders (used by test_fuzz.py and ``make fuzz``).

Seeds: 0.5 s of the bundled ``speech`` clip written in every container melforge reads
(WAV PCM_16 / FLOAT / WAVE_FORMAT_EXTENSIBLE, AIFF, FLAC, Ogg Vorbis, Ogg Opus, MP3, M4A).
Mutants: random byte flips, truncations, inserted/deleted ranges, and header fields set to
their extremes (sample rate 0 / 2**32-1 / inf / NaN, channel count 0 / 255 / 65535, data
sizes 0 / 2**31 / 2**32-1, an MP3 Xing frame count of 1, Ogg granules, MP4 time scales).
Ogg pages get their CRC recomputed after a mutation so libogg does not just drop them.

Every mutant goes through ``melforge.info``, ``melforge.load`` (native rate and 16 kHz)
and ``melforge.stream`` in a worker subprocess that runs under an address-space limit
(``RLIMIT_AS``) and a timeout.  Many mutants share one worker; the worker prints a line
before and after each call, so when a worker crashes or hangs the parent knows which
mutant did it, records it, and goes on with the rest of the batch in a fresh worker.

The contract checked: each call returns float32 finite audio (and ``info`` a positive
rate and channel count), or raises a ``melforge.AudioError`` whose ``.path`` is the file
and whose one-line message names it.  When they all succeed, ``load`` and ``stream`` give
the same number of frames and ``info`` says so too (exactly for libsndfile files, within
2048 for FFmpeg's container metadata): nothing may be silently short.  Anything else is
a finding.

Run ``python tests/fuzz/fuzzlib.py --mutants 4000`` for a long run (``make fuzz``).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Address-space limit of a worker, bytes: big enough for numpy + av + soxr, small enough
#: that a header which makes us allocate gigabytes fails in the worker, not the machine.
AS_LIMIT = 3 << 30

SEED_SECONDS = 0.5

# ---------------------------------------------------------------------------- seeds


def make_seeds(folder: Path) -> dict[str, bytes]:
    """Write the bundled speech clip in every supported container; return name -> bytes."""
    import numpy as np
    import soundfile as sf

    import melforge
    from melforge.io._ffmpeg import encode

    y, sr = melforge.load(melforge.ex("speech"), sr=None, offset=1.0, duration=SEED_SECONDS)
    y16, _ = melforge.load(melforge.ex("speech"), sr=16000, offset=1.0, duration=SEED_SECONDS)
    stereo = np.stack([y, 0.5 * y])
    specs = {
        "pcm16.wav": dict(data=y, sr=sr, format="WAV", subtype="PCM_16"),
        "float.wav": dict(data=y, sr=sr, format="WAV", subtype="FLOAT"),
        "ext24.wav": dict(data=stereo, sr=sr, format="WAVEX", subtype="PCM_24"),
        "pcm16.aiff": dict(data=stereo, sr=sr, format="AIFF", subtype="PCM_16"),
        "clip.flac": dict(data=y, sr=sr, format="FLAC", subtype="PCM_16"),
        "vorbis.ogg": dict(data=y, sr=sr, format="OGG", subtype="VORBIS"),
        "opus.ogg": dict(data=y16, sr=16000, format="OGG", subtype="OPUS"),
        "clip.mp3": dict(data=y, sr=sr, format="MP3", subtype="MPEG_LAYER_III"),
    }
    out: dict[str, bytes] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, s in specs.items():
        path = folder / name
        data = s["data"]
        sf.write(path, data.T if data.ndim == 2 else data, s["sr"], format=s["format"],
                 subtype=s["subtype"])  # fmt: skip
        out[name] = path.read_bytes()
    m4a = folder / "clip.m4a"
    encode(m4a, y16, 16000, codec="aac", format="mp4", bit_rate=48000)
    out["clip.m4a"] = m4a.read_bytes()
    return out


# ---------------------------------------------------------------------------- mutation

_U32 = (0, 1, 2, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)
_U16 = (0, 1, 3, 0x00FF, 0x7FFF, 0x8000, 0xFFFF)
# 80-bit extended floats: 0, -44100, 1 Hz, inf, NaN, 2**64, the smallest denormal
_F80 = (
    bytes(10),
    b"\xc0\x0e\xac\x44" + bytes(6),
    b"\x3f\xff\x80" + bytes(7),
    b"\x7f\xff\x80" + bytes(7),
    b"\x7f\xff\xc0" + bytes(7),
    b"\x40\x3f\x80" + bytes(7),
    bytes(9) + b"\x01",
    b"\x7f\xfe\xff\xff\xff\xff\xff\xff\xff\xff",
)


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for b in page:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def fix_ogg_crcs(data: bytearray) -> None:
    """Recompute the CRC of every well-formed Ogg page in place."""
    i = data.find(b"OggS")
    while 0 <= i and i + 27 <= len(data):
        nseg = data[i + 26]
        end = i + 27 + nseg + sum(data[i + 27 : i + 27 + nseg])
        if end > len(data):
            return
        data[i + 22 : i + 26] = bytes(4)
        data[i + 22 : i + 26] = struct.pack("<I", _ogg_crc(bytes(data[i:end])))
        i = data.find(b"OggS", end)


def _fields(name: str, data: bytes) -> list[tuple[int, str]]:
    """(offset, struct code) of the header fields of ``data`` worth setting to extremes."""
    f: list[tuple[int, str]] = []
    if name.endswith(".wav"):
        f += [(4, "<I")]
        i = data.find(b"fmt ")
        if i >= 0:
            b = i + 8
            f += [(i + 4, "<I"), (b, "<H"), (b + 2, "<H"), (b + 4, "<I"), (b + 8, "<I"),
                  (b + 12, "<H"), (b + 14, "<H"), (b + 16, "<H"), (b + 18, "<H"),
                  (b + 20, "<I"), (b + 24, "<H")]  # fmt: skip
        j = data.find(b"data")
        if j >= 0:
            f += [(j + 4, "<I")]
    elif name.endswith(".aiff"):
        f += [(4, ">I")]
        i = data.find(b"COMM")
        if i >= 0:
            b = i + 8
            f += [(i + 4, ">I"), (b, ">H"), (b + 2, ">I"), (b + 6, ">H"), (b + 8, "f80")]
        j = data.find(b"SSND")
        if j >= 0:
            f += [(j + 4, ">I"), (j + 8, ">I"), (j + 12, ">I")]
    elif name.endswith(".flac"):
        b = 8  # STREAMINFO body
        f += [(5, ">H"), (b, ">H"), (b + 2, ">H"), (b + 4, ">I"), (b + 7, ">I"),
              (b + 10, ">H"), (b + 11, ">H"), (b + 12, ">H"), (b + 13, ">I"), (b + 14, ">I")]  # fmt: skip  # noqa: E501
    elif name.endswith(".mp3"):
        for tag in (b"Xing", b"Info"):
            i = data.find(tag)
            if i >= 0:
                f += [(i + 4, ">I"), (i + 8, ">I"), (i + 12, ">I")]
        i = data.find(b"\xff\xfb")
        if i >= 0:
            f += [(i, ">H"), (i + 2, ">H")]
    elif name.endswith(".ogg"):
        i = 0
        while (i := data.find(b"OggS", i)) >= 0 and len(f) < 40:
            f += [(i + 6, "<I"), (i + 10, "<I"), (i + 14, "<I"), (i + 18, "<I")]
            i += 4
        for tag, offs in ((b"\x01vorbis", (7, 11, 12, 16, 20, 24)), (b"OpusHead", (8, 9, 10, 12))):
            j = data.find(tag)
            if j >= 0:
                f += [(j + o, "<I") for o in offs]
    elif name.endswith(".m4a"):
        for tag, offs in ((b"mdhd", (4, 16, 20)), (b"mvhd", (16, 20)), (b"mp4a", (20, 22, 28)),
                          (b"stts", (8, 12, 16)), (b"stsz", (8, 12, 16)), (b"stsc", (8, 12)),
                          (b"stco", (8, 12)), (b"esds", (20, 30, 34)), (b"tkhd", (24,))):  # fmt: skip  # noqa: E501
            j = data.find(tag)
            if j >= 0:
                f += [(j + o, ">I") for o in offs]
    return [
        (o, c)
        for o, c in f
        if 0 <= o and o + (10 if c == "f80" else struct.calcsize(c)) <= len(data)
    ]


def mutate(name: str, seed: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Return (what was done, the mutant) for one random mutation of ``seed``."""
    data = bytearray(seed)
    kind = rng.choices(["field", "flip", "truncate", "splice", "word"], [4, 3, 2, 1, 1])[0]
    fields = _fields(name, seed)
    if kind == "field" and fields:
        desc = []
        for _ in range(rng.choice((1, 1, 2))):
            off, code = rng.choice(fields)
            if code == "f80":
                data[off : off + 10] = rng.choice(_F80)
            else:
                n = struct.calcsize(code)
                value = rng.choice(_U16 if n == 2 else _U32)
                data[off : off + n] = struct.pack(code, value)
            desc.append(f"{off}:{code}")
        what = "field " + ",".join(desc)
    elif kind == "truncate":
        cut = (
            rng.randrange(1, len(data))
            if rng.random() < 0.6
            else rng.randrange(1, min(len(data), 512))
        )
        del data[cut:]
        what = f"truncate {cut}"
    elif kind == "splice":
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randrange(1, 4096))
        if rng.random() < 0.5:
            del data[a:b]
            what = f"delete {a}:{b}"
        else:
            data[a:a] = data[a:b]
            what = f"duplicate {a}:{b}"
    elif kind == "word":
        off = rng.randrange(0, max(1, min(len(data) - 4, 256)))
        data[off : off + 4] = struct.pack("<I", rng.choice(_U32))
        what = f"word {off}"
    else:
        n = rng.choice((1, 2, 4, 8, 32))
        head = rng.random() < 0.5
        offs = [rng.randrange(0, min(len(data), 1024) if head else len(data)) for _ in range(n)]
        for o in offs:
            data[o] = rng.randrange(256)
        what = f"flip {n}{' head' if head else ''}"
    if name.endswith(".ogg") and rng.random() < 0.8:
        fix_ogg_crcs(data)
        what += " +crc"
    if not data:
        data = bytearray(seed[:1])
    return what, bytes(data)


# ---------------------------------------------------------------------------- worker

_CALLS = ("info", "load_native", "load_16k", "stream")

#: FFmpeg container names (as AudioInfo.format spells them) with exact length metadata.
_EXACT_FFMPEG_FORMATS = frozenset({"MOV", "MP4", "M4A", "OGG", "AIFF", "WAV", "FLAC"})


def _check_call(call: str, path: str, seen: dict) -> str:
    """Run one call on ``path``; return the outcome ("ok", "AudioError:Class", or "BUG: ...").

    ``seen`` collects the lengths each successful call saw: after ``stream``, the lengths
    from ``info``, ``load`` and ``stream`` must agree (none of them may be silently short).
    """
    import numpy as np

    import melforge

    try:
        if call == "info":
            i = melforge.info(path)
            ok = i.samplerate > 0 and i.channels > 0 and i.frames >= 0
            if not (ok and np.isfinite(i.duration)):
                return f"BUG: info returned {i}"
            seen["info"] = (i.frames, i.backend, i.format)
            return "ok"
        if call == "load_native":
            y, _ = melforge.load(path, sr=None, mono=False)
            arrays = [y]
            seen["load"] = y.shape[-1]
        elif call == "load_16k":
            y, _ = melforge.load(path, sr=16000)
            arrays = [y]
        else:
            gen = melforge.stream(path, block_length=64, frame_length=2048, hop_length=2048)
            arrays = [b for _, b in zip(range(1 << 12), gen, strict=False)]
            gen.close()
            seen["stream"] = sum(a.shape[-1] for a in arrays)
        for a in arrays:
            if a.dtype != np.float32:
                return f"BUG: dtype {a.dtype}"
            if not np.isfinite(a).all():
                return "BUG: non-finite output"
        if call == "stream" and "load" in seen and seen["load"] != seen["stream"]:
            return f"BUG: load gave {seen['load']} frames, stream {seen['stream']}"
        if call == "stream" and "load" in seen and "info" in seen:
            frames, backend, fmt = seen["info"]
            # FFmpeg: container metadata, exact up to codec padding in these containers
            exact = backend == "libsndfile" or fmt in _EXACT_FFMPEG_FORMATS
            slack = 0 if backend == "libsndfile" else 2048 + frames // 1000
            if exact and abs(frames - seen["load"]) > slack:
                return f"BUG: info says {frames} frames ({backend}), load gave {seen['load']}"
        return "ok"
    except melforge.AudioError as e:
        if e.path != path or path not in str(e):
            return f"BUG: {type(e).__name__} does not name the file: {e}"
        if "\n" in str(e):
            return f"BUG: multi-line message: {e!r}"
        return f"AudioError:{type(e).__name__}"
    except BaseException as e:  # noqa: BLE001 - this is what we are looking for
        return f"BUG: raw {type(e).__name__}: {str(e)[:300]}"


def worker_main(paths: list[str]) -> None:
    """Check each path; print ``start i call`` / ``done i call outcome`` lines (JSON)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    import melforge  # noqa: F401 - import before the clock starts

    for i, path in enumerate(paths):
        seen: dict = {}
        for call in _CALLS:
            print(json.dumps(["start", i, call]), flush=True)
            outcome = _check_call(call, path, seen)
            print(json.dumps(["done", i, call, outcome]), flush=True)


# ---------------------------------------------------------------------------- parent


@dataclass
class Report:
    """What a fuzz run found."""

    mutants: int = 0
    calls: int = 0
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    by_seed: dict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    findings: list = field(default_factory=list)  # (seed, mutation, call, outcome, file)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"{self.mutants} mutants, {self.calls} calls in {self.seconds:.1f} s"]
        lines += [f"  {k}: {v}" for k, v in sorted(self.outcomes.items())]
        lines += [f"  {s}: " + ", ".join(f"{k}={v}" for k, v in sorted(c.items()))
                  for s, c in sorted(self.by_seed.items())]  # fmt: skip
        lines += [f"  FINDING {f}" for f in self.findings[:50]]
        return "\n".join(lines)


def _run_batch(batch: list[tuple[str, str, str]], timeout: float, rep: Report) -> None:
    """Run mutants (seed name, mutation, file) in one worker; isolate a crash or hang."""
    todo = list(batch)
    env = dict(os.environ)
    while todo:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        try:
            out, err = proc.communicate(json.dumps([p for _, _, p in todo]), timeout=timeout)
            failure = None if proc.returncode == 0 else f"worker exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            failure = f"worker timed out after {timeout:.0f} s"
        started: tuple[int, str] | None = None
        finished = 0
        for line in out.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg[0] == "start":
                started = (msg[1], msg[2])
            else:
                i, call, outcome = msg[1], msg[2], msg[3]
                started = None
                seed, what, path = todo[i]
                key = (
                    "ok"
                    if outcome == "ok"
                    else outcome.split(":")[0]
                    if outcome.startswith("BUG")
                    else outcome
                )
                rep.outcomes[key] += 1
                rep.by_seed[seed][key] += 1
                rep.calls += 1
                if outcome.startswith("BUG"):
                    rep.findings.append((seed, what, call, outcome, path))
                if call == _CALLS[-1]:
                    finished = i + 1
        if failure is None:
            return
        # the worker died or hung: blame the mutant in progress, continue after it
        i = started[0] if started is not None else finished
        call = started[1] if started is not None else "?"
        seed, what, path = todo[i]
        tail = err.strip().splitlines()[-1:] if err.strip() else []
        rep.findings.append((seed, what, call, f"BUG: {failure} {tail}", path))
        rep.outcomes["BUG"] += 1
        rep.by_seed[seed]["BUG"] += 1
        rep.calls += 1
        todo = todo[i + 1 :]


def run(n_mutants: int, *, seed: int = 12, batch: int = 150, timeout: float = 120.0,
        workers: int = 2, keep: Path | None = None) -> Report:  # fmt: skip
    """Generate ``n_mutants`` mutants and check them; return the report."""
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="melforge-fuzz-") as tmp:
        root = Path(tmp)
        seeds = make_seeds(root / "seeds")
        names = sorted(seeds)
        rng = random.Random(seed)
        items = []
        for k in range(n_mutants):
            name = names[k % len(names)]
            what, data = mutate(name, seeds[name], rng)
            path = root / f"m{k:05d}-{name}"
            path.write_bytes(data)
            items.append((name, what, str(path)))
        rep.mutants = len(items)
        batches = [items[i : i + batch] for i in range(0, len(items), batch)]
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda b: _run_batch(b, timeout, rep), batches))
        if keep is not None and rep.findings:
            keep.mkdir(parents=True, exist_ok=True)
            for _, _, _, _, p in rep.findings:
                Path(keep, Path(p).name).write_bytes(Path(p).read_bytes())
    rep.seconds = time.perf_counter() - t0
    return rep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mutants", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="copy findings into this folder")
    args = ap.parse_args()
    if args.worker:
        worker_main(json.loads(sys.stdin.read()))
        return 0
    rep = run(args.mutants, seed=args.seed, workers=args.workers, keep=args.keep)
    print(rep.summary())
    return 1 if rep.findings else 0


if __name__ == "__main__":
    sys.exit(main())
