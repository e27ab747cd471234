"""librosa's example keys: download, hash check, cache, offline error (local HTTP server)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

import melforge
from melforge.examples import ExampleUnavailableError, describe_example
from melforge.examples._download import librosa_examples

PISTACHIO = "442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime"
STAND_IN = b"OggS stand-in bytes, not a real recording\n" * 50


def _registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **sums: str) -> Path:
    path = tmp_path / "registry.txt"
    path.write_text("".join(f"{name} {digest}\n" for name, digest in sums.items()))
    monkeypatch.setenv("MELFORGE_EXAMPLES_REGISTRY", str(path))
    return path


@pytest.fixture
def mirror(server, caches, monkeypatch):
    monkeypatch.setenv("MELFORGE_EXAMPLES_URL", server.url)
    return server


def test_download_checks_the_registered_hash_and_caches(mirror, caches, tmp_path, monkeypatch):
    digest = mirror.put(f"{PISTACHIO}.ogg", STAND_IN)
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.ogg": digest})
    path = Path(melforge.ex("pistachio"))
    assert path == caches["melforge"] / f"{PISTACHIO}.ogg"
    assert path.read_bytes() == STAND_IN
    assert mirror.requests == [f"/data/audio/{PISTACHIO}.ogg"]
    # cache hit: no second request, even with the server's file gone
    (mirror.root / f"{PISTACHIO}.ogg").unlink()
    assert Path(melforge.util.example("pistachio")) == path
    assert len(mirror.requests) == 1


def test_hq_fetches_the_hq_file(mirror, tmp_path, monkeypatch):
    digest = mirror.put(f"{PISTACHIO}.hq.ogg", STAND_IN)
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.hq.ogg": digest})
    assert melforge.example("pistachio", hq=True).endswith(f"{PISTACHIO}.hq.ogg")
    assert mirror.requests == [f"/data/audio/{PISTACHIO}.hq.ogg"]


def test_a_download_with_the_wrong_hash_is_refused_and_not_kept(mirror, caches):
    # No override: the shipped librosa SHA-256 applies, which these bytes do not have.
    mirror.put("sorohanro_-_solo-trumpet-06.ogg", STAND_IN)
    with pytest.raises(melforge.CorruptAudioError, match="registered SHA-256 8374466f") as info:
        melforge.ex("trumpet")
    assert info.value.path == mirror.url + "sorohanro_-_solo-trumpet-06.ogg"
    assert "'trumpet'" in str(info.value)
    assert list(caches["melforge"].iterdir()) == []


def test_a_corrupted_cached_copy_is_downloaded_again(mirror, caches, tmp_path, monkeypatch):
    digest = mirror.put(f"{PISTACHIO}.ogg", STAND_IN)
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.ogg": digest})
    (caches["melforge"] / f"{PISTACHIO}.ogg").write_bytes(STAND_IN[:100])  # truncated
    assert Path(melforge.ex("pistachio")).read_bytes() == STAND_IN
    assert len(mirror.requests) == 1


def test_a_librosa_cache_is_used_in_place(mirror, caches, tmp_path, monkeypatch):
    digest = mirror.put(f"{PISTACHIO}.ogg", STAND_IN)
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.ogg": digest})
    theirs = caches["librosa"] / f"{PISTACHIO}.ogg"
    theirs.write_bytes(STAND_IN)
    assert Path(melforge.ex("pistachio")) == theirs
    assert mirror.requests == []
    assert list(caches["melforge"].iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_offline_without_a_cached_copy_names_key_url_and_remedy(caches, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}/audio/"
    monkeypatch.setenv("MELFORGE_EXAMPLES_URL", url.rstrip("/"))  # slash added back
    with pytest.raises(ExampleUnavailableError) as info:
        melforge.ex("pistachio")
    err = info.value
    assert isinstance(err, melforge.AudioError) and isinstance(err, ConnectionError)
    assert melforge.ExampleUnavailableError is ExampleUnavailableError
    assert err.key == "pistachio" and err.url == f"{url}{PISTACHIO}.ogg"
    text = str(err)
    assert text.startswith(f"{url}{PISTACHIO}.ogg: example 'pistachio' is not cached")
    assert "melforge.ex('pistachio')" in text and str(caches["melforge"]) in text
    assert "MELFORGE_DATA_DIR" in text and "MELFORGE_EXAMPLES_URL" in text


def test_http_404_is_unavailable(mirror):
    with pytest.raises(ExampleUnavailableError, match="404"):
        melforge.ex("brahms")
    assert len(mirror.requests) == 1


def test_example_info_prints_the_license_file(mirror, tmp_path, monkeypatch, capsys):
    digest = mirror.put(f"{PISTACHIO}.txt", b"CC BY 4.0, The Piano Lady\n")
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.txt": digest})
    assert melforge.example_info("pistachio") is None
    out = capsys.readouterr().out
    assert out.startswith("pistachio \tThe Piano Lady - Pistachio Ice Cream Ragtime\n")
    assert "CC BY 4.0, The Piano Lady" in out
    melforge.util.example_info("speech")
    assert "CC0" in capsys.readouterr().out


def test_bad_registry_override_is_a_parameter_error(caches, tmp_path, monkeypatch):
    _registry(tmp_path, monkeypatch, **{f"{PISTACHIO}.ogg": "not-a-hash"})
    with pytest.raises(melforge.ParameterError, match=r"MELFORGE_EXAMPLES_REGISTRY=.* line 1"):
        melforge.ex("pistachio")
    monkeypatch.setenv("MELFORGE_EXAMPLES_REGISTRY", str(tmp_path / "missing.txt"))
    with pytest.raises(melforge.ParameterError, match="must name a readable file"):
        melforge.ex("pistachio")


def test_every_librosa_key_is_known_and_listed(capsys):
    keys = melforge.list_examples()
    printed = capsys.readouterr().out
    assert keys[:3] == ["speech", "music", "chirp"]
    assert set(keys[3:]) == set(librosa_examples()) - {"pibble"}
    for key in keys:
        assert f"{key:10}\t{describe_example(key)}" in printed
    assert describe_example("pibble") == "Who's a good girl?"  # accepted, not listed


def test_unknown_key_lists_both_kinds():
    with pytest.raises(
        melforge.ParameterError,
        match=r"unknown example 'nope'; the bundled examples are 'speech', 'music', 'chirp'; "
        r"librosa's \(downloaded on first use\) are 'brahms', 'choice',",
    ):
        melforge.ex("nope")


def test_names_exist_where_librosa_has_them():
    for name in ("ex", "example", "example_info", "list_examples"):
        assert getattr(melforge, name) is getattr(melforge.examples, name)
        assert getattr(melforge.util, name) is getattr(melforge.examples, name)


def test_bundled_clips_and_names_need_no_pooch():
    code = (
        "import sys, melforge; melforge.ex('speech'); melforge.util.frame; melforge.tone; "
        "melforge.examples.describe_example('pistachio'); "
        "print(','.join(m for m in ('pooch', 'requests', 'scipy.signal') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
