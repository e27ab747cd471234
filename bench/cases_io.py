"""I/O cases: load + resample of real-length files in WAV, FLAC and MP3."""

from __future__ import annotations

from bench import data
from bench.harness import Case, Config, NotAvailable, Setup, melforge_attr, optional_module

LONG_S, LONG_S_SMOKE = 600.0, 2.0


def _file(cfg: Config, fmt: str, sr: int, channels: int):
    secs = LONG_S_SMOKE if cfg.smoke else LONG_S
    return data.speech_file(cfg.data_dir, secs, sr, fmt, channels=channels), secs


def _setup_load(cfg: Config, fmt: str, file_sr: int, channels: int, target_sr: int | None
                ) -> Setup:
    librosa = optional_module("librosa")
    path, secs = _file(cfg, fmt, file_sr, channels)
    try:
        load = melforge_attr("load")
        why = ""
    except NotAvailable as exc:
        load, why = None, str(exc)
    ch = "mono" if channels == 1 else "stereo"
    to = f"-> mono {target_sr} Hz (soxr_hq)" if target_sr else "native rate, mono"
    return Setup(
        melforge=(lambda: load(path, sr=target_sr)) if load else None,
        melforge_missing=why,
        reference=lambda: librosa.load(path, sr=target_sr),
        unit_work=secs,
        note=f"{secs:g} s {file_sr} Hz {ch} {fmt.upper()} {to}; file in the OS cache",
    )


def _case(fmt: str) -> Case:
    return Case(
        f"load.{fmt}", f"load+resample 10 min 44.1k stereo {fmt.upper()} -> 16k",
        "librosa.load(sr=16000)", 1.0,
        lambda cfg, mode: _setup_load(cfg, fmt, 44100, 2, 16000), reps=5)


def _native(fmt: str) -> Case:
    return Case(
        f"load.native.{fmt}", f"load 10 min 16k mono {fmt.upper()} (native rate)",
        "librosa.load(sr=None)", None,
        lambda cfg, mode: _setup_load(cfg, fmt, 16000, 1, None), reps=5)


CASES = [_case("mp3"), _case("flac"), _case("wav"),
         _native("mp3"), _native("flac"), _native("wav")]
