import json

import pytest

from dlkit import claims


def test_a_verdict_says_which_way_the_numbers_went():
    held = claims.verdict("GRU is faster", 1.08 > 1.0, "1.08x")
    failed = claims.verdict("GRU is faster", 0.97 > 1.0, "0.97x")
    assert held.holds and not failed.holds
    assert "holds here" in held._repr_markdown_() and "does not hold here" in failed._repr_markdown_()
    assert str(failed) == "GRU is faster: DOES NOT HOLD HERE (0.97x)"


def test_require_raises_check_failed_an_assertion_error():
    claims.require(True, "never shown")
    with pytest.raises(claims.CheckFailed, match="too slow") as caught:
        claims.require(False, "too slow")
    assert isinstance(caught.value, AssertionError)


def test_run_length_reads_the_record_and_says_when_there_is_none(tmp_path):
    record = tmp_path / "runs.json"
    record.write_text(json.dumps({"01_cnn": {
        "full": {"seconds": 612.0, "machine": "2-core Xeon", "date": "2026-12-05"},
        "quick": {"seconds": 48.4, "machine": "2-core Xeon", "date": "2026-12-05"}}}))
    text = claims.run_length("01_cnn", record)
    assert "full run: 10 min on 2-core Xeon, measured 2026-12-05" in text
    assert "quick run (DLKIT_QUICK=1): 48 s" in text
    assert "not measured yet" in claims.run_length("02_rnn", record)
    assert "not measured yet" in claims.run_length("01_cnn", tmp_path / "missing.json")
