"""The seeded mutation fuzzer over every supported container (see fuzzlib.py).

``make test`` runs 400 mutants (4 calls each: info, load native, load 16 kHz, stream);
``make fuzz`` runs thousands.  Every call must give float32 finite audio or a melforge
AudioError naming the file; a crash, hang, raw exception or bad output fails the test
with the mutants that did it.
"""

from __future__ import annotations

import pytest
from fuzzlib import run

pytestmark = pytest.mark.timeout(300)


def test_fuzz_decoders_keep_the_error_contract(capsys):
    rep = run(400, seed=12, batch=100, timeout=120.0, workers=2)
    with capsys.disabled():
        print("\n" + rep.summary())
    assert rep.mutants == 400 and rep.calls == 1600
    assert not rep.findings, rep.summary()
