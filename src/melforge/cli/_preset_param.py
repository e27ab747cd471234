"""The ``--preset`` option type: a registry name, a model config path, or ``hf:org/name``."""

from __future__ import annotations

from typing import Any, Optional

import click

__all__ = ["PresetSpec", "PRESET", "preset_help"]


def preset_help(prefix: str = "Feature recipe") -> str:
    """Return ``--preset`` help text listing the registry's names (read from the registry)."""
    from melforge.presets import names

    return (
        f"{prefix}: a preset name ({', '.join(names())}), a path to a model's "
        "preprocessor_config.json or its folder, or hf:org/name (local Hugging Face "
        "cache). `melforge presets` lists them."
    )


class PresetSpec(click.ParamType):
    """Resolve ``--preset`` while parsing, so a bad value is a usage error (exit 2)."""

    name = "preset"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Any) -> Any:
        """Return the resolved preset, or fail with the resolver's message."""
        from melforge._errors import AudioError
        from melforge.presets import Preset, resolve

        if isinstance(value, Preset):
            return value
        try:
            return resolve(value)
        except AudioError as e:
            self.fail(str(e), param, ctx)


PRESET = PresetSpec()
