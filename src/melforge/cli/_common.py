"""Shared pieces of the command line: error reporting, progress bars, option types.

Exit codes: 0 success, 1 some inputs failed (each named on stderr, one line per file),
2 bad usage (click's own).  ``melforge --debug ...`` re-raises instead, for tracebacks.
"""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional, TypeVar

import click

from melforge._errors import AudioError

T = TypeVar("T")

#: Errors that concern one input and become one stderr line (exit code 1).
INPUT_ERRORS: tuple[type[BaseException], ...] = (AudioError, OSError, ValueError, RuntimeError)


def is_debug() -> bool:
    """Return True when ``melforge --debug`` was given."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("debug"):
            return True
        ctx = ctx.parent
    return False


def describe_error(exc: BaseException, *, with_path: bool = True) -> str:
    """Return one readable line for an exception.

    melforge errors name their file; ``with_path=False`` leaves the file name out.
    """
    if isinstance(exc, AudioError):
        return str(exc) if with_path else exc.reason
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        # "[Errno 2] No such file or directory: 'x.png'" -> "x.png: No such file or directory"
        return f"{exc.filename}: {exc.strerror}" if with_path else exc.strerror
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_line(message: str) -> None:
    """Print ``melforge: error: <message>`` on stderr."""
    click.echo(f"melforge: error: {message}", err=True)


def warn_line(message: str) -> None:
    """Print ``melforge: warning: <message>`` on stderr."""
    click.echo(f"melforge: warning: {message}", err=True)


def file_error(path: Any, exc: BaseException) -> None:
    """Report a failed input on one stderr line, naming the file, or re-raise with --debug."""
    if is_debug():
        raise exc
    line = describe_error(exc)
    name = str(path)
    error_line(line if line.startswith(name) else f"{name}: {line}")


@contextlib.contextmanager
def guarded(path: Any = None) -> Iterator[None]:
    """Turn an input failure into one stderr line and exit code 1 (re-raise with --debug)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for w in caught:
            warn_line(str(w.message).splitlines()[0])
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except INPUT_ERRORS as exc:
        if path is None:
            if is_debug():
                raise
            error_line(describe_error(exc))
        else:
            file_error(path, exc)
        sys.exit(1)


def progress(
    items: Iterable[T], *, total: Optional[int] = None, desc: str = "", unit: str = "file"
) -> Iterable[T]:
    """Wrap ``items`` in a tqdm bar on a terminal; return them untouched otherwise."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, leave=False, unit=unit)


_RATE = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(k|khz|hz)?$", re.IGNORECASE)


def parse_rate(text: str) -> int:
    """Return a sample rate in Hz from ``16000``, ``16k``, ``44.1k``, ``44.1kHz`` or ``8000Hz``.

    Raises ``ValueError`` (with the reason) for anything else, and for rates that are
    not a whole number of Hz or not positive.
    """
    match = _RATE.match(text.strip())
    if match is None:
        raise ValueError("is not a sample rate; use Hz (16000), kHz (16k, 44.1k) or 'native'")
    value = Decimal(match.group(1))
    if (match.group(2) or "").lower() in ("k", "khz"):
        value *= 1000
    if value != value.to_integral_value():
        raise ValueError("is not a whole number of Hz")
    if value <= 0:
        raise ValueError("must be a positive sample rate in Hz")
    return int(value)


class SampleRate(click.ParamType):
    """A sample rate: Hz (``16000``), kHz (``16k``, ``44.1k``) or ``native`` (the file's rate)."""

    name = "HZ|native"

    def convert(self, value: Any, param: Any, ctx: Any) -> Optional[int]:
        """Return the rate as int, or None for ``native``."""
        if value is None or (isinstance(value, str) and value.strip().lower() == "native"):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        try:
            return parse_rate(str(value))
        except ValueError as exc:
            self.fail(f"{value!r} {exc}")


SAMPLE_RATE = SampleRate()


def check_suffix(path: str, allowed: tuple[str, ...], option: str) -> str:
    """Return the lower-case suffix of ``path`` or raise a usage error (exit code 2)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        raise click.BadParameter(
            f"{path!r} must end in {', '.join('.' + a for a in allowed)}", param_hint=option
        )
    return suffix


def positive(kind: type = int) -> click.ParamType:
    """Return a click type for strictly positive numbers."""
    if kind is int:
        return click.IntRange(min=1)
    return click.FloatRange(min=0.0, min_open=True)


def spectrogram_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every spectrogram-drawing or -computing command shares.

    ``--n-fft``, ``--hop`` (as ``hop_length``), ``--n-mels`` and ``--fmax``, with
    librosa's defaults.
    """
    options = [
        click.option(
            "--n-fft", type=positive(), default=2048, show_default=True,
            help="FFT size (samples).",
        ),
        click.option(
            "--hop", "hop_length", type=positive(), default=512, show_default=True,
            help="Hop between frames (samples).",
        ),
        click.option(
            "--n-mels", type=positive(), default=128, show_default=True, help="Mel bands."
        ),
        click.option(
            "--fmax", type=positive(float), default=None,
            help="Highest mel frequency in Hz [default: sr/2].",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command
