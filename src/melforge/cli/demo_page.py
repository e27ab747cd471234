"""The demo's ``index.html``: every picture with its caption, and audio players."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DemoFigure", "write_index"]


@dataclass(frozen=True)
class DemoFigure:
    """One picture of the demo: file name (in the output folder), title and caption."""

    filename: str
    title: str
    caption: str


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
figure { margin: 2em 0; } figure img { width: 100%; border: 1px solid #ddd; }
figcaption { color: #444; margin-top: .4em; }
table { border-collapse: collapse; } td { padding: .15em .8em .15em 0; }
td:first-child { color: #666; } audio { vertical-align: middle; }
code { background: #f4f4f4; padding: 0 .2em; }
"""


def write_index(
    out: Path,
    *,
    clip_name: str,
    meta: Any,
    sr: int,
    figures: list[DemoFigure],
    audio: list[tuple[str, str]],
    walkthrough: str = "",
) -> Path:
    """Write ``out/index.html`` and return its path.

    Parameters
    ----------
    out : Path
        The demo folder (pictures and audio are already in it).
    clip_name : str
        File name of the copied clip.
    meta : AudioInfo
        The clip's header facts.
    sr : int
        The clip's sample rate in Hz.
    figures : list of DemoFigure
        Pictures in display order.
    audio : list of (file name, label)
        Audio files in ``out`` to offer players for.
    walkthrough : str
        The text the demo printed (facts, resampling and quantization numbers).

    Returns
    -------
    Path
        The written ``index.html``.
    """
    e = html.escape
    bits = f"{meta.bit_depth}-bit ({2**meta.bit_depth:,} levels)" if meta.bit_depth else "lossy"
    facts = [
        ("file", clip_name),
        ("format", f"{meta.format} / {meta.subtype}"),
        ("sample rate", f"{sr} Hz (Nyquist frequency {sr / 2:g} Hz)"),
        ("bit depth", bits),
        ("channels", str(meta.channels)),
        ("duration", f"{meta.duration:.2f} s ({meta.frames} samples)"),
    ]
    rows = "\n".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in facts)
    players = "\n".join(
        f'<p><audio controls preload="none" src="{e(f)}"></audio> {e(label)} '
        f'(<a href="{e(f)}">{e(f)}</a>)</p>'
        for f, label in audio
    )
    figs = "\n".join(
        f'<figure><h2>{i}. {e(f.title)}</h2><img src="{e(f.filename)}" alt="{e(f.title)}">'
        f"<figcaption>{e(f.caption)}</figcaption></figure>"
        for i, f in enumerate(figures, 1)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>melforge demo: {e(clip_name)}</title><style>{_STYLE}</style></head>
<body>
<h1>From a sound to a mel spectrogram</h1>
<p>Made by <code>melforge demo</code>. Listen first, then follow the pictures from the
samples to the features a model sees.</p>
<table>{rows}</table>
<h2>Listen</h2>
{players}
<h2>The numbers</h2>
<pre>{e(walkthrough)}</pre>
{figs}
</body></html>
"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
