"""The ``melforge`` group: entry point, help, lazy loading, exit codes, --debug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from melforge.cli import main as cli_main

MELFORGE = Path(sys.executable).with_name("melforge")


def test_entry_point_help_is_fast_and_lazy():
    code = (
        "import sys; from melforge.cli.main import main\n"
        "try:\n    main.main(['--help'], prog_name='melforge')\n"
        "except SystemExit as e:\n    assert e.code == 0\n"
        "heavy = [m for m in ('matplotlib', 'av', 'soundfile', 'scipy.signal', 'pyarrow', 'dask')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    for name in ("info", "plot", "convert", "features", "demo"):
        assert f"  {name} " in out.stdout


@pytest.mark.skipif(not MELFORGE.exists(), reason="melforge entry point not installed in this venv")
def test_installed_entry_point_exit_codes(tmp_path):
    ok = subprocess.run([str(MELFORGE), "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and "melforge" in ok.stdout
    usage = subprocess.run([str(MELFORGE), "nonsense"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such command 'nonsense'" in usage.stderr
    missing = subprocess.run(
        [str(MELFORGE), "info", str(tmp_path / "nope.wav")], capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    assert missing.stderr.strip().splitlines() == [
        f"melforge: error: {tmp_path / 'nope.wav'}: no such file"
    ]


def test_every_command_has_help_with_examples():
    runner = CliRunner()
    for name in ("info", "plot", "convert", "features", "demo"):
        result = runner.invoke(cli_main.main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Examples:" in result.output and f"melforge {name}" in result.output


def test_missing_command_module_is_hidden(monkeypatch):
    table = dict(cli_main.COMMANDS)
    table["ghost"] = ("melforge.cli.not_written_yet:ghost", "A command whose module is absent.")
    monkeypatch.setattr(cli_main, "COMMANDS", table)
    runner = CliRunner()
    result = runner.invoke(cli_main.main, ["--help"])
    assert result.exit_code == 0 and "ghost" not in result.output
    result = runner.invoke(cli_main.main, ["ghost"])
    assert result.exit_code == 2


def test_featurize_is_registered_when_present():
    from importlib.util import find_spec

    names = cli_main.main.list_commands(None)  # type: ignore[arg-type]
    assert ("featurize" in names) == (find_spec("melforge.cli.featurize_cmd") is not None)


def test_debug_shows_the_exception(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    quiet = runner.invoke(cli_main.main, ["plot", str(bad), "-o", str(tmp_path / "x.png")])
    assert quiet.exit_code == 1 and "Traceback" not in quiet.output
    loud = runner.invoke(
        cli_main.main, ["--debug", "plot", str(bad), "-o", str(tmp_path / "x.png")]
    )
    assert loud.exit_code == 1
    from melforge import AudioError

    assert isinstance(loud.exception, AudioError)


def test_unexpected_errors_are_one_line(monkeypatch, tmp_path):
    import melforge.cli.info_cmd as info_cmd

    def boom(path, *, levels=True):
        raise TypeError("a bug")

    monkeypatch.setattr(info_cmd, "file_facts", boom)
    runner = CliRunner()
    r = runner.invoke(cli_main.main, ["info", "x.wav"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.strip() == (
        "melforge: internal error: TypeError: a bug (run 'melforge --debug ...' for the traceback)"
    )
    r = runner.invoke(cli_main.main, ["--debug", "info", "x.wav"])
    assert isinstance(r.exception, TypeError)
