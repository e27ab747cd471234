"""info().format is one short upper-case name for FFmpeg containers, as for libsndfile's."""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge.io._ffmpeg import encode


@pytest.mark.parametrize(
    ("ext", "codec", "expected"),
    [("m4a", "aac", "M4A"), ("mp4", "aac", "MP4"), ("webm", "libopus", "WEBM"),
     ("mkv", "flac", "MATROSKA")],
)
def test_ffmpeg_container_names_are_short(tmp_path, ext, codec, expected):
    path = tmp_path / f"clip.{ext}"
    encode(path, np.zeros((1, 16000), dtype=np.float32), 16000, codec=codec)
    assert melforge.info(path).format == expected
