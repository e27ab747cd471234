"""The I/O modules stay light: no decoder, resampler or scipy.signal at import time."""

from __future__ import annotations

import subprocess
import sys


def test_io_modules_import_no_heavy_dependencies():
    code = (
        "import sys, melforge.audio, melforge.io, melforge.resampling, melforge.io.reading\n"
        "heavy = ['soundfile', 'av', 'soxr', 'scipy.signal', 'matplotlib', 'librosa']\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
