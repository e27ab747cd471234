"""``melforge presets``: list the preset names, or show one recipe as JSON."""

from __future__ import annotations

import json
from typing import Any

import click

from melforge.cli._preset_param import PRESET

__all__ = ["presets"]


def describe(preset: Any) -> dict[str, Any]:
    """Return a preset's resolved recipe with its layout, reference and measured deviation."""
    record = preset.to_dict()
    record.update(
        layout=preset.layout,
        sample_rate=preset.sample_rate,
        n_features=preset.n_features,
        frame_rate=preset.frame_rate,
        reference=type(preset).reference,
        measured_deviation=type(preset).deviation,
    )
    recipe = preset.recipe()
    if recipe is not None:
        record["recipe"] = recipe.to_dict()
    return record


@click.group(
    "presets",
    invoke_without_command=True,
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge presets\n"
        "  melforge presets show whisper-80\n"
        "  melforge presets show ./whisper-small/preprocessor_config.json\n"
        "  melforge presets show hf:openai/whisper-small"
    ),
)
@click.pass_context
def presets(ctx: click.Context) -> None:
    """List the named feature presets (one per line: name, rate, features, layout)."""
    if ctx.invoked_subcommand is not None:
        return
    from melforge.presets import get, names

    for name in names():
        p = get(name)
        click.echo(
            f"{name:<16} {p.sample_rate:>6} Hz  {p.n_features:>4} features  {p.layout}  "
            f"{type(p).reference}"
        )


@presets.command("show")
@click.argument("preset", type=PRESET)
def show(preset: Any) -> None:
    """Print PRESET's resolved recipe as JSON: a name, a config file or folder, or hf:org/name."""
    click.echo(json.dumps(describe(preset), indent=2))
