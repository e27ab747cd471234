"""Sphinx configuration for the melforge documentation (``make docs``).

The API reference is generated from the docstrings: for every public namespace
(top level, io, feature, feature.inverse, filters, spectral, presets, display,
pipeline, and util / effects when present) the list of names is read from the
namespace's ``__all__`` at build time, so a new public function appears without
editing these pages.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import melforge  # noqa: E402

project = "melforge"
author = "melforge developers"
copyright = "2026, melforge developers"  # noqa: A001
version = release = melforge.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/*.rst", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# -- API reference --------------------------------------------------------------------
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

#: (title, module) of each namespace documented in the API reference.
NAMESPACES = [
    ("Top level (``melforge``)", "melforge"),
    ("Audio files (``melforge.io``)", "melforge.io"),
    ("Spectral core (``melforge.spectral``)", "melforge.spectral"),
    ("Filter banks (``melforge.filters``)", "melforge.filters"),
    ("Features (``melforge.feature``)", "melforge.feature"),
    ("Inverting features (``melforge.feature.inverse``)", "melforge.feature.inverse"),
    ("Model presets (``melforge.presets``)", "melforge.presets"),
    ("Plots (``melforge.display``)", "melforge.display"),
    ("Datasets (``melforge.pipeline``)", "melforge.pipeline"),
    ("Training-time loading (``melforge.data``)", "melforge.data"),
    ("Hugging Face datasets (``melforge.hf``)", "melforge.hf"),
    ("Utilities (``melforge.util``)", "melforge.util"),
    ("Effects (``melforge.effects``)", "melforge.effects"),
]


def _public_names(modname: str) -> list[str]:
    """Functions and classes a namespace exports (submodules and constants left out).

    A class exported at the top level too is documented there only (autodoc would
    describe the same class twice).
    """
    mod = importlib.import_module(modname)
    out = []
    for name in sorted(getattr(mod, "__all__", [])):
        if name.startswith("_"):
            continue
        obj = getattr(mod, name)
        if not callable(obj) or isinstance(obj, type(melforge)):
            continue
        if modname != "melforge" and isinstance(obj, type) and getattr(melforge, name, None) is obj:
            continue
        out.append(name)
    return out


def _write_api_pages() -> list[str]:
    """Write api/index.rst and one page per namespace listing its ``__all__``; return them."""
    api = HERE / "api"
    shutil.rmtree(api, ignore_errors=True)  # all generated: no stale page survives a rename
    api.mkdir()
    toc = []
    for title, modname in NAMESPACES:
        try:
            names = _public_names(modname)
        except ModuleNotFoundError as e:
            if e.name == modname:  # optional namespace not in this version
                continue
            raise
        slug = modname.replace(".", "_")
        toc.append(slug)
        lines = [
            title,
            "=" * len(title),
            "",
            f".. automodule:: {modname}",
            "   :no-members:",
            "",
            f".. currentmodule:: {modname}",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "",
            *(f"   {n}" for n in names),
            "",
        ]
        text = "\n".join(lines)
        (api / f"{slug}.rst").write_text(text)
    index = "\n".join(
        [
            "API reference",
            "=============",
            "",
            "Generated from the docstrings of each public namespace.",
            "",
            ".. toctree::",
            "   :maxdepth: 1",
            "",
            *(f"   {s}" for s in toc),
            "",
        ]
    )
    (api / "index.rst").write_text(index)
    return [f"api/{slug}.rst" for slug in toc]


# The stubs are generated from these pages by name: autosummary's default (every page
# Sphinx knew at the previous build) would miss a namespace page new since then.
autosummary_generate = _write_api_pages()

# -- Gallery --------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reference_url": {"melforge": None},
    "backreferences_dir": None,
    "show_memory": False,
}

# -- MyST (the markdown user pages) ---------------------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# -- HTML -----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"melforge {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path: list[str] = []
