"""The ``melforge`` command: a lazy click group, one module per command.

``melforge --help`` imports no command module (the short help lives in the table
below), so it stays fast; a command's module is imported only when it runs.  A
command whose module is not installed is hidden instead of breaking the group.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, Optional

import click

__all__ = ["main", "COMMANDS"]

#: command name -> ("module:attribute", one-line help shown by ``melforge --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("melforge.cli.info_cmd:info", "Table of format, rate, bit depth, levels per file."),
    "plot": ("melforge.cli.plot_cmd:plot", "Plot a waveform, spectrum or spectrogram to an image."),
    "convert": ("melforge.cli.convert_cmd:convert", "Resample and re-encode a file."),
    "features": (
        "melforge.cli.features_cmd:features",
        "Write one file's features to .npy/.npz/.csv.",
    ),
    "featurize": (
        "melforge.cli.featurize_cmd:featurize",
        "Featurize a dataset into Parquet shards.",
    ),
    "presets": (
        "melforge.cli.presets_cmd:presets",
        "List the feature presets, or show one recipe as JSON.",
    ),
    "demo": (
        "melforge.cli.demo_cmd:demo",
        "Guided walkthrough: from a sound to a mel spectrogram.",
    ),
}


def _module_exists(target: str) -> bool:
    module = target.split(":", 1)[0]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class LazyGroup(click.Group):
    """A click group that imports each command's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the commands whose modules exist, in table order."""
        return [name for name, (target, _) in COMMANDS.items() if _module_exists(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        """Import and return the command ``cmd_name``, or None if unknown or not installed."""
        entry = COMMANDS.get(cmd_name)
        if entry is None or not _module_exists(entry[0]):
            return None
        module_name, attr = entry[0].split(":", 1)
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            return None
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an unexpected exception becomes one stderr line and exit code 1."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if isinstance(ctx.obj, dict) and ctx.obj.get("debug"):
                raise
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(
                f"melforge: internal error: {type(exc).__name__}: {text} "
                "(run 'melforge --debug ...' for the traceback)",
                err=True,
            )
            ctx.exit(1)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with the table's short help, importing nothing."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=(
        "Examples:\n\n"
        "\b\n"
        "  melforge info recordings/*.wav\n"
        "  melforge plot speech.flac --kind mel -o mel.png\n"
        "  melforge convert song.mp3 song16k.wav --sr 16000 --mono --subtype PCM_16\n"
        "  melforge features speech.flac --kind mfcc -o mfcc.npy\n"
        "  melforge demo -o demo-output\n\n"
        "Exit codes: 0 success, 1 some inputs failed (named on stderr), 2 bad usage."
    ),
)
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(package_name="melforge", prog_name="melforge")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """melforge: audio files to model-ready data, from the command line."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def run(argv: Optional[list[str]] = None) -> Any:
    """Run the command line with ``argv`` (for ``python -m melforge.cli``)."""
    return main.main(args=argv, prog_name="melforge")
