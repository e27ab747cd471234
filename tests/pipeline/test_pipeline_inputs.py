"""Inputs: manifests (CSV/TSV/JSONL/Parquet), carried columns, --root, dataset layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from conftest import TINY, read_errors, write_clip

import melforge
from melforge import ParameterError
from melforge.pipeline.inputs import iter_sources


def rows(out: Path) -> list[dict]:
    return pads.dataset(out, format="parquet").to_table().drop(["features"]).to_pylist()


def test_common_voice_tsv_layout(tmp_path: Path) -> None:
    cv = tmp_path / "cv-corpus" / "en"
    for i in range(3):
        write_clip(cv / "clips" / f"common_voice_en_{i}.mp3", 48000, 0.4, i)
    lines = ["client_id\tpath\tsentence\tup_votes\tgender"]
    lines += [f'c{i}\tcommon_voice_en_{i}.mp3\tsay "hi" {i}\t{i}\tfemale' for i in range(3)]
    lines.append("c9\tcommon_voice_en_9.mp3\tmissing file\t0\t")
    (cv / "train.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    s = melforge.featurize(cv / "train.tsv", out, preset=TINY, root=cv / "clips", workers=2)
    assert (s.files_ok, s.files_failed) == (3, 1)
    got = rows(out)
    assert [r["id"] for r in got] == [f"common_voice_en_{i}.mp3" for i in range(3)]
    assert got[1]["sentence"] == 'say "hi" 1' and got[1]["up_votes"] == "1"
    assert got[0]["client_id"] == "c0" and got[0]["gender"] == "female"
    assert got[0]["path"] == str(cv / "clips" / "common_voice_en_0.mp3")
    err = read_errors(out).to_pylist()
    assert err[0]["id"] == "common_voice_en_9.mp3"
    assert err[0]["error"] == "AudioFileNotFoundError"


def test_librispeech_folder_layout(tmp_path: Path) -> None:
    ls = tmp_path / "LibriSpeech" / "dev-clean"
    for spk, chap in [("84", "121123"), ("174", "50561")]:
        for u in range(2):
            write_clip(ls / spk / chap / f"{spk}-{chap}-{u:04d}.flac", 16000, 0.3, u)
        (ls / spk / chap / f"{spk}-{chap}.trans.txt").write_text("0000 HELLO\n")
    out = tmp_path / "out"
    s = melforge.featurize(ls, out, preset=TINY, workers=1)
    assert (s.files_ok, s.files_failed) == (4, 0)
    assert [r["id"] for r in rows(out)] == [
        "174/50561/174-50561-0000.flac", "174/50561/174-50561-0001.flac",
        "84/121123/84-121123-0000.flac", "84/121123/84-121123-0001.flac",
    ]  # fmt: skip


def test_csv_jsonl_parquet_manifests_carry_columns(tmp_path: Path) -> None:
    for i in range(2):
        write_clip(tmp_path / "wavs" / f"{i}.wav", 16000, 0.3, i)
    (tmp_path / "m.csv").write_text(
        'path,text,speaker\nwavs/0.wav,"hello, world",s1\nwavs/1.wav,bye,s2\n'
    )
    with open(tmp_path / "m.jsonl", "w") as f:
        for i in range(2):
            f.write(json.dumps({"audio": f"wavs/{i}.wav", "text": f"t{i}", "dur": 0.3 + i}) + "\n")
    pq.write_table(
        pa.table({"file": [str(tmp_path / "wavs/1.wav")], "label": [7]}), tmp_path / "m.parquet"
    )
    melforge.featurize(tmp_path / "m.csv", tmp_path / "o1", preset=TINY, workers=1)
    r = rows(tmp_path / "o1")
    assert [(x["id"], x["text"], x["speaker"]) for x in r] == [
        ("wavs/0.wav", "hello, world", "s1"), ("wavs/1.wav", "bye", "s2")
    ]  # fmt: skip
    melforge.featurize(
        tmp_path / "m.jsonl", tmp_path / "o2", preset=TINY, workers=1, path_column="audio"
    )
    t = pads.dataset(tmp_path / "o2", format="parquet").to_table()
    assert t.column("dur").type == pa.float64() and t.column("text").to_pylist() == ["t0", "t1"]
    melforge.featurize(
        tmp_path / "m.parquet", tmp_path / "o3", preset=TINY, workers=1, path_column="file"
    )
    t = pads.dataset(tmp_path / "o3", format="parquet").to_table()
    assert t.column("label").type == pa.int64() and t.column("label").to_pylist() == [7]


def test_several_inputs_and_lazy_manifest(tmp_path: Path) -> None:
    write_clip(tmp_path / "a" / "x.wav")
    write_clip(tmp_path / "b" / "x.wav")
    ids = [s.id for s in iter_sources([tmp_path / "a", tmp_path / "b", tmp_path / "a" / "x.wav"])]
    assert ids[:2] == ["a/x.wav", "b/x.wav"] and ids[2].endswith("a/x.wav")
    big = tmp_path / "big.csv"
    with open(big, "w") as f:
        f.write("path,k\n")
        for i in range(100_000):
            f.write(f"f{i}.wav,{i}\n")
    it = iter_sources(big)
    first = [next(it) for _ in range(3)]  # rows are read lazily
    assert [s.columns["k"] for s in first] == ["0", "1", "2"]
    assert first[0].path == str(tmp_path / "f0.wav")


def test_manifest_value_of_another_type_fails_that_input_only(tmp_path: Path) -> None:
    """Carried types come from the first rows; a later misfit fails its row, not the run."""
    for i in range(4):
        write_clip(tmp_path / f"{i}.wav", 16000, 0.2, i)
    rows_in = [
        {"path": "0.wav", "label": 1, "note": None},
        {"path": "1.wav", "label": 2, "note": None},
        {"path": "2.wav", "label": 2.5, "note": 7},  # 2.5 is no int64; 7 fits text as "7"
        {"path": "3.wav", "label": 3, "note": {"k": 1}},
    ]
    with open(tmp_path / "m.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows_in)
    out = tmp_path / "out"
    s = melforge.featurize(tmp_path / "m.jsonl", out, preset=TINY, workers=1, files_per_shard=2)
    assert (s.files_ok, s.files_failed) == (3, 1)
    got = rows(out)
    assert [(r["id"], r["label"], r["note"]) for r in got] == [
        ("0.wav", 1, None), ("1.wav", 2, None), ("3.wav", 3, '{"k": 1}')
    ]  # fmt: skip
    (err,) = read_errors(out).to_pylist()
    assert err["id"] == "2.wav" and err["error"] == "ValueError"
    assert "manifest column 'label' value 2.5 does not fit type int64" in err["message"]


def test_manifest_with_a_byte_order_mark(tmp_path: Path) -> None:
    """Spreadsheet programs write UTF-8 with a BOM: the header's first name stays `path`."""
    for i in range(2):
        write_clip(tmp_path / f"{i}.wav", 16000, 0.2, i)
    bom = "\ufeff"
    (tmp_path / "m.csv").write_text(f"{bom}path,text\n0.wav,zero\n1.wav,one\n", encoding="utf-8")
    (tmp_path / "m.tsv").write_text(f"{bom}path\ttext\n0.wav\tzero\n", encoding="utf-8")
    (tmp_path / "m.jsonl").write_text(f'{bom}{{"path": "1.wav", "text": "one"}}\n', "utf-8")
    for name, want in [("m.csv", ["zero", "one"]), ("m.tsv", ["zero"]), ("m.jsonl", ["one"])]:
        out = tmp_path / f"out-{name}"
        s = melforge.featurize(tmp_path / name, out, preset=TINY, workers=1)
        assert (s.files_ok, s.files_failed) == (len(want), 0)
        assert [r["text"] for r in rows(out)] == want


def test_manifest_with_a_duplicate_id_is_refused_naming_the_rows(tmp_path: Path) -> None:
    write_clip(tmp_path / "a.wav")
    (tmp_path / "m.csv").write_text("path,text\na.wav,x\nb.wav,y\n./c.wav,z\na.wav,w\n")
    with pytest.raises(ParameterError, match=r"lists 'a.wav' more than once \(row 1 \(line 2\), "
                       r"row 4 \(line 5\)\)"):  # fmt: skip
        melforge.featurize(tmp_path / "m.csv", tmp_path / "out", preset=TINY)
    assert not (tmp_path / "out" / "part-00000.parquet").exists()  # refused before any work
    (tmp_path / "m.jsonl").write_text('{"path": "a.wav"}\n\n{"path": "a.wav"}\n')
    with pytest.raises(ParameterError, match=r"row 1 \(line 1\), row 2 \(line 3\)"):
        melforge.featurize(tmp_path / "m.jsonl", tmp_path / "out2", preset=TINY)
    with pytest.raises(ParameterError, match=r"input '.*a.wav' is listed more than once"):
        melforge.featurize([tmp_path / "a.wav", tmp_path / "a.wav"], tmp_path / "o3", preset=TINY)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("path,text\na.wav,x\nb.wav,y,z\n", r"row 2 \(line 3\) has 3 cells but the header has 2"),
        ("path,text,spk\na.wav,x,s\nb.wav\n", r"row 2 \(line 3\) has 1 cells but the header has 3"),
        ("path,text\na.wav,hello, world\n", r"row 1 \(line 2\) has 3 cells .* \(quote cells"),
    ],
)
def test_manifest_rows_with_more_or_fewer_cells_are_refused(
    tmp_path: Path, text: str, match: str
) -> None:
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(ParameterError, match=match):
        melforge.featurize(tmp_path / "m.csv", tmp_path / "out", preset=TINY)
